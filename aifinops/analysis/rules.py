"""Recommendation rules: the SQL files, the columns they must return, and their thresholds.

A rule is one SQL file (`sql/rules/NAME.sql`, or a user's own in `[recommendations] rules_dir`)
that returns candidates with the columns in `RULE_COLUMNS`. Thresholds are not written into the
SQL: every rule reads them with `getvariable('rec_<name>')`, and `set_variables` sets them from
`[recommendations]` in aifinops.toml over the defaults below, so a user tunes a rule without
editing it and the same file runs as-is in the DuckDB CLI after a few `SET VARIABLE`s.

Each default names its source; the rule files repeat them in their header comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from aifinops.config import Settings
from aifinops.errors import ConfigError
from aifinops.sqlfiles import sql_root

# What every rule returns, in this order (the engine checks names, not order).
RULE_COLUMNS: tuple[str, ...] = (
    "rule",                # the file's stem
    "resource_id",         # what the recommendation is about; unique per rule
    "provider",            # aws | gcp | azure
    "model",
    "team",
    "title",               # one line a person reads first
    "evidence",            # JSON object: the numbers used, so the saving can be checked by hand
    "monthly_saving_usd",  # USD per month (730 h) if acted on
    "confidence",          # 0..1, from the signals that could be checked
    "action_kind",         # see aifinops.analysis.actions.ACTION_KINDS
    "action_params",       # JSON object the action's plan and apply read
    "signals_used",        # VARCHAR[]: e.g. gpu_activity:utilization_gpu, billed_hours
    "signals_missing",     # VARCHAR[]: what could not be checked (no telemetry, no CPU data)
)

# What a rule may put in action_kind. The first five can be applied (AWS) and render a plan for
# AWS and GCP; the others are advice: their plan says what to do, `recs apply` refuses them.
APPLICABLE_KINDS: tuple[str, ...] = (
    "stop_instance",            # EC2 StopInstances / gcloud compute instances stop
    "change_instance_type",     # stop, ModifyInstanceAttribute InstanceType, start
    "storage_lifecycle",        # S3 PutBucketLifecycleConfiguration (merged with existing rules)
    "endpoint_instance_count",  # SageMaker UpdateEndpointWeightsAndCapacities
    "autoscaling_min_size",     # Auto Scaling UpdateAutoScalingGroup MinSize
)
ADVICE_KINDS: tuple[str, ...] = (
    "use_spot", "buy_commitment", "reduce_egress", "investigate_spend", "budget_overrun",
    "quantize_model", "advice",
)
ACTION_KINDS: tuple[str, ...] = APPLICABLE_KINDS + ADVICE_KINDS

# Engine settings in [recommendations] that are not rule thresholds.
ENGINE_KEYS = frozenset({"rules_dir", "disabled", "dismiss_regrow_factor", "min_monthly_saving_usd"})

RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Threshold:
    name: str
    default: float | int | str | tuple[str, ...]
    source: str


THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("hours_per_month", 730, "AWS and GCP price a month as 730 hours"),
    # idle_gpu_instance
    Threshold("idle_gpu_window_days", 7, "issue 5: idle for most hours of a 7-day window"),
    Threshold("idle_gpu_util_pct", 5.0, "[gpu] idle_util_pct, the telemetry's idle line"),
    Threshold("idle_gpu_hours_share", 0.95,
              "GCP idle-VM recommender: 97% of the window; looser for short health checks"),
    Threshold("idle_gpu_min_coverage", 0.75, "judge only hosts with telemetry for most hours"),
    Threshold("idle_gpu_terminate_after_days", 30, "idle a month: suggest terminating"),
    # oversized_gpu
    Threshold("oversized_window_days", 14, "AWS Compute Optimizer: 14-day lookback"),
    Threshold("oversized_percentile", 0.995, "AWS Compute Optimizer: P99.5 utilisation"),
    Threshold("oversized_headroom", 0.20, "AWS Compute Optimizer: 20% headroom"),
    Threshold("oversized_min_coverage", 0.75, "judge only hosts with telemetry for most hours"),
    Threshold("oversized_max_util_pct", 40.0, "low peak utilisation: P99.5 of the busiest GPU"),
    # spot_candidate
    Threshold("spot_window_days", 14, "AWS Trusted Advisor / Compute Optimizer: 14 days"),
    Threshold("spot_workload_patterns",
              ("*train*", "*batch*", "*finetun*", "*-ft-*", "*etl*", "*eval*"),
              "names, models and tags of interruptible work (globs, lower case)"),
    # commitment
    Threshold("commitment_window_days", 30, "issue 5: a steady baseline over 30 days"),
    Threshold("commitment_min_days", 28, "need nearly the whole window to size a 1-year plan"),
    Threshold("commitment_percentile", 0.10, "size at a low percentile of hourly on-demand spend"),
    Threshold("commitment_discount_aws_compute", 0.28,
              "typical 1-year no-upfront Compute Savings Plan rate on GPU instances"),
    Threshold("commitment_discount_aws_sagemaker", 0.20,
              "typical 1-year no-upfront SageMaker Savings Plan rate on ml.g/ml.p hosting"),
    Threshold("commitment_discount_gcp", 0.37, "GCP 1-year resource-based committed use discount"),
    # storage_lifecycle
    Threshold("storage_window_days", 30, "a month of daily storage to measure growth"),
    Threshold("storage_bucket_patterns", ("*checkpoint*", "*ckpt*", "*artifact*", "*scratch*"),
              "buckets of checkpoints and model artifacts (globs, lower case)"),
    Threshold("storage_min_growth_gb_per_day", 25.0, "ignore buckets that barely grow"),
    Threshold("lifecycle_ia_after_days", 30, "S3: objects must be 30 days old to move to *_IA"),
    Threshold("lifecycle_archive_after_days", 90, "S3 Glacier Instant Retrieval: 90-day minimum"),
    Threshold("lifecycle_archive_class", "GLACIER_IR", "millisecond reads for old checkpoints"),
    Threshold("lifecycle_keep_last_n", 5, "common checkpoint retention: keep the last few"),
    # egress_hotspot
    Threshold("egress_window_days", 30, "a month of transfer"),
    Threshold("egress_top_n", 5, "report the few resources that cause most transfer cost"),
    Threshold("egress_min_monthly_usd", 100.0, "not worth an engineer's time below this"),
    Threshold("egress_reducible_share", 0.25,
              "assumed share removable by compression, caching or co-location; set your own"),
    # idle_endpoint
    Threshold("endpoint_window_days", 7, "a week of traffic"),
    Threshold("endpoint_max_requests_per_hour", 10.0,
              "near-zero traffic: a request every six minutes or less per instance"),
    Threshold("endpoint_target_instances", 0, "scale to zero (inference components) or delete"),
    # autoscaling_floor
    Threshold("asg_window_days", 14, "AWS Compute Optimizer: 14-day lookback"),
    Threshold("asg_target_util_pct", 60.0, "a common target-tracking value for GPU inference"),
    Threshold("asg_headroom", 0.20, "AWS Compute Optimizer: 20% headroom"),
    Threshold("asg_percentile", 0.95, "the floor must cover 95% of quiet hours"),
    Threshold("asg_min_fleet", 2, "a fleet is two or more instances"),
    Threshold("asg_min_size_floor", 1, "never recommend a floor under this"),
    # spend_anomaly
    Threshold("anomaly_recent_days", 7, "report anomalies of the last week"),
    Threshold("anomaly_baseline_days", 14, "trailing median over two weeks (weekly seasonality)"),
    Threshold("anomaly_factor", 2.0, "a day at twice the trailing median"),
    Threshold("anomaly_min_excess_usd", 50.0, "ignore small absolute jumps"),
    # budget_overrun
    Threshold("budget_tolerance", 0.0, "flag any forecast over budget"),
    # model_efficiency
    Threshold("efficiency_window_days", 14, "AWS Compute Optimizer: 14-day lookback"),
    Threshold("quantized_memory_factor", 0.5, "FP16 → INT8 weights: half the memory"),
)

DEFAULTS: dict[str, Any] = {t.name: t.default for t in THRESHOLDS}


@dataclass(frozen=True)
class RuleFile:
    name: str
    path: Path
    shipped: bool

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def shipped_rules() -> list[RuleFile]:
    return [RuleFile(p.stem, p, True) for p in sorted((sql_root() / "rules").glob("*.sql"))]


def user_rules_dir(settings: Settings) -> Path | None:
    value = settings.section("recommendations").get("rules_dir")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"[recommendations] rules_dir in {settings.config_path} must be a path")
    path = Path(value).expanduser()
    if not path.is_absolute() and settings.config_path is not None:
        path = settings.config_path.parent / path
    if not path.is_dir():
        raise ConfigError(f"[recommendations] rules_dir {path} is not a folder")
    return path


def all_rules(settings: Settings) -> list[RuleFile]:
    """Shipped rules then the user's, minus `[recommendations] disabled`; names must not clash."""
    rules = shipped_rules()
    folder = user_rules_dir(settings)
    if folder is not None:
        names = {r.name for r in rules}
        for path in sorted(folder.glob("*.sql")):
            if not RULE_NAME.match(path.stem):
                raise ConfigError(f"rule file {path}: name it in lower_snake_case (e.g. my_rule.sql)")
            if path.stem in names:
                raise ConfigError(f"rule file {path} has the name of a shipped rule; rename it")
            rules.append(RuleFile(path.stem, path, False))
    disabled = settings.section("recommendations").get("disabled", [])
    if not isinstance(disabled, list) or not all(isinstance(d, str) for d in disabled):
        raise ConfigError(f"[recommendations] disabled in {settings.config_path} must be a list "
                          "of rule names")
    unknown = set(disabled) - {r.name for r in rules}
    if unknown:
        raise ConfigError(f"[recommendations] disabled names unknown rule(s): {sorted(unknown)}")
    return [r for r in rules if r.name not in disabled]


