"""Read GCP billing export rows from files as one flat relation, `gcp_source`.

Four shapes of the same export become the columns of `sql/pushdown/gcp_columns.csv` (nested
fields flattened, credits summed into `credits_amount`), so one mapping
(`sql/ingest/gcp_to_focus.sql`) serves them all:

- `flat`: parquet whose columns already carry those names (what aifinops spools from BigQuery);
- `json`: newline-delimited JSON as a BigQuery export to Cloud Storage writes it (nested
  records, repeated label and credit records, timestamps such as `2026-10-01 00:00:00 UTC`);
- `parquet`: parquet as a BigQuery export writes it (the same nesting);
- `csv`: a flattened CSV with dotted headers (`invoice.month`) and repeated fields written as
  Python reprs (`[{'key': 'team', 'value': 'ml'}]`), as some cost tools store the export.
  Those reprs are parsed with `ast.literal_eval` (never `eval`) once per distinct value (label
  sets repeat), into a lookup table the SELECT joins; what cannot be parsed is read as empty
  and counted, so the report says how many label or credit cells were lost. (A DuckDB Python
  UDF would be simpler but needs numpy, which this project does not install.)

Each file is checked on its own, so an error names the file and the column.
"""

from __future__ import annotations

import ast
import csv
import gzip
import json
import zlib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import duckdb

from aifinops.errors import InputError
from aifinops.ingest.file_schema import csv_header, is_parquet, read_csv_sql
from aifinops.sqlfiles import sql_literal, sql_path

LABELS_TYPE = "STRUCT(key VARCHAR, value VARCHAR)[]"
CREDITS_TYPE = "STRUCT(name VARCHAR, amount DOUBLE, type VARCHAR, id VARCHAR, full_name VARCHAR)[]"

# CUD credit types and the FOCUS commitment discount category they mean (GFOCUS).
CUD_CASE = ("CASE c.type WHEN 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' THEN 'Spend' "
            "WHEN 'COMMITTED_USAGE_DISCOUNT' THEN 'Usage' END")



@dataclass(frozen=True)
class GcpColumn:
    name: str
    path: str  # dotted path in the export's nested schema
    type: str  # DuckDB type, or LABELS / CREDITS
    required: bool

    @property
    def sql_type(self) -> str:
        return {"LABELS": LABELS_TYPE, "CREDITS": CREDITS_TYPE}.get(self.type, self.type)


@cache
def gcp_columns() -> tuple[GcpColumn, ...]:
    with sql_path("pushdown/gcp_columns.csv").open(encoding="utf-8") as handle:
        return tuple(GcpColumn(r["name"], r["path"], r["type"], r["required"] == "yes")
                     for r in csv.DictReader(handle))


def staged_columns() -> list[tuple[str, str]]:
    """(name, DuckDB type) of `gcp_source`: the catalog with credits summed."""
    out: list[tuple[str, str]] = []
    for col in gcp_columns():
        if col.type == "CREDITS":
            out += [("credits_amount", "DOUBLE"), ("cud_category", "VARCHAR")]
        else:
            out.append((col.name, col.sql_type))
    return out


@dataclass
class GcpFile:
    path: Path
    uri: str
    flavour: str  # flat | json | parquet | csv
    available: set[str]  # catalog paths (or flat names) the file has
    repr_columns: list[str] = field(default_factory=list)  # csv: columns holding Python reprs


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'



def _nested_ref(path: str) -> str:
    return ".".join(_quote(p) for p in path.split("."))


# ---------------------------------------------------------------------------------------------
# Python reprs in flattened CSVs


@lru_cache(maxsize=1 << 16)
def pyrepr_to_json(text: str | None) -> str | None:
    """`[{'key': 'a', 'value': None}]` → its JSON; None for anything that is not such a list."""
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    try:
        value = ast.literal_eval(stripped)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        try:
            value = json.loads(stripped)
        except ValueError:
            return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return None
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return None


REPR_TABLE = "gcp_repr_map"


def _repr_alias(column: str) -> str:
    return _quote("r_" + column.replace(".", "_"))


def prepare_reprs(conn: duckdb.DuckDBPyConnection, files: list[GcpFile], workdir: Path) -> None:
    """Parse every distinct repr cell of the CSV files into the temp table gcp_repr_map."""
    values: set[str] = set()
    for file in files:
        for column in file.repr_columns:
            rows = conn.execute(f"SELECT DISTINCT {_quote(column)} FROM {read_fn(file)} "
                                f"WHERE {_quote(column)} IS NOT NULL").fetchall()
            values.update(str(r[0]) for r in rows)
    spool = workdir / "gcp_repr_map.jsonl"
    with spool.open("w", encoding="utf-8") as handle:
        for value in values:
            handle.write(json.dumps({"raw": value, "json": pyrepr_to_json(value)}) + "\n")
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {REPR_TABLE} (raw VARCHAR, json VARCHAR)")
    if values:
        conn.execute(f"INSERT INTO {REPR_TABLE} SELECT * FROM read_json(?, format = "
                     "'newline_delimited', columns = {'raw': 'VARCHAR', 'json': 'VARCHAR'})",
                     [str(spool)])


