"""FOCUS 1.0–1.2 cost exports (CSV or parquet, from Azure, OCI, AWS or GCP) into `focus_costs`.

Each path given is one unit: its files are read together (an export splits a month over many
files) and every (provider:billing account, billing month) they hold replaces that month in the
database, in one transaction. A path that fails leaves the database as it was and the other
paths still load (`ingest_focus_paths`).

Real exports are not always conformant, so each file is read leniently and everything that had
to be read leniently is counted and reported, per column: literal `NULL` strings, datetimes
without `T`/`Z` or in month/day/year, costs written as `$10,000.00`, brace-less JSON tags,
enumerations in another spelling (`usage-based`), columns an older FOCUS version lacks (filled
from their nearest relative), DECIMAL or integer costs. Only what cannot be guessed stops a
file: no BilledCost or ChargePeriodStart, or one of their values unreadable.

Version differences: 1.0 lacks the 1.1 columns (CapacityReservation*, CommitmentDiscount
Quantity/Unit, ServiceSubcategory, SkuMeter, SkuPriceDetails) and the 1.2 ones (BillingAccountType,
InvoiceId, PricingCurrency*, SubAccountType); those stay NULL. 1.0-preview spellings
(UsageQuantity, UsageUnit, ChargeType, Provider, Publisher, InvoiceIssuer, ResourceID,
AmortizedCost) and 1.3's ServiceProviderName are read as their 1.2 columns. Columns FOCUS does
not define (`x_…` extensions and others) go to `x_extra` (JSON) when the table has that column;
otherwise they are dropped and the report says which.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from aifinops.config import Settings
from aifinops.errors import AifinopsError, InputError
from aifinops.ingest.aws_cur import IngestReport
from aifinops.ingest.file_schema import csv_header, is_parquet, read_csv_sql
from aifinops.ingest.loader import (
    UnitResult,
    checksum_of,
    costs_insert_sql,
    first_line,
    is_current,
    load_unit,
)
from aifinops.ingest.objects import ObjectRef, ObjectSource, open_source
from aifinops.ingest.tag_macros import install_tag_macros
from aifinops.sqlfiles import read_sql, sql_identifier, sql_literal, sql_path
from aifinops.store import Store

SOURCE = "focus"
DEFAULT_PROVIDER = "Unknown"
DEFAULT_ACCOUNT = "unknown"
DEFAULT_CURRENCY = "USD"

# Mandatory columns without which a row means nothing: no default is honest for them.
REQUIRED = ("BilledCost", "ChargePeriodStart")

# Mandatory columns an older or partial file may lack, and what fills them (see focus_to_costs.sql).
FILLED_FROM = {
    "BillingAccountId": "the --account default",
    "BillingCurrency": "PricingCurrency, else the --currency default",
    "BillingPeriodStart": "the month of ChargePeriodStart",
    "BillingPeriodEnd": "BillingPeriodStart + 1 month",
    "ChargeCategory": "'Usage'",
    "ChargePeriodEnd": "ChargePeriodStart",
    "ContractedCost": "ContractedUnitPrice × PricingQuantity, else BilledCost",
    "EffectiveCost": "BilledCost",
    "InvoiceIssuerName": "ProviderName",
    "ListCost": "ListUnitPrice × PricingQuantity, else ContractedCost",
    "ProviderName": "PublisherName or InvoiceIssuerName, else the --provider default",
    "PublisherName": "ProviderName",
    "ServiceCategory": "'Other'",
    "ServiceName": "'Unknown'",
}

NUMERIC_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT",
                 "HUGEINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FocusColumn:
    name: str
    focus_type: str  # Decimal | String | DateTime | JSON
    level: str  # M | C | R in FOCUS 1.2
    nullable: bool
    introduced: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Failure:
    """One source that could not be loaded, and why (the others were)."""

    source: str
    reason: str


@dataclass(frozen=True)
class Coercion:
    """What had to be read leniently in one column of one input, and how many rows."""

    column: str
    what: str
    rows: int
    example: str | None = None

    def describe(self) -> str:
        shown = f" (e.g. {self.example!r})" if self.example is not None else ""
        return f"{self.column}: {self.rows:,} {self.what}{shown}"


@dataclass
class FocusFile:
    path: Path
    uri: str
    container: str  # csv | parquet
    types: dict[str, str]  # source column -> type as read
    columns: dict[str, str]  # FOCUS column -> source column
    extras: list[str]  # source columns that are not FOCUS columns
    version: str  # best guess from the columns present


@dataclass
class FocusIngestReport(IngestReport):
    files: list[FocusFile] = field(default_factory=list)
    coercions: list[Coercion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class FocusBatch:
    """Several paths: what loaded, and which failed and why."""

    reports: list[FocusIngestReport] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class Defaults:
    """Values for identity columns a file lacks (FOCUS makes them mandatory; examples omit them)."""

    provider: str = DEFAULT_PROVIDER
    account: str = DEFAULT_ACCOUNT
    currency: str = DEFAULT_CURRENCY


# ---------------------------------------------------------------------------------------------
# The catalog (sql/export/focus_columns.csv, sql/export/focus_values.csv)


@cache
def focus_columns() -> tuple[FocusColumn, ...]:
    """The 57 FOCUS 1.2 columns with type, feature level, nullability, version and old names."""
    with sql_path("export/focus_columns.csv").open(encoding="utf-8") as handle:
        return tuple(
            FocusColumn(row["name"], row["focus_type"], row["level"], row["nullable"] == "yes",
                        row["introduced"], tuple(a for a in row["aliases"].split(";") if a))
            for row in csv.DictReader(handle)
        )


@cache
def focus_values() -> dict[str, dict[str, str]]:
    """Allowed values per enumerated column: squashed spelling (and old names) -> canonical value."""
    values: dict[str, dict[str, str]] = {}
    with sql_path("export/focus_values.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spellings = values.setdefault(row["column"], {})
            for name in (row["value"], *[a for a in row["aliases"].split(";") if a]):
                spellings[squash(name)] = row["value"]
    return values


def canonical_values(column: str) -> list[str]:
    return sorted(set(focus_values().get(column, {}).values()))


def squash(name: str) -> str:
    """Names and enumerated values compare equal once case and punctuation are gone."""
    return re.sub(r"[^a-z0-9]", "", name.lower())



# ---------------------------------------------------------------------------------------------
# Finding the files of one path


def _is_data_file(key: str) -> bool:
    name = key.rsplit("/", 1)[-1].lower()
    if name.startswith((".", "_")):
        return False
    return name.endswith((".csv", ".csv.gz", ".parquet"))


_RUN_RE = re.compile(r"^(?P<range>(?:.*/)?\d{8}-\d{8})/(?P<run>[^/]+)/")


def select_files(refs: list[ObjectRef], source: ObjectSource) -> tuple[list[ObjectRef], list[str]]:
    """The data files to read, and notes on what was left out.

    Azure cost exports (`…/YYYYMMDD-YYYYMMDD/<run id>/part_*.csv`) write a new run folder each
    time they run, each a full month-to-date copy: reading them all would count the month several
    times. Per date range only the newest run is read, judged by its manifest.json
    (`runInfo.submittedTime`); without manifests the choice is ambiguous and the path is refused.
    """
    notes: list[str] = []
    data = [r for r in refs if _is_data_file(r.key)]
    other = [r for r in refs if not _is_data_file(r.key)]
    runs: dict[str, dict[str, list[ObjectRef]]] = {}
    for ref in data:
        match = _RUN_RE.match(ref.key)
        if match:
            runs.setdefault(match["range"], {}).setdefault(match["run"], []).append(ref)
    dropped: set[str] = set()
    for range_key, by_run in sorted(runs.items()):
        if len(by_run) < 2:
            continue
        submitted: dict[str, str] = {}
        for run in by_run:
            manifest = next((r for r in other if r.key == f"{range_key}/{run}/manifest.json"), None)
            when = _manifest_time(source, manifest) if manifest else None
            if when is None:
                raise InputError(
                    source.root_uri, f"{len(by_run)} export runs for {range_key} "
                    f"({', '.join(sorted(by_run))}) and no manifest.json with runInfo.submittedTime "
                    "in each to tell which is newest; reading all would count the period "
                    "several times: give the run folder to load",
                )
            submitted[run] = when
        newest = max(submitted, key=lambda run: submitted[run])
        for run, files in by_run.items():
            if run != newest:
                dropped.update(r.key for r in files)
        notes.append(f"{range_key}: read export run {newest} (submitted {submitted[newest]}), "
                     f"skipped {len(by_run) - 1} older run(s)")
    kept = [r for r in data if r.key not in dropped]
    ignored = [r.key for r in other if not r.key.endswith("manifest.json")]
    if ignored:
        shown = ", ".join(ignored[:3]) + (" …" if len(ignored) > 3 else "")
        notes.append(f"ignored {len(ignored)} file(s) that are not .csv, .csv.gz or .parquet: {shown}")
    return kept, notes


def _manifest_time(source: ObjectSource, ref: ObjectRef) -> str | None:
    try:
        manifest = json.loads(source.read_bytes(ref))
        value = manifest["runInfo"]["submittedTime"]
    except (ValueError, KeyError, TypeError, OSError):
        return None
    return str(value) if value else None


# ---------------------------------------------------------------------------------------------
# Reading one file



def _read_fn(file: FocusFile) -> str:
    if file.container == "parquet":
        return f"read_parquet({sql_literal(str(file.path))})"
    return read_csv_sql(file.path, list(file.types), null_padding=True)


def inspect_file(conn: duckdb.DuckDBPyConnection, path: Path, uri: str) -> FocusFile:
    """Map one file's columns to FOCUS 1.2 names; fail with the file's name if it is not FOCUS."""
    if is_parquet(path, uri, "a FOCUS CSV or parquet file"):
        container = "parquet"
        try:
            described = conn.execute(
                f"describe select * from read_parquet({sql_literal(str(path))})").fetchall()
        except duckdb.Error as exc:
            raise InputError(uri, f"cannot read parquet: {exc}") from exc
        types = {str(row[0]): str(row[1]) for row in described}
    else:
        container = "csv"
        types = {name: "VARCHAR" for name in csv_header(path, uri, "a FOCUS header line")}
    by_squash: dict[str, str] = {}
    for name in types:
        by_squash.setdefault(squash(name), name)
    columns: dict[str, str] = {}
    for col in focus_columns():
        source = by_squash.get(squash(col.name))
        for alias in col.aliases:
            source = source or by_squash.get(squash(alias))
        if source is not None:
            columns[col.name] = source
    if "BilledCost" not in columns and "ChargePeriodStart" not in columns:
        names = list(types)
        shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
        raise InputError(uri, "not a FOCUS file: expected columns such as BilledCost and "
                         f"ChargePeriodStart; found {shown}", where="header")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(uri, f"missing mandatory FOCUS column(s) {', '.join(missing)}: "
                         "no default can stand in for them", where="header")
    used = set(columns.values())
    extras = [name for name in types if name not in used]
    return FocusFile(path, uri, container, types, columns, extras, _version(columns, types))


def _version(columns: dict[str, str], types: dict[str, str]) -> str:
    introduced = {c.introduced for c in focus_columns() if c.name in columns}
    squashed = {squash(n) for n in types}
    if {"serviceprovidername", "hostprovidername"} & squashed:
        return "1.3"
    if "1.2" in introduced:
        return "1.2"
    if "1.1" in introduced:
        return "1.1"
    if {"usagequantity", "usageunit", "chargetype", "provider", "amortizedcost"} & squashed:
        return "1.0-preview"
    return "1.0"


def _base_type(type_name: str) -> str:
    return type_name.split("(")[0].strip().upper()


def _typed(col: FocusColumn, source: str, src_type: str) -> str:
    """An expression reading `source` as the FOCUS column's type, leniently."""
    ref = sql_identifier(source)
    base = _base_type(src_type)
    if col.focus_type == "Decimal":
        if base in NUMERIC_TYPES:
            return f"CAST({ref} AS DOUBLE)"
        return f"focus_num(CAST({ref} AS VARCHAR))"
    if col.focus_type == "DateTime":
        if base.startswith("TIMESTAMP") or base == "DATE":
            return f"CAST({ref} AS TIMESTAMPTZ)"
        return f"focus_ts(CAST({ref} AS VARCHAR))"
    if col.focus_type == "JSON":
        if base in ("MAP", "STRUCT"):
            return f"CAST(to_json({ref}) AS JSON)"
        if base == "JSON":
            return f"focus_json(CAST({ref} AS VARCHAR))"
        return f"focus_json(CAST({ref} AS VARCHAR))"
    if base == "VARCHAR":
        return f"focus_str({ref})"
    return f"CAST({ref} AS VARCHAR)"


