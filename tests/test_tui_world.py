"""The demo world the TUI tests drive, built once per session, and tests of the app's query layer.

`tui_demo_db` is `aifinops demo`'s database. When the demo build brings no GPU telemetry,
`add_demo_telemetry` adds hourly GPU rollups for the demo hosts — one row per GPU for every hour
the bill charges the instance, shaped by each host's pattern (the idle week of gpu-train-03, the
steady-low inference hosts …) — so the GPU screens have something to draw. The TUI tests copy the
file, so a test that writes (accept, apply) never changes what another test sees.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from aifinops.analysis import screens_data as sd
from aifinops.analysis.refresh import refresh
from aifinops.config import Settings, load_settings
from aifinops.demo.build import build_demo, sample_data_root
from aifinops.demo.world import HOSTS
from aifinops.store import Store, open_store
from aifinops.tui.database import Database

TODAY = date(2026, 11, 29)  # the demo world's "today": its bill runs to 2026-11-28
FROZEN_NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)

_PATTERN_SQL = """
CASE $pattern
  WHEN 'diurnal'       THEN CASE WHEN hour(t.hour) BETWEEN 8 AND 20 THEN 82 ELSE 34 END
  WHEN 'idle-week'     THEN CASE WHEN t.hour >= TIMESTAMPTZ '2026-11-21 00:00:00+00' THEN 0.4 ELSE 71 END
  WHEN 'steady-low'    THEN 17
  WHEN 'shared'        THEN CASE WHEN g.i < 2 THEN 46 ELSE 28 END
  WHEN 'off-hours-dev' THEN 38
  ELSE 66 END
"""


def add_demo_telemetry(store: Store) -> int:
    """Hourly GPU rollups and processes for the demo hosts; returns GPU-hours added (0 if any)."""
    conn = store.conn
    if conn.execute("select count(*) from gpu_hourly").fetchone()[0]:  # type: ignore[index]
        return 0
    counts = dict(conn.execute(
        "select instance_type, max(gpu_count) from ref_gpu_instance_types group by all").fetchall())
    added = 0
    for host in HOSTS:
        gpus = int(counts.get(host.instance_type) or 1)
        conn.execute(
            "insert or replace into gpu_hosts (host, instance_id, provider, source, updated_at) "
            "values (?, ?, 'aws', 'config', now())", [host.hostname, host.instance_id])
        uuids = host.gpu_uuids(gpus)
        models = list(host.models) or ["jupyter"]
        params = {"host": host.hostname, "rid": host.instance_id, "pattern": host.pattern,
                  "uuids": uuids, "models": models}
        activity = _PATTERN_SQL
        # Spread: a deterministic wobble per GPU and hour so charts are not flat lines.
        wobble = "((hash(t.hour, g.i) % 9)::DOUBLE - 4) * CASE WHEN ({a}) < 2 THEN 0.05 ELSE 1 END"
        conn.execute(f"""
            insert into gpu_hourly
            select $host, $uuids[g.i + 1], t.hour, 'NVIDIA GPU', g.i, 720, 3600, 1.0,
                   greatest(0, ({activity}) + {wobble.format(a=activity)}),
                   least(100, ({activity}) + 12),
                   greatest(0, ({activity}) + {wobble.format(a=activity)}),
                   least(100, ({activity}) + 12),
                   'utilization_gpu',
                   CASE WHEN ({activity}) < 5 THEN 3600 ELSE 0 END,
                   5, 2048, 4096, 81920, 120, 180, true, 0, now()
            from (select distinct hour from cost_hourly_rollup where ResourceId = $rid) t,
                 range({gpus}) g(i)""", {k: v for k, v in params.items() if k != "models"})
        conn.execute(f"""
            insert into gpu_process_hourly
            select $host, $uuids[g.i + 1], t.hour, 4000 + g.i,
                   CASE WHEN $models[1] = 'jupyter' THEN 'jupyter-lab' ELSE 'python3' END,
                   CASE WHEN $models[1] = 'jupyter' THEN 'jupyter lab --port 8888'
                        ELSE 'vllm serve ' || $models[g.i % len($models) + 1] END,
                   NULL, NULL, NULL, 720, t.hour, t.hour + INTERVAL 59 MINUTE, 30000, 31000, true, 0
            from (select distinct hour from cost_hourly_rollup where ResourceId = $rid) t,
                 range({gpus}) g(i)
            where ({activity}) >= 5""", params)
        added += gpus
    return added


def build_tui_demo(path: Path) -> Settings:
    """`aifinops demo` into `path`; then what the demo build may not do (yet) by itself: load the
    demo's GPU telemetry (or, without it, `add_demo_telemetry`) and run the recommendation
    engine as of the demo's "today"."""
    settings = load_settings(db=path, config=sample_data_root() / "aifinops.toml")
    build_demo(settings)
    with open_store(settings) as store:
        if not store.conn.execute("select count(*) from gpu_hourly").fetchone()[0]:  # type: ignore[index]
            try:
                from aifinops.demo.gpu_gen import ingest_demo
            except ImportError:
                add_demo_telemetry(store)
            else:
                ingest_demo(store, settings, sample_data_root())
        if not store.conn.execute("select count(*) from recommendations").fetchone()[0]:  # type: ignore[index]
            from aifinops.analysis.recommend import run_recommendations

            run_recommendations(store, settings, today=TODAY)
        # Snapshots show history: pin the engine's wall-clock times to the demo's "now".
        store.conn.execute("update recommendation_events set changed_at = ?", [FROZEN_NOW])
        store.conn.execute("update recommendations set first_seen_at = ?, last_seen_at = ?, "
                           "updated_at = ?", [FROZEN_NOW] * 3)
    return settings


