"""An incremental refresh leaves the materialised rollups exactly as a full one would, and
rebuilds nothing it does not have to: a restated billing period, a new GPU load, a rule change
and a new host link each touch only their own days, resources and hosts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aifinops.analysis.refresh import MATERIALISED, refresh
from aifinops.config import Settings, load_settings
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.ingest.gpu_load import GpuSettings
from aifinops.ingest.nvidia_smi import NvidiaSmiOptions, ingest_nvidia_smi
from aifinops.store import Store, open_store
from tests.cur_builders import Line, cur2_layout, write_cur2_parquet

NOW = datetime(2026, 11, 3, tzinfo=UTC)  # no raw sample is past retention
HEADER = "timestamp, index, uuid, utilization.gpu [%], memory.used [MiB]"
TABLES = ("cost_daily_rollup", "cost_hourly_rollup", "resource_attribution", "gpu_host_links",
          *MATERIALISED)
RULE = """
[[attribution.rules]]
name = "b is research's"
match = "ResourceId"
pattern = "i-0bbb"
model = "research-box"
"""


def hours(day: str, resource: str, cost: float, name: str, **tags: str) -> list[Line]:
    return [Line(f"{day} {h:02d}:00:00", cost, resource=resource,
                 period=f"{day[:7]}-01 00:00:00", tags={"user_name": name, **tags})
            for h in range(24)]


def bill(root: Path, nov_cost: float = 1.5) -> None:
    write_cur2_parquet(cur2_layout(root, "2026-10"), [
        *hours("2026-10-30", "i-0aaa", 1.0, "gpu-a", user_model="llama"),
        *hours("2026-10-30", "i-0bbb", 2.0, "gpu-b"),
        Line("2026-10-30 00:00:00", 0.5, type="Tax", resource="", instance_type=""),
    ])
    write_cur2_parquet(cur2_layout(root, "2026-11"), [
        *hours("2026-11-02", "i-0aaa", nov_cost, "gpu-a", user_model="llama"),
        *hours("2026-11-02", "i-0bbb", 2.0, "gpu-b"),
    ])


def gpu_log(path: Path, day: str, hour: int, utils: list[float]) -> Path:
    """One GPU's samples every 5 minutes from `hour`:00, `utils` cycling."""
    y, m, d = day.split("-")
    lines = [f"{y}/{m}/{d} {hour + i // 12:02d}:{5 * (i % 12):02d}:00.000, 0, GPU-{path.stem}, "
             f"{utils[i % len(utils)]:g} %, 100 MiB" for i in range(24)]
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def load_gpu(store: Store, path: Path, host: str, settings: Settings | None = None) -> None:
    gpu = GpuSettings.from_settings(settings, now=NOW) if settings else GpuSettings(now=NOW)
    ingest_nvidia_smi(store, path, gpu, NvidiaSmiOptions(host=host))


def settings_for(tmp_path: Path, extra: str = "") -> Settings:
    cfg = tmp_path / "aifinops.toml"
    cfg.write_text(f'[database]\npath = "{tmp_path / "r.duckdb"}"\n{extra}')
    return load_settings(config=cfg)


def world(tmp_path: Path) -> tuple[Store, Settings]:
    """Two GPU hosts billed on 2026-10-30 and 2026-11-02, with telemetry on both days."""
    settings = settings_for(tmp_path)
    bill(tmp_path / "cur")
    store = open_store(settings)
    ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
    load_gpu(store, gpu_log(tmp_path / "a1.csv", "2026-10-30", 10, [0, 1, 2]), "gpu-a")
    load_gpu(store, gpu_log(tmp_path / "a2.csv", "2026-11-02", 10, [50, 80]), "gpu-a")
    load_gpu(store, gpu_log(tmp_path / "b1.csv", "2026-10-30", 3, [90]), "gpu-b")
    load_gpu(store, gpu_log(tmp_path / "b2.csv", "2026-11-02", 3, [0]), "gpu-b")
    refresh(store, settings)
    return store, settings


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup's rows, sorted, floats rounded past summation-order noise, lists sorted."""
    def norm(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, list):
            return tuple(sorted(value))
        return value

    out = {}
    for table in TABLES:
        rows = store.conn.execute(f"select * exclude (refreshed_at) from {table}"
                                  if table == "rollup_state" else f"select * from {table}"
                                  ).fetchall()
        out[table] = sorted((tuple(norm(v) for v in row) for row in rows), key=repr)
    return out


def assert_same_as_full(store: Store, settings: Settings) -> None:
    incremental = snapshot(store)
    refresh(store, settings, full=True)
    full = snapshot(store)
    for table in TABLES:
        assert incremental[table] == full[table], table
    assert full["resource_hourly_rollup"] and full["model_cost_daily"]


def test_restated_period_matches_a_full_refresh(tmp_path: Path) -> None:
    store, settings = world(tmp_path)
    with store:
        bill(tmp_path / "cur", nov_cost=3.25)  # AWS restates November
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        report = refresh(store, settings)
        assert report.rebuilt == [("aws:111122223333", "2026-11")]
        assert report.touched["cost_days"] == 1 and report.touched["gpu_host_days"] == 0
        got = store.conn.execute("select sum(cost) from model_cost where model = 'llama' "
                                 "and month = '2026-11'").fetchone()
        assert got == (pytest.approx(24 * 3.25),)
        assert_same_as_full(store, settings)