def _null_of(col: FocusColumn) -> str:
    sql_type = {"Decimal": "DOUBLE", "DateTime": "TIMESTAMPTZ", "JSON": "JSON"}.get(col.focus_type,
                                                                                   "VARCHAR")
    return f"CAST(NULL AS {sql_type})"


# Unknown values pass unchanged (and are reported), except where FOCUS has a catch-all value.
ENUM_FALLBACK = {"ServiceCategory": "Other"}


def _enum_expr(column: str) -> str:
    """Canonical spelling of an enumerated column (a fast path for values already canonical)."""
    spellings = focus_values()[column]
    ref = sql_identifier(column)
    fast = ", ".join(sql_literal(v) for v in canonical_values(column))
    whens = " ".join(f"WHEN {sql_literal(k)} THEN {sql_literal(v)}" for k, v in sorted(spellings.items()))
    fallback = sql_literal(ENUM_FALLBACK[column]) if column in ENUM_FALLBACK else ref
    return (f"CASE WHEN {ref} IS NULL OR {ref} IN ({fast}) THEN {ref} "
            f"ELSE (CASE focus_squash({ref}) {whens} ELSE {fallback} END) END")


def _hint_instance_type(file: FocusFile) -> str:
    """The VM size where a provider's extension columns carry one (for the GPU catalog join)."""
    by_squash = {squash(name): name for name in file.extras}
    exprs = []
    for key in ("xinstancetype", "instancetype"):
        if key in by_squash:
            exprs.append(f"focus_str(CAST({sql_identifier(by_squash[key])} AS VARCHAR))")
    if "xskudetails" in by_squash:  # Azure: x_SkuDetails.ServiceType is the VM size
        exprs.append("json_extract_string(focus_json(CAST("
                     f"{sql_identifier(by_squash['xskudetails'])} AS VARCHAR)), '$.ServiceType')")
    if "xusagetype" in by_squash:  # AWS: x_UsageType 'USE1-BoxUsage:p5.48xlarge'
        exprs.append("nullif(regexp_extract(CAST("
                     f"{sql_identifier(by_squash['xusagetype'])} AS VARCHAR), "
                     "':([a-z0-9]+\\.[a-z0-9]+)$', 1), '')")
    return f"coalesce({', '.join(exprs)})" if exprs else "CAST(NULL AS VARCHAR)"


