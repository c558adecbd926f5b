"""Our own check of a FOCUS 1.2 CostAndUsage file against the rules we can express in SQL.

The FinOps Foundation's `focus-validator` that installs on Python 3.11 (1.0.0) only knows FOCUS
1.0 (and spells four 1.0 columns by their 1.0-preview names), so the 1.2 rules are checked here
too: every mandatory column present; no nulls where 1.2 forbids them; enumerated columns hold
only allowed values; the format rules (datetimes `YYYY-MM-DDTHH:mm:ssZ` in CSV or UTC timestamps
in parquet, plain numbers, three-letter currency codes, JSON objects with scalar values for
Tags and SkuPriceDetails); and the conditional rules in sql/export/focus_rules.csv. What this
does not check (rules needing a provider's price list or knowledge of what it supports, such as
SkuPriceId being set where unit pricing exists) is listed in `NOT_CHECKED`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from aifinops.ingest.focus import canonical_values, focus_columns, focus_values
from aifinops.sqlfiles import read_sql, sql_path

NOT_CHECKED = (
    "whether a provider supports the feature a conditional column describes (AvailabilityZone, "
    "CapacityReservation*, CommitmentDiscount*, BillingAccountType, SubAccountType …): such "
    "columns are checked for format and allowed values, not for presence",
    "ISO 4217 membership of currency codes (only the three-capital-letter form is checked)",
    "UnitFormat / Unit attribute rules for ConsumedUnit and PricingUnit",
    "cross-row rules (e.g. the sum of amortised purchases against usage)",
    "ServiceSubcategory belonging to its ServiceCategory's list of 1.2 values",
)


@dataclass(frozen=True)
class RuleResult:
    rule: str
    level: str  # M (mandatory), C (conditional), sanity
    description: str
    violations: int
    example: str | None = None

    @property
    def passed(self) -> bool:
        return self.violations == 0


@dataclass(frozen=True)
class CheckReport:
    path: Path
    rows: int
    results: tuple[RuleResult, ...]

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]


@dataclass(frozen=True)
class _Rule:
    rule: str
    level: str
    description: str
    condition: str  # SQL predicate true for a violating row
    example: str


@cache
def explicit_rules() -> tuple[tuple[str, str, str, str], ...]:
    with sql_path("export/focus_rules.csv").open(encoding="utf-8") as handle:
        return tuple((r["rule"], r["level"], r["condition"], r["description"])
                     for r in csv.DictReader(handle))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rules(columns: dict[str, str]) -> tuple[list[RuleResult], list[_Rule], list[_Rule]]:
    """Presence results (known from the header alone), rules on the file's values as written,
    and the conditional rules (on values read as FOCUS types)."""
    present: list[RuleResult] = []
    rules: list[_Rule] = []
    typed: list[_Rule] = []
    values = focus_values()
    for col in focus_columns():
        if col.name not in columns:
            if col.level == "M":
                present.append(RuleResult(f"{col.name}.present", "M",
                                          f"mandatory column {col.name} is present", 1))
            continue
        if col.level == "M":
            present.append(RuleResult(f"{col.name}.present", "M",
                                      f"mandatory column {col.name} is present", 0))
        ref = _q(col.name)
        text = f"focus_str(CAST({ref} AS VARCHAR))"
        if not col.nullable:
            level = "M" if col.level == "M" else "C"
            rules.append(_Rule(f"{col.name}.not_null", level, f"{col.name} is never null",
                               f"{text} IS NULL", "NULL"))
        if col.name in values:
            allowed = ", ".join(_lit(v) for v in canonical_values(col.name))
            rules.append(_Rule(f"{col.name}.allowed_values", "M",
                               f"{col.name} holds only FOCUS 1.2 values",
                               f"{text} IS NOT NULL AND {text} NOT IN ({allowed})", text))
        if col.focus_type == "Decimal" and columns[col.name] == "VARCHAR":
            rules.append(_Rule(f"{col.name}.numeric_format", "M",
                               f"{col.name} is a plain number (no currency sign or separators)",
                               f"{text} IS NOT NULL AND NOT regexp_full_match({text}, "
                               r"'-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?')", text))
        if col.focus_type == "Decimal" and columns[col.name] != "VARCHAR" and \
                columns[col.name].split("(")[0] not in ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT",
                                                        "INTEGER", "HUGEINT"):
            rules.append(_Rule(f"{col.name}.numeric_type", "M", f"{col.name} is numeric",
                               "true", _lit(columns[col.name])))
        if col.focus_type == "DateTime":
            if columns[col.name] == "VARCHAR":
                rules.append(_Rule(f"{col.name}.datetime_format", "M",
                                   f"{col.name} is UTC YYYY-MM-DDTHH:mm:ssZ",
                                   f"{text} IS NOT NULL AND NOT regexp_full_match({text}, "
                                   r"'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z')", text))
            elif "WITH TIME ZONE" not in columns[col.name]:
                rules.append(_Rule(f"{col.name}.datetime_type", "M",
                                   f"{col.name} is a UTC timestamp", "true",
                                   _lit(columns[col.name])))
        if col.name == "BillingCurrency":  # PricingCurrency may be a virtual currency in 1.2
            rules.append(_Rule(f"{col.name}.currency_format", "M",
                               f"{col.name} is a three-letter ISO 4217 code",
                               f"{text} IS NOT NULL AND NOT regexp_full_match({text}, '[A-Z]{{3}}')",
                               text))
        if col.focus_type == "JSON":
            not_object = (f"{text} IS NOT NULL AND (NOT json_valid({text}) "
                          f"OR json_type({text}) <> 'OBJECT')")
            rules.append(_Rule(f"{col.name}.key_value_format", "M",
                               f"{col.name} is a JSON object", not_object, text))
            nested = (f"{text} IS NOT NULL AND json_valid({text}) AND json_type({text}) = 'OBJECT' "
                      f"AND list_bool_or(list_transform(map_values(CAST(CAST({text} AS JSON) AS "
                      "MAP(VARCHAR, JSON))), lambda x: json_type(x) IN ('OBJECT', 'ARRAY')))")
            rules.append(_Rule(f"{col.name}.scalar_values", "M",
                               f"{col.name} values are scalars (no nested objects or arrays)",
                               nested, text))
    for rule, level, condition, description in explicit_rules():
        needed = [c.name for c in focus_columns() if c.name in condition]
        if all(n in columns for n in needed):
            typed.append(_Rule(rule, level, description, condition, "NULL"))
    return present, rules, typed


def _typed_view(columns: dict[str, str]) -> str:
    """Columns read as FOCUS types (for the conditional rules), whatever the container."""
    exprs = []
    for col in focus_columns():
        if col.name not in columns:
            continue
        ref = _q(col.name)
        if col.focus_type == "Decimal":
            exprs.append(f"focus_num(CAST({ref} AS VARCHAR)) AS {ref}")
        elif col.focus_type == "DateTime" and columns[col.name] == "VARCHAR":
            exprs.append(f"focus_ts({ref}) AS {ref}")
        elif col.focus_type == "DateTime":
            exprs.append(f"CAST({ref} AS TIMESTAMPTZ) AS {ref}")
        else:
            exprs.append(f"focus_str(CAST({ref} AS VARCHAR)) AS {ref}")
    return ", ".join(exprs)


def check_focus_file(path: Path, conn: duckdb.DuckDBPyConnection | None = None) -> CheckReport:
    """Run every rule on the file as written (CSV read as text, parquet as typed)."""
    own = conn is None
    conn = conn or duckdb.connect()
    try:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute(read_sql("ingest/focus_macros.sql"))
        literal = _lit(str(path))
        if path.suffix.lower() == ".csv":
            read = (f"read_csv({literal}, header = true, all_varchar = true, delim = ',', "
                    "quote = '\"', escape = '\"')")
        else:
            read = f"read_parquet({literal})"
        described = conn.execute(f"DESCRIBE SELECT * FROM {read}").fetchall()
        columns = {str(r[0]): str(r[1]) for r in described}
        present, row_rules, typed_rules = _rules(columns)
        results = list(present)
        total_row = conn.execute(f"SELECT count(*) FROM {read}").fetchone()
        total = int(total_row[0]) if total_row else 0
        for batch, relation in ((row_rules, read),
                                (typed_rules, f"(SELECT {_typed_view(columns)} FROM {read})")):
            if not batch:
                continue
            selects = []
            for r in batch:
                selects.append(f"count(*) FILTER (WHERE {r.condition})")
                selects.append(f"CAST(any_value({r.example}) FILTER (WHERE {r.condition}) AS VARCHAR)")
            row = conn.execute(f"SELECT {', '.join(selects)} FROM {relation}").fetchone()
            assert row is not None
            for i, r in enumerate(batch):
                results.append(RuleResult(r.rule, r.level, r.description, int(row[2 * i] or 0),
                                          row[2 * i + 1]))
        return CheckReport(path, total, tuple(results))
    finally:
        if own:
            conn.close()
