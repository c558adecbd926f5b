"""Settings from `aifinops.toml`, overridden by environment variables and then by CLI flags.

One settings object serves the CLI, the TUI, reports and tests, so a path or a threshold is
resolved in exactly one place.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aifinops.errors import ConfigError

CONFIG_ENV = "AIFINOPS_CONFIG"
DB_ENV = "AIFINOPS_DB"
CONFIG_NAME = "aifinops.toml"

# Tag keys that name a model, team or environment, in the spellings real bills use:
# plain, legacy CUR's `user:` prefix, CUR 2.0's `user_` prefix, and GCP label keys.
DEFAULT_TAG_KEYS: dict[str, list[str]] = {
    "model": ["model", "user:model", "user_model", "ai-model", "ml-model"],
    "team": ["team", "user:team", "user_team", "owner-team", "cost-center"],
    "env": ["env", "user:env", "user_env", "environment", "user:environment", "user_environment"],
    "name": ["user_name", "user:Name", "Name", "name", "user:name"],
}


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aifinops" / "aifinops.duckdb"


def find_config_file(explicit: str | Path | None = None) -> Path | None:
    """The config file in force: --config, then $AIFINOPS_CONFIG, then ./aifinops.toml, then ~/.config."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    env = os.environ.get(CONFIG_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}={env} names a file that does not exist")
        return path
    for path in (Path.cwd() / CONFIG_NAME, Path.home() / ".config" / "aifinops" / CONFIG_NAME):
        if path.is_file():
            return path
    return None


@dataclass
class Settings:
    """Resolved settings. `raw` keeps every table of the file for sections other modules own."""

    db_path: Path
    config_path: Path | None = None
    tag_keys: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_TAG_KEYS))
    memory_limit: str = "1GB"
    threads: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] in {self.config_path} must be a table")
        return value


def load_settings(db: str | Path | None = None, config: str | Path | None = None) -> Settings:
    """Resolve the database path: --db, then $AIFINOPS_DB, then [database] path, then the default."""
    path = find_config_file(config)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    database = raw.get("database", {})
    if db:
        db_path = Path(db)
    elif os.environ.get(DB_ENV):
        db_path = Path(os.environ[DB_ENV])
    elif database.get("path"):
        db_path = Path(database["path"])
        if not db_path.is_absolute() and path is not None:
            db_path = path.parent / db_path
    else:
        db_path = default_db_path()
    tag_keys = dict(DEFAULT_TAG_KEYS)
    for dim, keys in raw.get("attribution", {}).get("tag_keys", {}).items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ConfigError(f"{path}: [attribution.tag_keys] {dim} must be a list of strings")
        tag_keys[dim] = keys
    return Settings(
        db_path=db_path.expanduser(),
        config_path=path,
        tag_keys=tag_keys,
        memory_limit=str(database.get("memory_limit", "1GB")),
        threads=database.get("threads"),
        raw=raw,
    )
