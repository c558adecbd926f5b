"""What the database holds: per source and period, rows and totals, and when each was loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
