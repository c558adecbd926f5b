"""Golden numbers: cells of the views recomputed by hand from the demo world's source files.

Each expected figure comes from plain DuckDB SQL over the raw CUR parquet and nvidia-smi logs in
sample_data/ (AWS's amortisation CASE, nvidia-smi's text format), never through our ingest or
views, and must agree to the cent (or the hour).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from aifinops.config import load_settings
from aifinops.demo.build import build_demo, sample_data_root
from aifinops.store import Store, open_store

AMORTISED = """CASE line_item_line_item_type
    WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
    WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
    WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0
    WHEN 'DiscountedUsage' THEN reservation_effective_cost
    ELSE coalesce(line_item_net_unblended_cost, line_item_unblended_cost) END"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("golden") / "demo.duckdb"
    build_demo(load_settings(db=db, config=sample_data_root() / "aifinops.toml"))
    with open_store(load_settings(db=db), read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def raw() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    cur2 = sorted(str(p) for p in (sample_data_root() / "aws" / "cur2").rglob("*.parquet"))
    con.execute(f"create view cur as select *, {AMORTISED} as amortised from read_parquet({cur2})")
    yield con
    con.close()


def one(conn: duckdb.DuckDBPyConnection, sql: str, *params: object) -> float:
    row = conn.execute(sql, list(params)).fetchone()
    assert row is not None and row[0] is not None
    return float(row[0])


def smi_hours(host: str) -> duckdb.DuckDBPyRelation:
    """The host's nvidia-smi log as (hour, max utilization over every GPU and sample)."""
    path = sample_data_root() / "gpu" / "nvidia-smi" / f"{host}.csv.gz"
    return duckdb.sql(f"""
        select date_trunc('hour', strptime(split_part(column0, '.', 1), '%Y/%m/%d %H:%M:%S')) as hour,
               max(cast(trim(replace(column5, '%', '')) as double)) as max_util
        from read_csv('{path}', header = true, all_varchar = true, delim = ',',
                      columns = {{'column0': 'VARCHAR', 'column1': 'VARCHAR', 'column2': 'VARCHAR',
                                  'column3': 'VARCHAR', 'column4': 'VARCHAR', 'column5': 'VARCHAR',
                                  'column6': 'VARCHAR', 'column7': 'VARCHAR', 'column8': 'VARCHAR',
                                  'column9': 'VARCHAR', 'column10': 'VARCHAR', 'column11': 'VARCHAR',
                                  'column12': 'VARCHAR'}})
        where column0 <> 'timestamp'
        group by all""")


def test_team_cost_month_by_hand(demo: Store, raw: duckdb.DuckDBPyConnection) -> None:
    # recsys exists only in the AWS CUR 2.0 bill: its tag, amortised.
    expected = one(raw, "select sum(amortised) from cur where resource_tags['user_team'] = 'recsys' "
                        "and strftime(line_item_usage_start_date, '%Y-%m') = '2026-10'")
    got = one(demo.conn, "select sum(cost) from team_cost where team = 'recsys' and month = '2026-10'")
    assert round(got, 2) == round(expected, 2)


def test_cost_daily_rule_attribution_by_hand(demo: Store, raw: duckdb.DuckDBPyConnection) -> None:
    # The untagged dev box is claimed by the demo config's rule: model "notebooks".
    expected = one(raw, "select sum(amortised) from cur where line_item_resource_id = "
                        "'i-0d1b2c3d4e5f60031' and cast(line_item_usage_start_date as date) = '2026-11-03'")
    got = one(demo.conn, "select sum(cost) from cost_daily where model = 'notebooks' and "
                         "day = '2026-11-03' and model_source = 'rule:research notebook box'")
    assert round(got, 2) == round(expected, 2)


def test_model_cost_sums_to_the_whole_bill(demo: Store) -> None:
    total = one(demo.conn, "select sum(EffectiveCost) from focus_costs")
    by_model = one(demo.conn, "select sum(cost) from model_cost")
    assert round(by_model, 2) == round(total, 2)
    taxes = one(demo.conn, "select sum(EffectiveCost) from focus_costs where ChargeCategory in "
                           "('Tax', 'Credit')")
    assert taxes != 0  # taxes and credits are in that total, in `unattributed`


def test_shared_host_split_adds_up_to_its_bill(demo: Store, raw: duckdb.DuckDBPyConnection) -> None:
    day = "2026-11-25"  # the sampler (with process command lines) runs there from 11-22
    host_cost = one(raw, "select sum(amortised) from cur where line_item_resource_id = "
                         "'i-0c1b2c3d4e5f60021' and cast(line_item_usage_start_date as date) = ?", day)
    rows = demo.conn.execute(
        "select model, share from resource_model_share where resource_id = 'i-0c1b2c3d4e5f60021' "
        "and day = ? order by model", [day]).fetchall()
    assert [r[0] for r in rows] == ["embed-small", "rerank-base"]
    split = sum(r[1] for r in rows) * host_cost
    models = one(demo.conn, "select sum(c.cost * s.share) from cost_daily c join resource_model_share s "
                            "on s.resource_id = c.resource_id and s.day = c.day "
                            "where c.resource_id = 'i-0c1b2c3d4e5f60021' and c.day = ?", day)
    assert round(models, 2) == round(split, 2)


def test_resource_hourly_cost_and_idle_hour_by_hand(demo: Store, raw: duckdb.DuckDBPyConnection) -> None:
    hour = "2026-11-12 03:00:00+00"  # gpu-train-03's dead week: billed, GPUs idle
    expected_cost = one(raw, "select sum(amortised) from cur where line_item_resource_id = "
                             "'i-0a1b2c3d4e5f60003' and line_item_usage_start_date = ?::timestamptz", hour)
    row = demo.conn.execute(
        "select cost, is_idle, activity_max_pct from resource_hourly "
        "where resource_id = 'i-0a1b2c3d4e5f60003' and hour = ?::timestamptz", [hour]).fetchone()
    assert row is not None
    max_util = smi_hours("gpu-train-03").filter(f"hour = '{hour[:19]}'").fetchall()[0][1]
    assert round(row[0], 2) == round(expected_cost, 2)
    assert row[2] == max_util and row[1] is (max_util < 5)


def test_idle_resources_by_hand(demo: Store) -> None:
    row = demo.conn.execute(
        "select window_start, window_end, idle_hours, hours_observed from idle_resources "
        "where host = 'gpu-train-01'").fetchone()
    assert row is not None
    start, end = (str(t)[:19] for t in row[:2])
    hours = smi_hours("gpu-train-01").filter(f"hour between '{start}' and '{end}'").fetchall()
    assert row[3] == len(hours)
    assert row[2] == sum(1 for _, util in hours if util < 5)


def test_billing_row_without_telemetry(demo: Store) -> None:
    endpoint = demo.conn.execute(
        "select hours_billed, hours_observed, idle_hours, not_checked from idle_resources "
        "where resource_id like '%endpoint/summarizer-staging'").fetchone()
    assert endpoint == (168, 0, 0, "no GPU telemetry for this resource")


def test_gpu_host_with_no_billing_row(tmp_path: Path) -> None:
    """Telemetry from a host the bill does not know stays visible, with no cost, never dropped."""
    from aifinops.analysis.refresh import refresh
    from aifinops.ingest.aws_cur import ingest_aws_cur
    from aifinops.ingest.gpu_load import GpuSettings
    from aifinops.ingest.nvidia_smi import NvidiaSmiOptions, ingest_nvidia_smi
    from tests.cur_builders import Line, cur2_layout, write_cur2_parquet

    write_cur2_parquet(cur2_layout(tmp_path / "cur", "2026-11"), [
        Line("2026-11-02 10:00:00", 1.212, resource="i-0billed", period="2026-11-01 00:00:00",
             tags={"user_name": "billed-host"})])
    log = tmp_path / "ghost.csv"
    log.write_text("timestamp, index, uuid, name, utilization.gpu [%], memory.used [MiB]\n"
                   + "".join(f"2026/11/02 10:{m:02d}:00.000, 0, GPU-ghost, NVIDIA L4, 0 %, 10 MiB\n"
                             for m in range(0, 60, 5)))
    settings = load_settings(db=tmp_path / "g.duckdb")
    with open_store(settings) as store:
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        ingest_nvidia_smi(store, log, GpuSettings.from_settings(settings, timezone="UTC"),
                          NvidiaSmiOptions(host="ghost-host"))
        refresh(store, settings)
        ghost = store.conn.execute(
            "select in_bill, resource_id from gpu_host_resources where host = 'ghost-host'").fetchone()
        hourly = store.conn.execute(
            "select count(*) from resource_hourly where host = 'ghost-host'").fetchone()
    assert ghost == (False, None)  # seen, not linked: nothing to join it to
    assert hourly == (0,)  # no resource id, so no cost row is invented for it
