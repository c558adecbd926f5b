"""Bring rollups and attribution up to date after ingest, touching only what changed.

Views read tables that this module materialises, never raw rows, and apply no attribution or
bill-to-telemetry join at query time, so they answer in milliseconds on a 10-million-row bill
with tens of millions of GPU samples. Each refresh rebuilds only:

- the billing periods whose load changed (new, restated or removed: the `loads` ledger against
  `rollup_state`), and downstream only the days (and GPU resource-days) whose rows differ from
  before the rebuild (fingerprints per day: a restatement that changes a week rebuilds a week);
- the host-days that GPU loads wrote since the last refresh (gpu_hourly rows carry the load id
  that last recomputed them; `refresh_state` keeps the watermark);
- the resources whose attribution changed (rules are data: editing aifinops.toml and refreshing
  re-attributes their history) and the hosts whose link to the bill changed.

`full=True` empties every rollup and rebuilds all of it (after changing tag keys, or to check
that the incremental path agrees).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb

from aifinops.analysis.attribution import load_process_patterns, load_rules
from aifinops.config import Settings
from aifinops.ingest.tag_macros import install_tag_macros
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction, unordered_inserts

# Emptied by a full refresh, in no particular order (nothing references another).
ROLLUP_TABLES = ("cost_daily_rollup", "cost_hourly_rollup", "rollup_state", "resource_attribution",
                 "gpu_host_links", "cost_daily_attributed", "gpu_host_daily",
                 "resource_hourly_rollup", "resource_daily_rollup", "model_cost_daily",
                 "refresh_state")
# Touched resource-days rebuilt together in the resource rollups (whole days, at least one):
# a week of the 10M-row benchmark bill, whose join with 33M GPU-hours stayed under 1 GB.
BATCH_RESOURCE_DAYS = 50_000
# What views read instead of raw rows (docs/views.md says which feeds which view).
MATERIALISED = ("cost_daily_attributed", "gpu_host_daily", "resource_hourly_rollup",
                "resource_daily_rollup", "model_cost_daily")


@dataclass
class RefreshReport:
    rebuilt: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    rules: int = 0
    seconds: float = 0.0
    # What the materialised tables were rebuilt for: days, host-days, resource-days, model days.
    touched: dict[str, int] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step


def refresh(store: Store, settings: Settings, *, full: bool = False) -> RefreshReport:
    conn = store.conn
    report = RefreshReport()
    t0 = time.perf_counter()
    install_tag_macros(conn, settings)
    with unordered_inserts(conn):  # less memory for the big inserts
        _refresh(conn, settings, report, full=full)
    report.seconds = time.perf_counter() - t0
    return report


def _refresh(conn: duckdb.DuckDBPyConnection, settings: Settings, report: RefreshReport, *,
             full: bool) -> None:
    with transaction(conn):
        report.rules = len(load_rules(conn, settings))
        patterns = "\n".join(load_process_patterns(conn, settings))
        if full:
            for table in ROLLUP_TABLES:
                conn.execute(f"delete from {table}")
        conn.execute(read_sql("refresh/touched_start.sql"))
        _rebuild_periods(conn, report)
        step = _Step(report)
        conn.execute(read_sql("refresh/attribution_next.sql"))
        conn.execute(read_sql("refresh/attribution_apply.sql"))
        conn.execute(read_sql("refresh/host_links_apply.sql"))
        step("attribution and host links")
        since = int(_state(conn, "gpu_load_id") or 0)
        conn.execute(read_sql("refresh/gpu_host_days.sql"), {"since": since})
        conn.execute(read_sql("refresh/gpu_host_daily.sql"))
        step("gpu_host_daily")
        conn.execute("set variable refresh_patterns_changed = ?",
                     [_state(conn, "process_patterns") != patterns])
        conn.execute(read_sql("refresh/touched.sql"))
        conn.execute(read_sql("refresh/cost_daily_attributed.sql"))
        step("cost_daily_attributed")
        _in_batches(conn, "refresh_resource_days",
                    ("resource_hourly_rollup", "resource_daily_rollup"), step)
        conn.execute(read_sql("refresh/model_cost_daily.sql"))
        step("model_cost_daily")
        _set_state(conn, "gpu_load_id", str(max(since, _max_gpu_load(conn))))
        _set_state(conn, "process_patterns", patterns)
        report.touched = _touched(conn)
        committing = time.perf_counter()
    report.steps["commit"] = time.perf_counter() - committing  # writing what the steps inserted


def _rebuild_periods(conn: duckdb.DuckDBPyConnection, report: RefreshReport) -> None:
    """Rebuild the daily and hourly cost rollups of each changed (source key, period)."""
    step = _Step(report)
    changes = conn.execute(read_sql("refresh/rollup_changes.sql")).fetchall()
    if changes:
        conn.execute(read_sql("refresh/period_fingerprints.sql"))
    for source_key, period, load_id in changes:
        key = {"source_key": source_key, "period": period}
        conn.execute("set variable refresh_source_key = ?", [source_key])
        conn.execute("set variable refresh_period = ?", [period])
        conn.execute(read_sql("refresh/period_before.sql"))
        first_build = conn.execute("select not exists (from period_days_before) "
                                   "and not exists (from period_hours_before)").fetchone()
        for table in ("cost_daily_rollup", "cost_hourly_rollup", "rollup_state"):
            conn.execute(f"delete from {table} where x_source_key = $source_key "
                         "and x_billing_period = $period", key)
        step("periods: fingerprints before, delete")
        if load_id is None:
            report.removed.append((source_key, period))
        else:
            conn.execute(read_sql("refresh/cost_daily_rollup.sql"), key)
            step("periods: cost_daily_rollup")
            conn.execute(read_sql("refresh/cost_hourly_rollup.sql"), key)
            step("periods: cost_hourly_rollup")
            conn.execute("insert into rollup_state values (?, ?, ?, current_timestamp)",
                         [source_key, period, load_id])
            report.rebuilt.append((source_key, period))
        if first_build and first_build[0] and load_id is not None:
            conn.execute(read_sql("refresh/period_new.sql"))  # all of it is new downstream
        else:
            conn.execute(read_sql("refresh/period_changes.sql"))  # only what differs goes on
        step("periods: fingerprints after")


class _Step:
    """Times consecutive steps into report.steps (what a benchmark prints)."""

    def __init__(self, report: RefreshReport) -> None:
        self.report = report
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        """Add the time since the last step to `name` (summed when a step repeats per period)."""
        now = time.perf_counter()
        self.report.steps[name] = self.report.steps.get(name, 0.0) + now - self.last
        self.last = now


def _in_batches(conn: duckdb.DuckDBPyConnection, touched: str, tables: tuple[str, ...],
                step: _Step) -> None:
    """Rebuild `tables` a batch of `touched` days at a time (the temp table refresh_batch): the
    bill-to-telemetry join of a full rebuild then never holds more than BATCH_RESOURCE_DAYS.
    Each batch reads the touched hours of cost_hourly_rollup from all of it, so a small bill
    goes in one batch (a 1M-row bill's two months: 1.2 s in nine weekly batches, 0.7 s in one)."""
    batches: list[list[object]] = []
    size = 0
    for day, resource_days in conn.execute(
            f"select day, count(*) from {touched} where day is not null group by day "
            "order by day").fetchall():
        if not batches or size + resource_days > BATCH_RESOURCE_DAYS:
            batches.append([])
            size = 0
        batches[-1].append(day)
        size += resource_days
    for batch in batches:
        conn.execute(f"create or replace temp table refresh_batch as select * from {touched} "
                     "where day between ? and ?", [batch[0], batch[-1]])
        step("resource batches")
        for table in tables:
            conn.execute(read_sql(f"refresh/{table}.sql"))
            step(table)


def _state(conn: duckdb.DuckDBPyConnection, name: str) -> str | None:
    row = conn.execute("select value from refresh_state where name = ?", [name]).fetchone()
    return None if row is None else str(row[0]) if row[0] is not None else None


def _set_state(conn: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    conn.execute("insert or replace into refresh_state values (?, ?, current_timestamp)",
                 [name, value])


def _max_gpu_load(conn: duckdb.DuckDBPyConnection) -> int:
    row = conn.execute("select greatest((select max(load_id) from gpu_hourly), "
                       "(select max(load_id) from gpu_process_hourly))").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _touched(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = conn.execute(
        "select (select count(*) from (select distinct day from refresh_days)), "
        "(select count(*) from refresh_attr_resources), "
        "(select count(*) from refresh_host_days), "
        "(select count(*) from refresh_resource_days), "
        "(select count(*) from refresh_model_days)").fetchone()
    names = ("cost_days", "attribution_resources", "gpu_host_days", "resource_days", "model_days")
    return dict(zip(names, (int(v) for v in row or (0,) * 5), strict=True))