def _extra_expr(file: FocusFile) -> str:
    if not file.extras:
        return "CAST(NULL AS JSON)"
    pairs = []
    for name in file.extras:
        ref = sql_identifier(name)
        value = f"focus_str({ref})" if _base_type(file.types[name]) == "VARCHAR" else ref
        pairs.append(f"{sql_literal(name)}, {value}")
    return f"CAST(json_object({', '.join(pairs)}) AS JSON)"


def file_select(file: FocusFile) -> str:
    """SELECT of one file as the 57 FOCUS 1.2 columns (typed, enumerations canonical) + hints."""
    exprs = []
    for col in focus_columns():
        source = file.columns.get(col.name)
        expr = _typed(col, source, file.types[source]) if source else _null_of(col)
        exprs.append(f"{expr} AS {col.name}")
    exprs.append(f"{_extra_expr(file)} AS x_extra")
    exprs.append(f"{_hint_instance_type(file)} AS x_hint_instance_type")
    replaced = ", ".join(f"{_enum_expr(c)} AS {c}" for c in sorted(focus_values())
                         if c in file.columns)
    outer = f"SELECT * REPLACE ({replaced})" if replaced else "SELECT *"
    return f"{outer} FROM (SELECT {', '.join(exprs)} FROM {_read_fn(file)})"


