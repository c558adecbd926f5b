"""Read CUR files of any flavour as one relation with CUR 2.0 column names and types.

CUR 2.0 parquet, CUR 2.0 gzipped CSV (maps as JSON text) and legacy CUR CSV
(`lineItem/UnblendedCost`, `resourceTags/user:team`, case varying between months) all become
`cur_source` with the columns listed in `sql/ingest/cur_columns.csv`, so one mapping
(`sql/ingest/cur_to_focus.sql`) serves them all. Each file is checked on its own first, so an
error names the file and the column, not the union of a month.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from aifinops.errors import InputError
from aifinops.ingest.file_schema import csv_header, is_parquet, read_csv_sql
from aifinops.ingest.tag_macros import DIMENSIONS, tag_lookup
from aifinops.sqlfiles import read_sql, sql_identifier, sql_literal, sql_path

CUR2 = "cur2"
LEGACY = "legacy"


@dataclass(frozen=True)
class CurColumn:
    name: str
    type: str
    required: bool
    aliases: tuple[str, ...]


@dataclass
class CurFile:
    path: Path
    uri: str
    flavour: str  # cur2 | legacy
    container: str  # parquet | csv
    columns: dict[str, str]  # canonical name -> source column name
    types: dict[str, str]  # source column name -> its type as read
    tag_columns: dict[str, str]  # legacy: tag key (e.g. user:team) -> source column


@cache
def cur_columns() -> tuple[CurColumn, ...]:
    with sql_path("ingest/cur_columns.csv").open(encoding="utf-8") as handle:
        return tuple(
            CurColumn(row["name"], row["type"], row["required"] == "yes",
                      tuple(a for a in row["aliases"].split(";") if a))
            for row in csv.DictReader(handle)
        )


def squash(name: str) -> str:
    """Legacy and CUR 2.0 names compare equal once case, '/' and '_' are gone."""
    return re.sub(r"[^a-z0-9]", "", name.lower())




def _read_fn(path: Path, container: str, header: list[str] | None = None) -> str:
    if container == "parquet":
        return f"read_parquet({sql_literal(str(path))})"
    return read_csv_sql(path, header or [])


def _read(file: CurFile) -> str:
    return _read_fn(file.path, file.container, list(file.types))


def inspect_file(conn: duckdb.DuckDBPyConnection, path: Path, uri: str) -> CurFile:
    """Work out the flavour of one file and map its columns; fail with the file's name."""
    if is_parquet(path, uri, "a CUR parquet or CSV file"):
        container = "parquet"
        try:
            described = conn.execute(
                f"describe select * from {_read_fn(path, 'parquet')}").fetchall()
        except duckdb.Error as exc:
            raise InputError(uri, f"cannot read parquet: {exc}") from exc
        types = {row[0]: str(row[1]) for row in described}
        header = list(types)
    else:
        container = "csv"
        header = csv_header(path, uri, "a CUR header line")
        types = {name: "VARCHAR" for name in header}
    squashed = {squash(h): h for h in header}
    if "lineitemlineitemtype" not in squashed and "lineitemunblendedcost" not in squashed:
        shown = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
        raise InputError(
            uri, "not an AWS Cost and Usage Report: expected columns such as "
            f"line_item_unblended_cost (CUR 2.0) or lineItem/UnblendedCost (legacy); found {shown}",
            where="header",
        )
    flavour = LEGACY if any("/" in h for h in header) else CUR2
    columns: dict[str, str] = {}
    missing: list[str] = []
    for col in cur_columns():
        source = squashed.get(squash(col.name))
        for alias in col.aliases:
            source = source or squashed.get(squash(alias))
        if source is None and flavour == CUR2 and col.name in types:
            source = col.name
        if source is not None:
            columns[col.name] = source
        elif col.required:
            missing.append(col.name)
    if missing:
        legacy_names = [_legacy_spelling(m) for m in missing]
        expected = missing if flavour == CUR2 else legacy_names
        raise InputError(uri, f"missing required column(s): {', '.join(expected)}", where="header")
    tag_columns = {}
    if flavour == LEGACY:
        for h in header:
            category, _, key = h.partition("/")
            if category.lower() == "resourcetags" and key:
                tag_columns[key] = h
    return CurFile(path, uri, flavour, container, columns, types, tag_columns)


def _legacy_spelling(name: str) -> str:
    for prefix, category in (("line_item_", "lineItem"), ("bill_", "bill"), ("pricing_", "pricing"),
                             ("product_", "product"), ("reservation_", "reservation"),
                             ("savings_plan_", "savingsPlan"), ("identity_", "identity")):
        if name.startswith(prefix):
            rest = name[len(prefix):].split("_")
            return f"{category}/" + "".join(p.capitalize() for p in rest)
    return name


def _column_expr(file: CurFile, col: CurColumn) -> str:
    source = file.columns.get(col.name)
    if col.name == "resource_tags" and file.flavour == LEGACY:
        if not file.tag_columns:
            return "CAST(NULL AS MAP(VARCHAR, VARCHAR))"
        entries = ", ".join(
            f"{{'key': {sql_literal(key)}, 'value': {sql_identifier(src)}}}"
            for key, src in sorted(file.tag_columns.items())
        )
        return f"map_from_entries(list_filter([{entries}], lambda e: coalesce(e.value, '') <> ''))"
    if source is None:
        return f"CAST(NULL AS {col.type})"
    src_type = file.types.get(source, "VARCHAR")
    if src_type == col.type:
        return sql_identifier(source)
    if src_type == "VARCHAR" and col.type.startswith("MAP"):
        return f"CAST(CAST(nullif({sql_identifier(source)}, '') AS JSON) AS {col.type})"
    if src_type == "VARCHAR" and col.type != "VARCHAR":
        return f"CAST(nullif(trim({sql_identifier(source)}), '') AS {col.type})"
    return f"CAST({sql_identifier(source)} AS {col.type})"


