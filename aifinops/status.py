"""What the database holds: per source and period, rows and totals, and when each was loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from aifinops.sqlfiles import read_sql
from aifinops.store import Store


@dataclass(frozen=True)
class SourcePeriod:
    source: str
    account: str
    period: str
    rows: int
    billed_cost: float
    effective_cost: float
    currency: str
    loaded_at: datetime | None
    uri: str | None


def cost_sources(store: Store) -> list[SourcePeriod]:
    rows = store.cursor().execute(read_sql("status/cost_sources.sql")).fetchall()
    return [SourcePeriod(*row) for row in rows]


def last_runs(store: Store) -> list[tuple[str, datetime | None, str]]:
    """The latest sync and report: (what, when, one line of detail)."""
    rows: list[tuple[str, datetime | None, str]] = store.cursor().execute(
        read_sql("status/last_runs.sql")).fetchall()
    return rows


def rollups_behind(conn: duckdb.DuckDBPyConnection) -> str | None:
    """What the last refresh has not folded in, as one line, or None when the views are current.

    Views that read rollups (cost_daily, model_cost, resource_hourly …) do not show a load until
    `aifinops refresh` runs; ingest refreshes unless told not to, so this is rarely said.
    """
    periods = conn.execute(
        f"select count(*) from ({read_sql('refresh/rollup_changes.sql')})").fetchone()
    gpu = conn.execute(read_sql("status/gpu_loads_behind.sql")).fetchone()
    parts = []
    if periods and periods[0]:
        parts.append(f"{periods[0]} billing period(s)")
    if gpu and gpu[0]:
        parts.append(f"{gpu[0]} GPU load(s)")
    if not parts:
        return None
    return (f"{' and '.join(parts)} arrived since the last refresh; the views that read rollups "
            "do not show them yet: run `aifinops refresh`")