# ---------------------------------------------------------------------------------------------
# What had to be coerced, counted in one pass per file


@dataclass(frozen=True)
class _Probe:
    column: str
    what: str
    count_sql: str
    example_sql: str | None
    fatal: bool = False


def _probes(file: FocusFile) -> list[_Probe]:
    probes: list[_Probe] = []
    values = focus_values()
    for col in focus_columns():
        source = file.columns.get(col.name)
        if source is None:
            if col.name in FILLED_FROM:
                probes.append(_Probe(col.name, f"rows: column missing (FOCUS {file.version}), "
                                     f"filled from {FILLED_FROM[col.name]}", "count(*)", None))
            continue
        ref = sql_identifier(source)
        is_text = _base_type(file.types[source]) == "VARCHAR"
        typed = _typed(col, source, file.types[source])
        if is_text:
            probes.append(_Probe(col.name, "literal NULL strings read as null",
                                 f"count(*) FILTER (WHERE length({ref}) < 10 "
                                 f"AND lower(trim({ref})) = 'null')", None))
        if col.name in REQUIRED:
            bad = f"{typed} IS NULL"
            what = "missing or unreadable values in a mandatory column"
            probes.append(_Probe(col.name, what, f"count(*) FILTER (WHERE {bad})",
                                 f"any_value({ref}) FILTER (WHERE {bad})", fatal=True))
        elif col.name in FILLED_FROM:
            probes.append(_Probe(col.name, f"null values filled from {FILLED_FROM[col.name]}",
                                 f"count(*) FILTER (WHERE {typed} IS NULL)", None))
        if is_text and col.focus_type == "Decimal":
            cleaned = (f"focus_str({ref}) IS NOT NULL AND try_cast(focus_str({ref}) AS DOUBLE) IS NULL "
                       f"AND {typed} IS NOT NULL")
            probes.append(_Probe(col.name, "numbers with currency signs, blanks or thousands "
                                 "separators read as plain numbers",
                                 f"count(*) FILTER (WHERE {cleaned})",
                                 f"any_value({ref}) FILTER (WHERE {cleaned})"))
        if is_text and col.focus_type == "DateTime":
            lenient = f"{typed} IS NOT NULL AND NOT focus_ts_is_iso({ref})"
            probes.append(_Probe(col.name, "datetimes not in FOCUS's YYYY-MM-DDTHH:mm:ssZ read as "
                                 "UTC (m/d/y where slashed)", f"count(*) FILTER (WHERE {lenient})",
                                 f"any_value({ref}) FILTER (WHERE {lenient})"))
        elif not is_text and col.focus_type == "DateTime" and "WITH TIME ZONE" not in \
                file.types[source].upper():
            probes.append(_Probe(col.name, "datetimes without a time zone read as UTC",
                                 f"count({ref})", None))
        if is_text and col.focus_type == "JSON":
            rewrapped = (f"focus_str({ref}) IS NOT NULL AND NOT json_valid(focus_str({ref})) "
                         f"AND {typed} IS NOT NULL")
            probes.append(_Probe(col.name, "key-value lists without braces read as JSON objects",
                                 f"count(*) FILTER (WHERE {rewrapped})",
                                 f"any_value({ref}) FILTER (WHERE {rewrapped})"))
        if col.focus_type in ("Decimal", "DateTime", "JSON") and col.name not in REQUIRED and \
                (is_text or col.focus_type == "JSON"):
            lost = f"focus_str(CAST({ref} AS VARCHAR)) IS NOT NULL AND {typed} IS NULL"
            probes.append(_Probe(col.name, "unreadable values set to null",
                                 f"count(*) FILTER (WHERE {lost})",
                                 f"any_value(CAST({ref} AS VARCHAR)) FILTER (WHERE {lost})"))
        if col.name in values and is_text:
            canon = ", ".join(sql_literal(v) for v in canonical_values(col.name))
            known = ", ".join(sql_literal(k) for k in sorted(values[col.name]))
            # CASE: the regex runs only for values not already in their canonical spelling.
            odd = f"CASE WHEN {ref} IS NULL OR {ref} IN ({canon}) THEN NULL ELSE focus_str({ref}) END"
            recased = f"{odd} NOT IN ({canon}) AND focus_squash({odd}) IN ({known})"
            unknown = f"focus_squash({odd}) NOT IN ({known})"
            probes.append(_Probe(col.name, "values in another spelling read as FOCUS's",
                                 f"count(*) FILTER (WHERE {recased})",
                                 f"any_value({ref}) FILTER (WHERE {recased})"))
            kept = (f"read as {ENUM_FALLBACK[col.name]!r}" if col.name in ENUM_FALLBACK
                    else "kept as given")
            probes.append(_Probe(col.name, f"values FOCUS 1.2 does not allow, {kept}",
                                 f"count(*) FILTER (WHERE {unknown})",
                                 f"any_value({ref}) FILTER (WHERE {unknown})"))
    return probes


