"""Find the SQL files that ship with the package: `aifinops/sql` in a wheel, `sql/` in a checkout."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path


@cache
def sql_root() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "sql", here.parent / "sql"):
        if (candidate / "schema").is_dir():
            return candidate
    raise FileNotFoundError("aifinops could not find its sql/ folder; reinstall the package")


def sql_path(name: str) -> Path:
    """Path of `name` (e.g. 'ingest/cur2_to_focus.sql') under the SQL root."""
    path = sql_root() / name
    if not path.is_file():
        raise FileNotFoundError(f"missing SQL file {name!r} under {sql_root()}")
    return path


@cache
def read_sql(name: str) -> str:
    return sql_path(name).read_text(encoding="utf-8")


def sql_literal(text: str) -> str:
    """A string as a SQL literal, for what DuckDB cannot take as a parameter (paths in
    table functions, macro bodies, SET values)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A column or table name as a quoted SQL identifier (CUR headers hold '/', ':' and spaces)."""
    return '"' + name.replace('"', '""') + '"'


def files_checksum(paths: list[Path], *, salt: str = "") -> str:
    """sha256 over files' folder, name and content, in the order given: whether a set of shipped
    files (migrations, views, catalogs) is the one a database was built from."""
    digest = hashlib.sha256(salt.encode() + b"\0")
    for path in paths:
        digest.update(f"{path.parent.name}/{path.name}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()
