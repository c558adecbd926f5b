"""Reading a model/team/env/name from tags: per-connection SQL macros over a tag map, and the
same configured-key lookup over legacy CUR tag columns (`tag_lookup`).

A `coalesce(m['model'], m['user:model'], …)` written out from the configured keys costs a
fraction of a lambda over a key list evaluated on every row (measured: the lambda form added
about a quarter to CUR ingest time), and keeps the mapping SQL free of key lists.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from aifinops.config import Settings
from aifinops.sqlfiles import sql_literal

DIMENSIONS = ("model", "team", "env", "name")


def tag_lookup(keys: list[str], value_of: Callable[[str], str | None]) -> str:
    """The first non-empty value among the configured `keys`, as SQL; `value_of` gives a key's
    value expression (None where the source cannot hold that key)."""
    parts = [f"nullif({v}, '')" for v in map(value_of, keys) if v is not None]
    return f"coalesce({', '.join([*parts, 'CAST(NULL AS VARCHAR)'])})"


def install_tag_macros(conn: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    for dim in DIMENSIONS:
        body = tag_lookup(settings.tag_keys.get(dim, []), lambda k: f"m[{sql_literal(k)}]")
        conn.execute(f"create or replace temp macro tag_{dim}(m) as {body}")