def measure_file(conn: duckdb.DuckDBPyConnection, file: FocusFile) -> tuple[int, list[Coercion]]:
    """Row count and coercions of one file; raise for unreadable mandatory values (with the row)."""
    probes = _probes(file)
    selects = ["count(*)"]
    for probe in probes:
        selects.append(probe.count_sql)
        selects.append(probe.example_sql or "NULL")
    try:
        row = conn.execute(f"SELECT {', '.join(selects)} FROM {_read_fn(file)}").fetchone()
    except duckdb.Error as exc:
        raise InputError(file.uri, f"cannot be read: {first_line(exc)}") from exc
    assert row is not None
    total = int(row[0])
    found: list[Coercion] = []
    for index, probe in enumerate(probes):
        count = int(row[1 + 2 * index] or 0)
        example = row[2 + 2 * index]
        if not count:
            continue
        if probe.fatal:
            raise _locate(conn, file, probe.column, count, example)
        found.append(Coercion(probe.column, probe.what, count,
                              None if example is None else str(example)))
    return total, found


def _locate(conn: duckdb.DuckDBPyConnection, file: FocusFile, column: str, count: int,
            example: object) -> InputError:
    source = file.columns[column]
    col = next(c for c in focus_columns() if c.name == column)
    typed = _typed(col, source, file.types[source])
    found = conn.execute(
        f"SELECT rn FROM (SELECT row_number() OVER () AS rn, {typed} AS v FROM {_read_fn(file)}) "
        "WHERE v IS NULL LIMIT 1").fetchone()
    where = f"data row {found[0]}, column {source}" if found else f"column {source}"
    kind = "a number" if col.focus_type == "Decimal" else "a datetime"
    shown = "an empty value" if example is None else repr(example)
    return InputError(file.uri, f"expected {kind} in mandatory column {column}, found {shown} "
                      f"({count:,} row(s) like it)", where=where)


