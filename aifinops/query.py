"""Ad-hoc read-only SQL over the database, with results as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from aifinops.errors import AifinopsError
from aifinops.store import Store


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


class QueryError(AifinopsError):
    """Bad SQL: DuckDB's own message, first line first, without a Python traceback."""


def run_query(store: Store, sql: str, *, limit: int | None = None) -> QueryResult:
    cursor = store.cursor()
    try:
        relation = cursor.execute(sql)
        if relation.description is None:
            return QueryResult([], [])
        columns = [d[0] for d in relation.description]
        rows = relation.fetchmany(limit) if limit else relation.fetchall()
    except duckdb.Error as exc:
        message = str(exc).strip()
        if "read-only" in message.lower():
            message = "queries are read-only: " + message.splitlines()[0]
        raise QueryError(message) from exc
    return QueryResult(columns, [tuple(r) for r in rows])


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def to_csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows(result.rows)
    return out.getvalue()


def to_json(result: QueryResult) -> str:
    records = [{c: _jsonable(v) for c, v in zip(result.columns, row, strict=True)}
               for row in result.rows]
    return json.dumps(records, indent=2, default=str)