def drop_reprs(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {REPR_TABLE}")


# ---------------------------------------------------------------------------------------------
# Inspecting one file


def _parquet_paths(conn: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    """Dotted paths of a parquet file's fields; lists and maps are leaves (not descended into)."""
    rows = conn.execute(
        "SELECT name, num_children, converted_type FROM parquet_schema(?)", [str(path)]
    ).fetchall()
    paths: set[str] = set()
    position = 1  # row 0 is the schema root

    def walk(prefix: str, count: int) -> None:
        nonlocal position
        for _ in range(count):
            name, children, converted = rows[position]
            position += 1
            full = f"{prefix}{name}"
            paths.add(full)
            if children:
                if converted in ("LIST", "MAP", "MAP_KEY_VALUE"):
                    skip(int(children))
                else:
                    walk(f"{full}.", int(children))

    def skip(count: int) -> None:
        nonlocal position
        for _ in range(count):
            _, children, _ = rows[position]
            position += 1
            if children:
                skip(int(children))

    walk("", int(rows[0][1] or 0))
    return paths


def _first_json_object(path: Path, uri: str) -> dict[str, object]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        value = json.loads(line)
                    except ValueError as exc:
                        raise InputError(uri, f"not newline-delimited JSON: {exc}",
                                         where=f"line {number}") from exc
                    if not isinstance(value, dict):
                        raise InputError(uri, "expected one JSON object per line",
                                         where=f"line {number}")
                    return value
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise InputError(uri, f"cannot read the file as JSON text: {exc}") from exc
    raise InputError(uri, "empty file: expected GCP billing export rows")



def _json_paths(obj: dict[str, object]) -> set[str]:
    paths: set[str] = set()
    for key, value in obj.items():
        paths.add(key)
        if isinstance(value, dict):
            paths |= {f"{key}.{p}" for p in _json_paths(value)}
    return paths


def inspect_file(conn: duckdb.DuckDBPyConnection, path: Path, uri: str) -> GcpFile:
    """Tell which shape of the export a file is; fail with its name if it is none of them."""
    parquet = is_parquet(path, uri, "GCP billing export rows")
    name = path.name.lower()
    if parquet:
        try:
            available = _parquet_paths(conn, path)
        except duckdb.Error as exc:
            raise InputError(uri, f"cannot read parquet: {exc}") from exc
        flavour = "flat" if "invoice_month" in available and "invoice" not in available else \
            "parquet"
    elif name.endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")):
        # JSON rows omit null fields, so the first row shows what the export has, not all of it:
        # every catalog path is read, missing keys as NULL.
        first = _first_json_object(path, uri)
        available = _json_paths(first) | {c.path for c in gcp_columns()}
        flavour = "json"
        missing_top = [c.path for c in gcp_columns()
                       if c.required and c.path.split(".")[0] not in first]
        if missing_top:
            raise InputError(uri, "not a GCP billing export row: missing "
                             f"{', '.join(missing_top)}", where="line 1")
    else:
        header = csv_header(path, uri)
        available = set(header)
        flavour = "csv"
    file = GcpFile(path, uri, flavour, available)
    if flavour == "csv":
        file.repr_columns = [c.path for c in gcp_columns()
                             if c.type in ("LABELS", "CREDITS") and c.path in available]
    required = [(c.name if flavour == "flat" else c.path) for c in gcp_columns() if c.required]
    missing = [r for r in required if r not in available]
    if missing:
        raise InputError(uri, "not a GCP billing export: missing "
                         f"{', '.join(missing)} (expected the BigQuery export's fields, nested or "
                         "as dotted CSV headers such as invoice.month)", where="header")
    return file


# ---------------------------------------------------------------------------------------------
# The staging SELECT


def read_fn(file: GcpFile) -> str:
    """The table function reading the file (its rows are `src` in the staging SELECT)."""
    path = sql_literal(str(file.path))
    if file.flavour in ("flat", "parquet"):
        return f"read_parquet({path})"
    if file.flavour == "json":
        return (f"read_json({path}, format = 'newline_delimited', compression = 'auto', "
                f"columns = {{{_json_columns()}}})")
    return read_csv_sql(file.path, csv_header(file.path, file.uri))


def from_clause(file: GcpFile) -> str:
    """FROM the file as `src`, joined (CSV) to the parsed reprs of its label and credit cells."""
    joins = "".join(
        f" LEFT JOIN {REPR_TABLE} AS {_repr_alias(c)} ON {_repr_alias(c)}.raw = src.{_quote(c)}"
        for c in file.repr_columns)
    return f"{read_fn(file)} AS src{joins}"


def _json_columns() -> str:
    """read_json's column types: every catalog path, timestamps and numbers read as text."""
    tree: dict[str, object] = {}
    for col in gcp_columns():
        node = tree
        parts = col.path.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[parts[-1]] = col.sql_type if col.type in ("LABELS", "CREDITS") else "VARCHAR"

    def render(value: object) -> str:
        if isinstance(value, dict):
            inner = ", ".join(f"{_quote(k)} {render(v)}" for k, v in value.items())
            return f"STRUCT({inner})"
        return str(value)

    return ", ".join(f"{sql_literal(k)}: {sql_literal(render(v))}" for k, v in tree.items())


def source_ref(file: GcpFile, col: GcpColumn) -> str | None:
    """How the file spells the column (a column of `src`), or None when it lacks it."""
    if file.flavour == "flat":
        return f"src.{_quote(col.name)}" if col.name in file.available else None
    if col.path not in file.available:
        return None
    if file.flavour == "csv":
        return f"src.{_quote(col.path)}"
    return f"src.{_nested_ref(col.path)}"


def _typed(file: GcpFile, col: GcpColumn, ref: str) -> str:
    if col.type in ("LABELS", "CREDITS"):
        if file.flavour == "csv":
            return f"CAST(CAST({_repr_alias(col.path)}.json AS JSON) AS {col.sql_type})"
        return f"CAST({ref} AS {col.sql_type})"
    if file.flavour == "csv":
        if col.type == "VARCHAR":
            return f"nullif({ref}, '')"
        return f"CAST(nullif(trim({ref}), '') AS {col.type})"
    return f"CAST({ref} AS {col.type})"


def column_expr(file: GcpFile, col: GcpColumn) -> str:
    ref = source_ref(file, col)
    return f"CAST(NULL AS {col.sql_type})" if ref is None else _typed(file, col, ref)


def file_select(file: GcpFile) -> str:
    """SELECT of one file with every `gcp_source` column, typed, NULL where the file lacks it."""
    exprs: list[str] = []
    for col in gcp_columns():
        if col.type != "CREDITS":
            exprs.append(f"{column_expr(file, col)} AS {col.name}")
            continue
        if file.flavour == "flat":  # BigQuery summed them already
            for name, type_ in (("credits_amount", "DOUBLE"), ("cud_category", "VARCHAR")):
                ref = f"src.{_quote(name)}" if name in file.available else f"CAST(NULL AS {type_})"
                exprs.append(f"CAST({ref} AS {type_}) AS {name}")
            continue
        credits = column_expr(file, col)
        exprs.append(f"coalesce(list_sum(list_transform({credits}, lambda c: c.amount)), 0) "
                     "AS credits_amount")
        exprs.append(f"list_max(list_transform({credits}, lambda c: {CUD_CASE})) AS cud_category")
    return f"SELECT {', '.join(exprs)} FROM {from_clause(file)}"


def source_sql(files: list[GcpFile]) -> str:
    return "\nUNION ALL BY NAME\n".join(file_select(f) for f in files)


# ---------------------------------------------------------------------------------------------
# What could not be read


def unparsed_reprs(conn: duckdb.DuckDBPyConnection, file: GcpFile) -> list[tuple[str, int, str]]:
    """(column, cells, example) of CSV repr cells that could not be parsed (read as empty)."""
    if not file.repr_columns:
        return []
    selects = []
    for name in file.repr_columns:
        ref = f"src.{_quote(name)}"
        bad = f"coalesce(trim({ref}), '') <> '' AND {_repr_alias(name)}.json IS NULL"
        selects += [f"count(*) FILTER (WHERE {bad})", f"any_value({ref}) FILTER (WHERE {bad})"]
    row = conn.execute(f"SELECT {', '.join(selects)} FROM {from_clause(file)}").fetchone()
    assert row is not None
    found = []
    for i, name in enumerate(file.repr_columns):
        if row[2 * i]:
            found.append((name, int(row[2 * i]), str(row[2 * i + 1])[:80]))
    return found


def diagnose(conn: duckdb.DuckDBPyConnection, files: list[GcpFile]) -> InputError | None:
    """After a failed cast, name the first file, row and column that cannot be read as typed."""
    for file in files:
        read = from_clause(file)
        for col in gcp_columns():
            if col.type in ("VARCHAR", "LABELS", "CREDITS"):
                continue
            ref = source_ref(file, col)
            if ref is None:
                continue
            text = f"CAST({ref} AS VARCHAR)"
            row = conn.execute(
                f"SELECT rn, v FROM (SELECT row_number() OVER () AS rn, {text} AS v FROM {read}) "
                f"WHERE coalesce(trim(v), '') <> '' AND try_cast(trim(v) AS {col.type}) IS NULL "
                "LIMIT 1").fetchone()
            if row is not None:
                where = (f"line {row[0] + 1}, column {col.path}" if file.flavour == "csv"
                         else f"row {row[0]}, field {col.path}")
                kind = {"DOUBLE": "a number", "TIMESTAMPTZ": "a timestamp"}.get(col.type, col.type)
                return InputError(file.uri, f"expected {kind}, found {row[1]!r}", where=where)
    return None