@pytest.fixture(scope="session")
def tui_demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per test process (each module that imports this fixture shares the file)."""
    path = tmp_path_factory.getbasetemp() / "tui-demo-master.duckdb"
    if not path.exists():
        build_tui_demo(path.with_suffix(".building"))
        path.with_suffix(".building").rename(path)
    return path


@pytest.fixture
def tui_demo_db(tui_demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo database for one test (tests may write to it)."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(tui_demo_master, path)
    return path


def add_orphan_host(db: Path, host: str = "gpu-orphan-01") -> None:
    """Telemetry from a host no bill row matches (a box in someone's own account, say): a copy of
    gpu-infer-01's GPU-hours under another name."""
    settings = load_settings(db=db, config=sample_data_root() / "aifinops.toml")
    with open_store(settings) as store:
        store.conn.execute(
            "insert into gpu_hosts (host, source, updated_at) values (?, 'telemetry', now())", [host])
        store.conn.execute(
            "insert into gpu_hourly select * replace (? as host, 'GPU-orphan-' || gpu_index as gpu_uuid) "
            "from gpu_hourly where host = 'gpu-infer-01'", [host])
        refresh(store, settings)  # as an ingest would: the host → resource links are rebuilt


@pytest.fixture
def demo_db_reader(tui_demo_db: Path) -> Iterator[Database]:
    add_orphan_host(tui_demo_db)
    db = Database(load_settings(db=tui_demo_db, config=sample_data_root() / "aifinops.toml"))
    yield db
    db.close()


# ---- the query layer, without Textual ------------------------------------------------------


def test_query_layer_imports_no_ui() -> None:
    """The screens' queries run anywhere: importing them loads neither Textual nor Rich."""
    code = ("import sys, aifinops.analysis.screens_data, aifinops.tui.database, "
            "aifinops.tui.rec_actions, aifinops.tui.format; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_context_and_overview_on_the_demo(demo_db_reader: Database) -> None:
    with demo_db_reader.reader() as cur:
        ctx = sd.load_context(cur, demo_db_reader.path)
        assert ctx.as_of == date(2026, 11, 28)
        assert "AWS" in ctx.options.providers
        assert ctx.gpu_hours > 0
        filters = sd.default_filters(ctx, TODAY)
        assert (filters.start, filters.end) == (date(2026, 10, 30), date(2026, 11, 28))
        view = sd.overview(cur, ctx, filters)
        more = sd.overview_more(cur, ctx, filters)
        total = cur.execute("select sum(cost) from cost_daily where month = '2026-11'").fetchone()[0]
        forecast = cur.execute("select sum(forecast) from spend_forecast "
                               "where dimension = 'model'").fetchone()[0]
    assert view.month == "2026-11"
    assert view.month_to_date_usd == pytest.approx(total, abs=0.01)
    # Same method as spend_forecast (which rounds each model to the cent).
    assert view.forecast_usd == pytest.approx(forecast, abs=0.1)
    assert len(view.daily) == 30
    assert sum(view.daily.column("cost_usd")) == pytest.approx(
        sum(view.top_models.column("cost_usd")), abs=0.01)
    assert more.idle_cost_7d_usd and more.idle_cost_7d_usd > 0
    if more.top_models is not None:  # model_cost splits shared hosts; the total is the same
        assert sum(more.top_models.column("cost_usd")) == pytest.approx(
            sum(view.top_models.column("cost_usd")), abs=0.01)


def test_filters_narrow_every_query(demo_db_reader: Database) -> None:
    with demo_db_reader.reader() as cur:
        ctx = sd.load_context(cur, demo_db_reader.path)
        base = sd.default_filters(ctx, TODAY)
        research = sd.Filters(base.start, base.end, team="research")
        all_models = sd.models(cur, ctx, base)
        research_models = sd.models(cur, ctx, research)
        expected = cur.execute(
            "select sum(cost) from cost_daily where team = 'research' and day between ? and ?",
            [base.start, base.end]).fetchone()[0]
        idle_all = sd.idle_resources(cur, ctx, base)
        idle_research = sd.idle_resources(cur, ctx, research)
    assert sum(research_models.column("cost_usd")) == pytest.approx(expected, abs=0.01)
    assert len(research_models) < len(all_models)
    assert set(idle_research.column("team")) == {"research"}
    assert len(idle_research) < len(idle_all)


def test_account_filter_narrows_recommendations(demo_db_reader: Database) -> None:
    """A recommendation is in an account when its resource was billed there or it names the
    account (a commitment for the payer); budgets belong to no account."""
    with demo_db_reader.reader() as cur:
        ctx = sd.load_context(cur, demo_db_reader.path)
        base = sd.default_filters(ctx, TODAY)
        everything = sd.recommendations(cur, ctx, base, statuses=None)
        account = "111122223333"
        scoped = sd.recommendations(cur, ctx, sd.Filters(base.start, base.end, account=account),
                                    statuses=None)
        billed = {r for (r,) in cur.execute(
            "select distinct resource_id from cost_daily where ? in (account, billing_account)",
            [account]).fetchall()}
    ids = set(scoped.column("resource_id"))
    assert 0 < len(scoped) < len(everything)
    assert all(r in billed or f":{account}:" in r for r in ids)
    assert f"aws:{account}:compute_savings_plan" in ids
    assert not any(r.startswith("budget:") for r in ids)


def test_overview_savings_match_the_report(demo_db_reader: Database) -> None:
    """One definition of open savings (largest per resource, budgets out) in app and report."""
    from aifinops.reports.data import build_report

    settings = demo_db_reader.settings
    with demo_db_reader.reader() as cur:
        ctx = sd.load_context(cur, demo_db_reader.path)
        view = sd.overview(cur, ctx, sd.default_filters(ctx, TODAY))
        report = build_report(cur, settings)
        naive = cur.execute("select sum(monthly_saving_usd) from recommendations "
                            "where status = 'open'").fetchone()[0]
    assert view.open_savings_usd == pytest.approx(report.totals["open_savings_month"])
    assert view.open_recommendations == report.totals["open_recommendations"]
    assert view.open_savings_usd is not None and view.open_savings_usd < naive


def test_idle_resources_in_the_dead_job_week(demo_db_reader: Database) -> None:
    """gpu-train-03's job died 2026-11-09 → 11-16 while the instance billed: every hour idle."""
    with demo_db_reader.reader() as cur:
        ctx = sd.load_context(cur, demo_db_reader.path)
        week = sd.Filters(date(2026, 11, 9), date(2026, 11, 15))
        idle = {r["host"]: r for r in sd.idle_resources(cur, ctx, week).records()}
        cost = cur.execute(
            "select sum(effective_cost) from cost_hourly_rollup where ResourceId = ? "
            "and hour >= '2026-11-09' and hour < '2026-11-16'", ["i-0a1b2c3d4e5f60003"]).fetchone()[0]
    train03 = idle["gpu-train-03"]
    assert (train03["idle_hours"], train03["observed_hours"]) == (168, 168)
    assert train03["idle_pct"] == pytest.approx(100)
    assert train03["last_busy_at"] is None
    assert train03["idle_cost_usd"] == pytest.approx(cost)
    assert idle["gpu-infer-01"]["idle_hours"] == 0  # low but steady use is not idle
    orphan = idle["gpu-orphan-01"]  # telemetry that no bill row matches: shown, not dropped
    assert orphan["resource_id"] == "host:gpu-orphan-01" and orphan["billed_hours"] == 0


def test_model_and_resource_detail(demo_db_reader: Database) -> None:
    with demo_db_reader.reader() as cur:
        ctx = sd.load_context(cur, demo_db_reader.path)
        filters = sd.Filters(date(2026, 11, 9), date(2026, 11, 15))
        detail = sd.model_detail(cur, ctx, filters, "llama-ft-70b")
        resource = sd.resource_detail(cur, ctx, filters, "i-0a1b2c3d4e5f60001")
        unbilled = sd.resource_detail(cur, ctx, filters, "host:gpu-orphan-01")
    assert detail.facts["teams"] == ["research"]
    assert {"i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"} <= set(detail.resources.column("resource_id"))
    assert {r["host"] for r in detail.gpu_hours.records()} == {"gpu-train-01", "gpu-train-02"}
    assert len(detail.daily) == 7
    assert resource.facts["host"] == "gpu-train-01"
    assert len(resource.cost_hours) == 7 * 24
    assert len({r["gpu_uuid"] for r in resource.gpu_hours.records()}) == 8
    assert resource.processes.column("gpus") == [8]
    assert unbilled.facts["host"] == "gpu-orphan-01" and unbilled.facts["cost_usd"] is None
    assert len(unbilled.gpu_hours) > 0
