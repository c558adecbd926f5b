"""Attribution rules from aifinops.toml, loaded as rows so views (not code) apply them.

    [[attribution.rules]]
    name = "dev notebooks"
    match = "ResourceId"          # or ResourceName, SubAccountId, SubAccountName,
    pattern = "i-0d1b*"           #    x_instance_type, ServiceName, RegionId; a glob
    model = "notebooks"
    team = "research"
    override_tags = false         # true: the rule wins over the resource's own tags
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from aifinops.config import Settings
from aifinops.errors import ConfigError

# The model a GPU process serves or trains, from its command line: vLLM and TGI name it with
# --served-model-name / --model / --model-id (org/name: the last part is kept); Triton's
# --model-repository folder names it when nothing else does.
DEFAULT_PROCESS_MODEL_PATTERNS = (
    r"--served-model-name[= ]([^\s]+)",
    r"--model(?:-id|_id|_name_or_path)?[= ](?:[^\s/]+/)*([^\s/]+)",
    r"--model-repository[= ](?:[^\s/]+/)*([^\s/]+)",
)

MATCH_FIELDS = ("ResourceId", "ResourceName", "SubAccountId", "SubAccountName", "x_instance_type",
                "ServiceName", "RegionId")


@dataclass(frozen=True)
class Rule:
    order: int
    name: str
    match: str
    pattern: str
    model: str | None
    team: str | None
    env: str | None
    override_tags: bool


def parse_rules(settings: Settings) -> list[Rule]:
    raw: Any = settings.section("attribution").get("rules", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{settings.config_path}: [[attribution.rules]] must be an array of tables")
    rules = []
    for index, item in enumerate(raw, start=1):
        where = f"{settings.config_path}: attribution rule {index}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} must be a table")
        match = item.get("match", "ResourceId")
        if match not in MATCH_FIELDS:
            raise ConfigError(f"{where}: match = {match!r}; expected one of {', '.join(MATCH_FIELDS)}")
        pattern = item.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"{where}: pattern must be a non-empty glob string")
        if not any(item.get(k) for k in ("model", "team", "env")):
            raise ConfigError(f"{where}: sets none of model, team, env")
        rules.append(Rule(index, str(item.get("name", f"rule {index}")), match, pattern,
                          item.get("model"), item.get("team"), item.get("env"),
                          bool(item.get("override_tags", False))))
    return rules


def load_rules(conn: duckdb.DuckDBPyConnection, settings: Settings) -> list[Rule]:
    rules = parse_rules(settings)
    conn.execute("delete from attribution_rules")
    if rules:
        conn.executemany(
            "insert into attribution_rules values (?, ?, ?, ?, ?, ?, ?, ?)",
            [[r.order, r.name, r.match, r.pattern, r.model, r.team, r.env, r.override_tags]
             for r in rules],
        )
    return rules


def load_process_patterns(conn: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    """[attribution] process_model_patterns (regexes, first group = model), else the defaults."""
    raw: Any = settings.section("attribution").get("process_model_patterns",
                                                   list(DEFAULT_PROCESS_MODEL_PATTERNS))
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise ConfigError(f"{settings.config_path}: [attribution] process_model_patterns must be "
                          "a list of regular expressions")
    for pattern in raw:
        try:
            conn.execute("select regexp_extract('', ?, 1)", [pattern])
        except duckdb.Error as exc:
            raise ConfigError(f"{settings.config_path}: process model pattern {pattern!r} is not a "
                              f"valid regular expression: {exc}") from exc
    conn.execute("delete from process_model_patterns")
    if raw:
        conn.executemany("insert into process_model_patterns values (?, ?)",
                         [[i, p] for i, p in enumerate(raw, start=1)])
    return list(raw)
