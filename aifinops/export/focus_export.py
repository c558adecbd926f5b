"""`export focus`: FOCUS 1.2 CostAndUsage from `focus_costs`, as parquet or CSV by extension.

A FOCUS export is a SELECT (sql/export/focus_cost_and_usage.sql) written by DuckDB's COPY, so it
streams: no dataframe, memory bounded by DuckDB's limit. The file is written next to its target
and renamed into place, so a failed export never leaves half a file under the requested name.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aifinops.errors import AifinopsError
from aifinops.ingest.focus import focus_columns
from aifinops.sqlfiles import read_sql
from aifinops.store import Store

FORMATS = {".parquet": "parquet", ".csv": "csv"}
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    rows: int
    period: str | None
    seconds: float


def export_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise AifinopsError(f"{path}: cannot tell the format from the extension {suffix or '(none)'}; "
                            "use .parquet or .csv")
    return FORMATS[suffix]


def export_focus(store: Store, out: Path, *, period: str | None = None) -> ExportResult:
    """Write FOCUS 1.2 CostAndUsage for `period` ('YYYY-MM', or every period) to `out`."""
    fmt = export_format(out)
    if period is not None and not PERIOD_RE.match(period):
        raise AifinopsError(f"--period {period!r}: expected a billing month as YYYY-MM")
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    conn = store.cursor()
    try:
        params = {"period": period}
        count = conn.execute(
            "SELECT count(*) FROM focus_costs WHERE $period IS NULL OR x_billing_period = $period",
            params).fetchone()
        rows = int(count[0]) if count else 0
        if rows == 0:
            scope = f"billing period {period}" if period else "the database"
            raise AifinopsError(f"nothing to export: {scope} has no cost rows "
                                "(see `aifinops status` for what is loaded)")
        query = read_sql("export/focus_cost_and_usage.sql")
        empty = _empty_not_null_columns(conn, period)
        if empty:
            query = f"SELECT * EXCLUDE ({', '.join(empty)}) FROM ({query})"
        if fmt == "csv":
            query = (f"WITH focus_export AS ({query})\n"
                     f"SELECT * FROM ({read_sql('export/focus_csv_format.sql')})")
            options = "FORMAT csv, HEADER true"
        else:
            options = "FORMAT parquet, COMPRESSION zstd"
        partial = out.with_name(f".{out.name}.partial")
        try:
            conn.execute(f"COPY ({query}) TO '{_escape(partial)}' ({options})", params)
            os.replace(partial, out)
        except duckdb.Error as exc:
            raise AifinopsError(f"cannot write {out}: {str(exc).splitlines()[0]}") from exc
        finally:
            partial.unlink(missing_ok=True)
    finally:
        conn.close()
    return ExportResult(out, fmt, rows, period, time.perf_counter() - t0)


def _empty_not_null_columns(conn: duckdb.DuckDBPyConnection, period: str | None) -> list[str]:
    """Non-mandatory columns FOCUS forbids nulls in, that no exported row fills.

    FOCUS 1.2 asks for such a column (BillingAccountType) only from providers that have the
    feature, and then never null: a column with nothing in it is left out rather than written
    full of nulls.
    """
    candidates = [c.name for c in focus_columns() if c.level != "M" and not c.nullable]
    counts = ", ".join(f"count({c})" for c in candidates)
    row = conn.execute(f"SELECT {counts} FROM focus_costs "
                       "WHERE $period IS NULL OR x_billing_period = $period",
                       {"period": period}).fetchone()
    assert row is not None
    return [c for c, n in zip(candidates, row, strict=True)
            if n == 0 and c not in ("ChargeFrequency", "ServiceSubcategory")]


def _escape(path: Path) -> str:
    return str(path).replace("'", "''")