def file_select(file: CurFile, extra: list[str] | None = None) -> str:
    """SELECT of one file with every canonical column, cast, or NULL where the file lacks it."""
    exprs = [f"{_column_expr(file, col)} AS {col.name}" for col in cur_columns()]
    return f"SELECT {', '.join(exprs + (extra or []))} FROM {_read(file)}"


def _legacy_tag_columns(file: CurFile, tag_keys: dict[str, list[str]]) -> list[str]:
    """What sql/ingest/cur_tag_columns.sql computes from a tag map, straight from a legacy file's
    `resourceTags/…` columns: the same JSON text as to_json of the map (its keys sorted, empty
    values left out) and the same configured-key lookups as the tag macros. Building the map
    per row and reading it back was 40% of reading a legacy file."""
    present = dict(sorted(file.tag_columns.items()))
    if not present:
        json = "CAST(NULL AS JSON)"
    else:
        pairs = ", ".join(
            f"CASE WHEN coalesce({sql_identifier(src)}, '') <> '' "
            f"THEN CAST(to_json({sql_literal(key)}) AS VARCHAR) || ':' "
            f"|| CAST(to_json({sql_identifier(src)}) AS VARCHAR) END"
            for key, src in present.items())
        json = f"CAST('{{' || concat_ws(',', {pairs}) || '}}' AS JSON)"
    exprs = [f"{json} AS x_tags_json"]
    for dim in DIMENSIONS:
        lookup = tag_lookup(tag_keys.get(dim, []),
                            lambda k: sql_identifier(present[k]) if k in present else None)
        exprs.append(f"{lookup} AS x_tag_{dim}")
    return exprs


def source_sql(files: list[CurFile], tag_keys: dict[str, list[str]] | None = None) -> str:
    """`cur_source` for the mapping: every file's rows plus the columns read from their tags.

    Parquet reads the tag column a second time (cheap: one column) to work out each distinct
    map once; per row, that is a hash join instead of twenty-odd map lookups and a JSON dump.
    The join key is the map's 64-bit hash, not the map: hashing a map once per row and joining
    integers cost 1.9 CPU-s less per 4.7M-row month than grouping and joining on the map itself
    (a month has a few thousand distinct maps, so a collision is a ~1e-12 event). Legacy CSV,
    whose tags are columns already, computes them per row from those columns (`tag_keys`, the
    configured keys), without a map; CUR 2.0 CSV, whose tags are JSON text, through the map.
    """
    if tag_keys is not None and all(f.flavour == LEGACY and f.container == "csv" for f in files):
        return "\nUNION ALL BY NAME\n".join(
            file_select(f, _legacy_tag_columns(f, tag_keys)) for f in files)
    union = "\nUNION ALL BY NAME\n".join(file_select(f) for f in files)
    tag_columns = read_sql("ingest/cur_tag_columns.sql")
    if any(f.container != "parquet" for f in files):
        return (f"SELECT * EXCLUDE (m) FROM (WITH tag_maps AS (SELECT *, resource_tags AS m "
                f"FROM ({union}))\n{tag_columns})")
    maps = "\nUNION ALL\n".join(
        f"SELECT {_column_expr(f, _TAGS)} AS m FROM {_read(f)}" for f in files)
    return (f"SELECT c.* EXCLUDE (tag_key), t.* EXCLUDE (m, tag_key)\n"
            f"FROM (SELECT *, hash(resource_tags) AS tag_key FROM ({union})) AS c\n"
            f"LEFT JOIN (WITH tag_maps AS (SELECT hash(m) AS tag_key, any_value(m) AS m\n"
            f"                             FROM ({maps}) GROUP BY ALL)\n{tag_columns}) AS t\n"
            "ON c.tag_key = t.tag_key")


_TAGS = CurColumn("resource_tags", "MAP(VARCHAR, VARCHAR)", False, ())


def diagnose(conn: duckdb.DuckDBPyConnection, files: list[CurFile]) -> InputError | None:
    """After a failed cast, find the first file, row and column that cannot be read as typed."""
    for file in files:
        read = _read(file)
        for col in cur_columns():
            source = file.columns.get(col.name)
            if source is None or col.type == "VARCHAR" or col.type.startswith("MAP"):
                continue
            if file.types.get(source, "VARCHAR") == col.type:
                continue
            value = f"CAST({sql_identifier(source)} AS VARCHAR)"
            row = conn.execute(
                f"select rn, v from (select row_number() over () as rn, {value} as v from {read}) "
                f"where coalesce(trim(v), '') <> '' and try_cast(trim(v) AS {col.type}) is null "
                "limit 1"
            ).fetchone()
            if row is not None:
                where = (f"line {row[0] + 1}, column {source}" if file.container == "csv"
                         else f"row {row[0]}, column {source}")
                kind = {"DOUBLE": "a number", "TIMESTAMP": "a timestamp"}.get(col.type, col.type)
                return InputError(file.uri, f"expected {kind}, found {row[1]!r}", where=where)
    return None