def thresholds(settings: Settings) -> dict[str, Any]:
    """Defaults overlaid by `[recommendations]`, each value checked against its default's type."""
    section = settings.section("recommendations")
    values = dict(DEFAULTS)
    gpu_idle = settings.section("gpu").get("idle_util_pct")
    if isinstance(gpu_idle, int | float) and not isinstance(gpu_idle, bool):
        values["idle_gpu_util_pct"] = float(gpu_idle)
    where = f"[recommendations] in {settings.config_path}"
    for key, value in section.items():
        if key in ENGINE_KEYS:
            continue
        if key not in DEFAULTS:
            raise ConfigError(f"{where}: unknown setting {key!r}; known: "
                              f"{', '.join(sorted(DEFAULTS) + sorted(ENGINE_KEYS))}")
        default = DEFAULTS[key]
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: {key} must be a list of strings")
            values[key] = tuple(value)
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise ConfigError(f"{where}: {key} must be a string")
            values[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{where}: {key} must be a non-negative number")
            if isinstance(default, int) and not float(value).is_integer():
                raise ConfigError(f"{where}: {key} must be a whole number")
            values[key] = int(value) if isinstance(default, int) else float(value)
    return values


def engine_number(settings: Settings, key: str, default: float) -> float:
    value = settings.section("recommendations").get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"[recommendations] {key} in {settings.config_path} must be a "
                          "non-negative number")
    return float(value)


def set_variables(conn: duckdb.DuckDBPyConnection, values: dict[str, Any], as_of: datetime) -> None:
    """`SET VARIABLE rec_<name>` for every threshold, plus `rec_as_of` (window end, exclusive)."""
    conn.execute("SET VARIABLE rec_as_of = CAST(? AS TIMESTAMPTZ)", [as_of])
    for name, value in values.items():
        if isinstance(value, tuple):
            conn.execute(f"SET VARIABLE rec_{name} = CAST(? AS VARCHAR[])", [list(value)])
        elif isinstance(value, str):
            conn.execute(f"SET VARIABLE rec_{name} = CAST(? AS VARCHAR)", [value])
        elif isinstance(value, int):
            conn.execute(f"SET VARIABLE rec_{name} = CAST(? AS INTEGER)", [value])
        else:
            conn.execute(f"SET VARIABLE rec_{name} = CAST(? AS DOUBLE)", [value])


def variables_used(sql: str) -> set[str]:
    """The thresholds a rule reads (`getvariable('rec_x')` → x), to check its header names them."""
    return {m for m in re.findall(r"getvariable\('rec_([a-z0-9_]+)'\)", sql) if m != "as_of"}
