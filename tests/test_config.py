"""Where settings come from: --db, then $AIFINOPS_DB, then aifinops.toml, then the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifinops.config import default_db_path, load_settings
from aifinops.errors import ConfigError


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AIFINOPS_DB", raising=False)
    monkeypatch.delenv("AIFINOPS_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().db_path == tmp_path / "xdg" / "aifinops" / "aifinops.duckdb"
    assert default_db_path() == tmp_path / "xdg" / "aifinops" / "aifinops.duckdb"
    (tmp_path / "aifinops.toml").write_text('[database]\npath = "from-toml.duckdb"\n')
    assert load_settings().db_path == tmp_path / "from-toml.duckdb"
    monkeypatch.setenv("AIFINOPS_DB", str(tmp_path / "from-env.duckdb"))
    assert load_settings().db_path == tmp_path / "from-env.duckdb"
    assert load_settings(db=tmp_path / "flag.duckdb").db_path == tmp_path / "flag.duckdb"


def test_tag_keys_override_and_bad_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[attribution.tag_keys]\nmodel = ["ml_model"]\n')
    settings = load_settings(config=cfg)
    assert settings.tag_keys["model"] == ["ml_model"]
    assert "user_team" in settings.tag_keys["team"]
    cfg.write_text("[attribution.tag_keys]\nmodel = 3\n")
    with pytest.raises(ConfigError, match="must be a list of strings"):
        load_settings(config=cfg)
    cfg.write_text("[database\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config=cfg)
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config=tmp_path / "missing.toml")