# ---------------------------------------------------------------------------------------------
# Loading


def has_x_extra(conn: duckdb.DuckDBPyConnection) -> bool:
    row = conn.execute("SELECT count(*) FROM information_schema.columns "
                       "WHERE table_name = 'focus_costs' AND column_name = 'x_extra'").fetchone()
    return bool(row and row[0])


def install_focus_macros(conn: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The lenient readers, and model/team/env lookups straight from the Tags JSON.

    The tag lookups read every configured key of the three dimensions with one
    `json_extract_string(Tags, [paths])` per row (one JSON parse) instead of casting each row's
    Tags to a MAP first: about a third of the mapping's time on a million rows.
    """
    conn.execute(read_sql("ingest/focus_macros.sql"))
    install_tag_macros(conn, settings)
    paths: list[str] = []
    lookups: dict[str, str] = {}
    for dim in ("model", "team", "env"):
        picks = []
        for key in settings.tag_keys.get(dim, []):
            paths.append("$." + json.dumps(key))
            picks.append(f"nullif(v[{len(paths)}], '')")
        lookups[dim] = f"coalesce({', '.join(picks)}, NULL)" if picks else "NULL"
    listed = ", ".join(sql_literal(p) for p in paths) or sql_literal("$.model")
    conn.execute(f"CREATE OR REPLACE TEMP MACRO focus_tag_values(t) AS "
                 f"json_extract_string(t, [{listed}])")
    for dim, body in lookups.items():
        conn.execute(f"CREATE OR REPLACE TEMP MACRO focus_tag_{dim}(v) AS {body}")


def insert_sql(files: Sequence[FocusFile], *, keep_extra: bool) -> str:
    union = "\nUNION ALL BY NAME\n".join(file_select(f) for f in files)
    replace = "" if keep_extra else " REPLACE (NULL AS x_extra)"
    return costs_insert_sql(f"SELECT *{replace} FROM (WITH focus_source AS ({union})\n"
                            f"SELECT * FROM ({read_sql('ingest/focus_to_costs.sql')}))")


def ingest_focus(
    store: Store,
    uri: str,
    *,
    settings: Settings,
    defaults: Defaults | None = None,
    force: bool = False,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
) -> FocusIngestReport:
    """Load one path (a file, a folder tree or an s3:// prefix) as one atomic unit."""
    defaults = defaults or Defaults()
    source = open_source(uri, profile=profile, region=region, endpoint_url=endpoint_url)
    refs, notes = select_files(source.list(), source)
    report = FocusIngestReport(uri=source.root_uri, notes=notes)
    if not refs:
        raise InputError(source.root_uri, "no FOCUS files found: expected .csv, .csv.gz or "
                         ".parquet files")
    unit_id = f"focus::{source.root_uri.rstrip('/')}"
    parts = [(r.key, r.etag) for r in refs]
    parts.append(("defaults", f"{defaults.provider}|{defaults.account}|{defaults.currency}"))
    checksum = checksum_of(parts)
    conn = store.conn
    if not force and is_current(conn, unit_id, checksum):
        report.units.append(UnitResult(unit=source.root_uri, uri=source.root_uri, load_id=None,
                                       skipped=True))
        return report
    install_focus_macros(conn, settings)
    files = [inspect_file(conn, source.local_path(r), r.uri) for r in refs]
    report.files = files
    totals: dict[tuple[str, str], Coercion] = {}
    for file in files:
        _, coercions = measure_file(conn, file)
        for c in coercions:
            key = (c.column, c.what)
            before = totals.get(key)
            totals[key] = Coercion(c.column, c.what, c.rows + (before.rows if before else 0),
                                   before.example if before and before.example else c.example)
    report.coercions = sorted(totals.values(), key=lambda c: (c.column, c.what))
    versions = sorted({f.version for f in files})
    report.notes.append(f"{len(files)} file(s), FOCUS {', '.join(versions)} (judged by columns)")
    keep_extra = has_x_extra(conn)
    extras = sorted({name for f in files for name in f.extras})
    if extras and not keep_extra:
        shown = ", ".join(extras[:8]) + (" …" if len(extras) > 8 else "")
        report.notes.append(f"dropped {len(extras)} non-FOCUS column(s) (focus_costs has no "
                            f"x_extra column to keep them): {shown}")
    elif extras:
        report.notes.append(f"kept {len(extras)} non-FOCUS column(s) in x_extra")
    params: dict[str, object] = {"default_provider": defaults.provider,
                                 "default_account": defaults.account,
                                 "default_currency": defaults.currency}
    try:
        result = load_unit(store, source=SOURCE, unit=unit_id, uri=source.root_uri,
                           files=[r.uri for r in refs], checksum=checksum,
                           insert_sql=insert_sql(files, keep_extra=keep_extra), params=params)
    except AifinopsError:
        raise
    except duckdb.Error as exc:
        names = ", ".join(f.uri for f in files[:3]) + (" …" if len(files) > 3 else "")
        raise InputError(names, f"could not be loaded: {first_line(exc)}") from exc
    result.unit = source.root_uri
    report.units.append(result)
    return report


def ingest_focus_paths(
    store: Store,
    uris: Sequence[str],
    *,
    settings: Settings,
    defaults: Defaults | None = None,
    force: bool = False,
    progress: Progress | None = None,
    **source_options: str | None,
) -> FocusBatch:
    """Load each path on its own; a path that fails is reported and the others still load."""
    batch = FocusBatch()
    for index, uri in enumerate(uris, start=1):
        if progress:
            progress(uri, index, len(uris))
        try:
            batch.reports.append(ingest_focus(store, uri, settings=settings, defaults=defaults,
                                              force=force, **source_options))
        except AifinopsError as exc:
            batch.failures.append(Failure(uri, str(exc)))
    return batch
