"""`[sync]` and `[[sync.sources]]` in aifinops.toml, checked before anything runs.

A typo in a source must fail the whole sync at once with the source's number and the key, not
an hour later with a half-loaded night. Relative paths are relative to the config file, so a
crontab line works from any directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aifinops.config import Settings
from aifinops.errors import ConfigError
from aifinops.reports.write import parse_formats

# type → (required keys, optional keys); every value is a string unless listed in BOOL/NUMBER.
SOURCE_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "aws-cur": (frozenset({"uri"}), frozenset({"profile", "region", "endpoint_url", "force"})),
    "gcp-billing": (frozenset(), frozenset({"table", "path", "project", "location", "pushdown",
                                            "lookback_months", "api_endpoint", "anonymous",
                                            "force"})),
    "focus": (frozenset({"path"}), frozenset({"provider", "account", "currency", "profile",
                                              "region", "endpoint_url", "force"})),
    "nvidia-smi": (frozenset({"glob"}), frozenset({"host", "tz", "columns", "processes"})),
    "spool": (frozenset({"path"}), frozenset({"archive", "keep"})),
    "dcgm": (frozenset({"url"}), frozenset({"host", "interval"})),
    "traffic": (frozenset({"path"}), frozenset({"model"})),
}
BOOL_KEYS = frozenset({"force", "pushdown", "anonymous", "processes", "keep"})
NUMBER_KEYS = frozenset({"lookback_months", "interval"})
LOCAL_PATH_KEYS = frozenset({"uri", "path", "glob", "archive", "url"})
BUDGET_ALERTS = ("forecast", "over", "off")


@dataclass(frozen=True)
class SourceSpec:
    index: int
    type: str
    name: str
    options: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class SyncConfig:
    sources: list[SourceSpec]
    report_formats: list[str]
    report_dir: Path
    report_period: str | None
    alert_new_saving_usd: float | None
    alert_on_budget: str
    lock_wait_s: float = 60.0
    extra: dict[str, Any] = field(default_factory=dict)


def _base(settings: Settings) -> Path:
    return settings.config_path.resolve().parent if settings.config_path else Path.cwd()


def _resolve(settings: Settings, value: str) -> str:
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else _base(settings) / path)


def _source(settings: Settings, index: int, raw: Any) -> SourceSpec:
    where = f"[[sync.sources]] #{index} in {settings.config_path}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    kind = raw.get("type")
    if kind not in SOURCE_KEYS:
        raise ConfigError(f"{where}: type must be one of {', '.join(SOURCE_KEYS)}, got {kind!r}")
    required, optional = SOURCE_KEYS[kind]
    allowed = required | optional | {"type", "name"}
    for key in raw:
        if key not in allowed:
            raise ConfigError(f"{where} ({kind}): unknown key {key!r}; known: "
                              f"{', '.join(sorted(allowed))}")
    for key in sorted(required):
        if key not in raw:
            raise ConfigError(f"{where} ({kind}): {key} is required")
    if kind == "gcp-billing" and "table" not in raw and "path" not in raw:
        raise ConfigError(f"{where} (gcp-billing): give table = \"PROJECT.DATASET.TABLE\" or "
                          "path = \"folder of exported files\"")
    options: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("type", "name"):
            continue
        if key in BOOL_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"{where} ({kind}): {key} must be true or false")
        elif key in NUMBER_KEYS:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{where} ({kind}): {key} must be a non-negative number")
        elif not isinstance(value, str) or not value:
            raise ConfigError(f"{where} ({kind}): {key} must be a non-empty string")
        options[key] = _resolve(settings, value) if key in LOCAL_PATH_KEYS else value
    target = next((str(raw[k]) for k in ("uri", "table", "path", "glob", "url") if k in raw), "")
    name = raw.get("name") or f"{kind} {target}"
    if not isinstance(name, str):
        raise ConfigError(f"{where}: name must be a string")
    return SourceSpec(index, kind, name, options)


def load_sync_config(settings: Settings) -> SyncConfig:
    section = settings.section("sync")
    where = f"[sync] in {settings.config_path}"
    known = {"sources", "report_formats", "report_dir", "report_period", "alert_new_saving_usd",
             "alert_on_budget", "lock_wait_s"}
    for key in section:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; known: {', '.join(sorted(known))}")
    raw_sources = section.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{where}: sources must be an array of tables ([[sync.sources]])")
    sources = [_source(settings, i, raw) for i, raw in enumerate(raw_sources, start=1)]
    formats_raw = section.get("report_formats", ["md", "html", "json"])
    if not isinstance(formats_raw, list) or not all(isinstance(f, str) for f in formats_raw):
        raise ConfigError(f"{where}: report_formats must be a list such as [\"md\", \"html\"]")
    formats = parse_formats(formats_raw) if formats_raw else []
    report_dir_raw = section.get("report_dir") or settings.section("reports").get("out") \
        or "reports"
    if not isinstance(report_dir_raw, str):
        raise ConfigError(f"{where}: report_dir must be a string")
    saving = section.get("alert_new_saving_usd")
    if saving is not None and (isinstance(saving, bool) or not isinstance(saving, int | float)
                               or saving < 0):
        raise ConfigError(f"{where}: alert_new_saving_usd must be a non-negative number of USD")
    budget = section.get("alert_on_budget", "forecast")
    if budget not in BUDGET_ALERTS:
        raise ConfigError(f"{where}: alert_on_budget must be one of {', '.join(BUDGET_ALERTS)}")
    period = section.get("report_period")
    if period is not None and not isinstance(period, str):
        raise ConfigError(f"{where}: report_period must be a string such as \"7d\"")
    wait = section.get("lock_wait_s", 60)
    if isinstance(wait, bool) or not isinstance(wait, int | float) or wait < 0:
        raise ConfigError(f"{where}: lock_wait_s must be a non-negative number of seconds")
    return SyncConfig(sources=sources, lock_wait_s=float(wait), report_formats=formats,
                      report_dir=Path(_resolve(settings, report_dir_raw)),
                      report_period=period,
                      alert_new_saving_usd=None if saving is None else float(saving),
                      alert_on_budget=str(budget))
