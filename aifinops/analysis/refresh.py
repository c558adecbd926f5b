"""Bring rollups and attribution up to date after ingest, touching only periods that changed.

Views read rollups, never raw rows, so they answer in milliseconds on a 10-million-row bill; a
period is rebuilt only when the load that holds it changed (new, restated, or removed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aifinops.analysis.attribution import load_process_patterns, load_rules
from aifinops.config import Settings
from aifinops.ingest.tag_macros import install_tag_macros
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction


@dataclass
class RefreshReport:
    rebuilt: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    rules: int = 0
    seconds: float = 0.0


def refresh(store: Store, settings: Settings, *, full: bool = False) -> RefreshReport:
    conn = store.conn
    report = RefreshReport()
    t0 = time.perf_counter()
    install_tag_macros(conn, settings)
    with transaction(conn):
        report.rules = len(load_rules(conn, settings))
        load_process_patterns(conn, settings)
        if full:
            for table in ("cost_daily_rollup", "cost_hourly_rollup", "rollup_state"):
                conn.execute(f"delete from {table}")
        changes = conn.execute(read_sql("refresh/rollup_changes.sql")).fetchall()
        for source_key, period, load_id in changes:
            key = {"source_key": source_key, "period": period}
            for table in ("cost_daily_rollup", "cost_hourly_rollup", "rollup_state"):
                conn.execute(f"delete from {table} where x_source_key = $source_key "
                             "and x_billing_period = $period", key)
            if load_id is None:
                report.removed.append((source_key, period))
                continue
            conn.execute(read_sql("refresh/cost_daily_rollup.sql"), key)
            conn.execute(read_sql("refresh/cost_hourly_rollup.sql"), key)
            conn.execute("insert into rollup_state values (?, ?, ?, current_timestamp)",
                         [source_key, period, load_id])
            report.rebuilt.append((source_key, period))
        conn.execute("delete from resource_attribution")
        conn.execute(read_sql("refresh/resource_attribution.sql"))
        conn.execute("delete from gpu_host_links")
        conn.execute("insert into gpu_host_links by name select * from gpu_host_resources")
    report.seconds = time.perf_counter() - t0
    return report
