"""The one way cost rows enter `focus_costs`: a transaction per load unit that replaces periods.

Rows are stored in `focus_costs_data` (the view `focus_costs` decodes them): writers hand over
full FOCUS rows and `costs_insert_sql` folds the constant and rarely filled columns into
x_sparse through `sql/ingest/focus_costs_encode.sql`.

Rows are inserted under a fresh load id, the (source key, billing period) pairs they cover are
read back, checked, and every older row of those pairs is deleted, all before COMMIT. A crash or
a bad file rolls back to exactly the database that was there; loading the same files twice leaves
the same rows; a restated period replaces the old one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from aifinops.errors import InputError
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction, unordered_inserts


@dataclass(frozen=True)
class PeriodResult:
    source_key: str
    period: str
    rows: int
    billed_cost: float
    effective_cost: float
    replaced_rows: int

    @property
    def outcome(self) -> str:
        return "replaced" if self.replaced_rows else "loaded"


@dataclass
class UnitResult:
    unit: str
    uri: str
    load_id: int | None
    skipped: bool = False
    periods: list[PeriodResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.periods)


def costs_insert_sql(rows_sql: str) -> str:
    """INSERT of `rows_sql` (a SELECT of every focus_costs column) into focus_costs_data."""
    return (f"INSERT INTO focus_costs_data BY NAME WITH focus_rows AS ({rows_sql})\n"
            f"{read_sql('ingest/focus_costs_encode.sql')}")


def checksum_of(parts: list[tuple[str, str]]) -> str:
    import hashlib

    digest = hashlib.sha256()
    for key, etag in sorted(parts):
        digest.update(f"{key}\0{etag}\n".encode())
    return digest.hexdigest()


def is_current(conn: duckdb.DuckDBPyConnection, unit: str, checksum: str) -> bool:
    """True when the last load of this unit had this checksum and its rows are still in place."""
    row = conn.execute(
        "select load_id, checksum from loads where unit = ? order by finished_at desc limit 1",
        [unit],
    ).fetchone()
    if row is None or row[1] != checksum:
        return False
    still = conn.execute("select 1 from focus_costs_data where x_load_id = ? limit 1", [row[0]]).fetchone()
    return still is not None


def load_unit(
    store: Store,
    *,
    source: str,
    unit: str,
    uri: str,
    files: list[str],
    checksum: str,
    insert_sql: str,
    params: dict[str, Any],
) -> UnitResult:
    """Run `insert_sql` (from `costs_insert_sql`, rows tagged with $load_id) as one replacing
    transaction."""
    conn = store.conn
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    load_id = int(conn.execute("select nextval('load_id_seq')").fetchone()[0])  # type: ignore[index]
    result = UnitResult(unit=unit, uri=uri, load_id=load_id)
    with unordered_inserts(conn), transaction(conn):
        conn.execute(insert_sql, {**params, "load_id": load_id})
        totals = conn.execute(read_sql("ingest/load_totals.sql"), {"load_id": load_id}).fetchall()
        if not totals:
            raise InputError(uri, "no line items: the input has a header but no rows")
        for source_key, period, rows, billed, effective, currencies in totals:
            if len(currencies) > 1:
                raise InputError(
                    uri, f"mixed currencies in billing period {period} of {source_key}: "
                    f"{', '.join(sorted(currencies))}; expected one billing currency per period",
                    where="column BillingCurrency",
                )
            deleted = conn.execute(
                "delete from focus_costs_data where x_source_key = ? and x_billing_period = ? "
                "and x_load_id <> ?",
                [source_key, period, load_id],
            ).fetchone()
            replaced = int(deleted[0]) if deleted else 0
            result.periods.append(
                PeriodResult(source_key, period, int(rows), float(billed), float(effective), replaced)
            )
        finished = datetime.now(UTC)
        for p in result.periods:
            conn.execute(
                "insert into loads (load_id, source, source_key, unit, uri, files, checksum, "
                "billing_period, rows, billed_cost, effective_cost, replaced_rows, started_at, "
                "finished_at, outcome) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [load_id, source, p.source_key, unit, uri, files, checksum, p.period, p.rows,
                 p.billed_cost, p.effective_cost, p.replaced_rows, started, finished, p.outcome],
            )
    result.seconds = time.perf_counter() - t0
    return result


def first_line(exc: Exception) -> str:
    """The first line of an error (DuckDB appends query context users cannot act on)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_conversion(exc: duckdb.Error) -> bool:
    return isinstance(exc, duckdb.ConversionException) or "Conversion Error" in str(exc)