def test_new_gpu_load_matches_a_full_refresh(tmp_path: Path) -> None:
    store, settings = world(tmp_path)
    with store:
        # gpu-b's busy hour on 11-02 (it was idle), and a re-sampled hour of gpu-a's
        load_gpu(store, gpu_log(tmp_path / "b3.csv", "2026-11-02", 7, [60]), "gpu-b")
        load_gpu(store, gpu_log(tmp_path / "a3.csv", "2026-11-02", 10, [0]), "gpu-a")
        report = refresh(store, settings)
        assert report.rebuilt == []
        assert report.touched["gpu_host_days"] == 2 and report.touched["cost_days"] == 0
        assert report.touched["model_days"] == 1
        assert_same_as_full(store, settings)


def test_rule_change_and_new_host_link_match_a_full_refresh(tmp_path: Path) -> None:
    store, settings = world(tmp_path)
    store.close()
    settings = settings_for(tmp_path, RULE + '\n[hosts]\ngpu-c = "i-0aaa"\n')
    with open_store(settings) as store:
        load_gpu(store, gpu_log(tmp_path / "c1.csv", "2026-11-02", 20, [1]), "gpu-c", settings)
        report = refresh(store, settings)
        assert report.touched["attribution_resources"] == 1  # i-0bbb, in both periods
        model = store.conn.execute("select distinct model from cost_daily "
                                   "where resource_id = 'i-0bbb'").fetchall()
        assert model == [("research-box",)]
        linked = store.conn.execute("select count(*) from resource_hourly "
                                    "where host = 'gpu-c' and resource_id = 'i-0aaa'").fetchone()
        assert linked == (2,)
        assert_same_as_full(store, settings)


def test_untouched_days_are_not_rebuilt(tmp_path: Path) -> None:
    """Mark October's rows in every materialised table; a refresh for a restated November and
    a November GPU load must leave the marks (it never rewrote them); a full refresh clears them."""
    store, settings = world(tmp_path)
    marks = {
        "cost_daily_attributed": ("cost", "day"),
        "gpu_host_daily": ("observed_seconds", "day"),
        "resource_hourly_rollup": ("cost", "day"),
        "resource_daily_rollup": ("cost", "day"),
        "model_cost_daily": ("cost", "day"),
    }
    assert set(marks) == set(MATERIALISED)

    def october(table: str) -> list[float]:
        column, day = marks[table]
        rows = store.conn.execute(f"select {column} from {table} where {day} = '2026-10-30' "
                                  f"and {column} is not null order by all").fetchall()
        return [float(r[0]) for r in rows]

    with store:
        before = {t: october(t) for t in marks}
        assert all(before.values())
        for table, (column, day) in marks.items():
            store.conn.execute(f"update {table} set {column} = {column} + 1000 "
                               f"where {day} = '2026-10-30'")
        bill(tmp_path / "cur", nov_cost=3.25)
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        load_gpu(store, gpu_log(tmp_path / "b3.csv", "2026-11-02", 7, [60]), "gpu-b")
        refresh(store, settings)
        for table in marks:
            assert october(table) == [v + 1000 for v in before[table]], table
        assert refresh(store, settings).touched == dict.fromkeys(
            ("cost_days", "attribution_resources", "gpu_host_days", "resource_days",
             "model_days"), 0)
        refresh(store, settings, full=True)
        for table in marks:
            assert october(table) == before[table], table


def test_restatement_rebuilds_only_the_days_it_changes(tmp_path: Path) -> None:
    """AWS restates November, adding a day and leaving 11-02 as it was: the period's rollups are
    rebuilt, but downstream only 11-03 is (11-02's marked row keeps its mark)."""
    store, settings = world(tmp_path)
    with store:
        store.conn.execute("update cost_daily_attributed set cost = cost + 1000 "
                           "where day = '2026-11-02' and resource_id = 'i-0aaa'")
        bill(tmp_path / "cur")
        write_cur2_parquet(cur2_layout(tmp_path / "cur", "2026-11"), [
            *hours("2026-11-02", "i-0aaa", 1.5, "gpu-a", user_model="llama"),
            *hours("2026-11-02", "i-0bbb", 2.0, "gpu-b"),
            *hours("2026-11-03", "i-0aaa", 1.5, "gpu-a", user_model="llama"),
        ])
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        report = refresh(store, settings)
        assert report.rebuilt == [("aws:111122223333", "2026-11")]
        assert report.touched["cost_days"] == 1 and report.touched["resource_days"] == 1
        marked = store.conn.execute("select sum(cost) from cost_daily where day = '2026-11-02' "
                                    "and resource_id = 'i-0aaa'").fetchone()
        assert marked == (pytest.approx(1000 + 24 * 1.5),)
        store.conn.execute("update cost_daily_attributed set cost = cost - 1000 "
                           "where day = '2026-11-02' and resource_id = 'i-0aaa'")
        assert_same_as_full(store, settings)
