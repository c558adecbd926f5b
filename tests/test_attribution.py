"""Attribution by tags and rules, its precedence, tag coverage, and incremental refresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifinops.analysis.refresh import refresh
from aifinops.config import Settings, load_settings
from aifinops.errors import ConfigError
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.store import open_store
from tests.cur_builders import Line, cur2_layout, write_cur2_parquet

TAGGED = {"user_model": "llama", "user_team": "research"}


def world(root: Path) -> None:
    write_cur2_parquet(cur2_layout(root, "2026-10"), [
        Line("2026-10-01 00:00:00", 10.0, resource="i-tagged", tags=TAGGED),
        Line("2026-10-01 00:00:00", 4.0, resource="i-0dev1"),  # untagged, a rule claims it
        Line("2026-10-01 00:00:00", 3.0, resource="i-conflict", tags=TAGGED),
        Line("2026-10-01 00:00:00", 2.0, resource="i-orphan"),  # nobody's
        Line("2026-10-01 00:00:00", 1.0, type="Tax", resource="", instance_type=""),
    ])
    write_cur2_parquet(cur2_layout(root, "2026-11"), [
        Line("2026-11-01 00:00:00", 5.0, resource="i-tagged", tags=TAGGED,
             period="2026-11-01 00:00:00"),
    ])


def settings_with(tmp_path: Path, rules: str) -> Settings:
    cfg = tmp_path / "aifinops.toml"
    cfg.write_text(f'[database]\npath = "{tmp_path / "a.duckdb"}"\n{rules}')
    return load_settings(config=cfg)


RULES = """
[[attribution.rules]]
name = "dev boxes"
match = "ResourceId"
pattern = "i-0dev*"
model = "notebooks"
team = "platform"

[[attribution.rules]]
name = "conflict says recsys"
match = "ResourceId"
pattern = "i-conflict"
model = "recsys"
"""


def attribution(settings: Settings) -> dict[str, tuple[str, str, str]]:
    with open_store(settings) as store:
        rows = store.conn.execute(
            "select coalesce(resource_id, '(none)'), model, team, model_source from cost_daily "
            "where month = '2026-10'").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_precedence_tag_then_rule_then_unattributed(tmp_path: Path) -> None:
    world(tmp_path / "cur")
    settings = settings_with(tmp_path, RULES)
    with open_store(settings) as store:
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        refresh(store, settings)
    got = attribution(settings)
    assert got["i-tagged"] == ("llama", "research", "tag")
    assert got["i-0dev1"] == ("notebooks", "platform", "rule:dev boxes")
    assert got["i-conflict"] == ("llama", "research", "tag")  # the tag wins by default
    assert got["i-orphan"] == ("unattributed", "unattributed", "unattributed")
    assert got["(none)"] == ("unattributed", "unattributed", "unattributed")  # tax


def test_override_rule_wins_and_editing_rules_reattributes_history(tmp_path: Path) -> None:
    world(tmp_path / "cur")
    settings = settings_with(tmp_path, RULES)
    with open_store(settings) as store:
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        refresh(store, settings)
    settings = settings_with(tmp_path, RULES + "override_tags = true\n")
    with open_store(settings) as store:
        report = refresh(store, settings)
    assert report.rebuilt == []  # no load changed: no rollup rebuilt, only attribution
    assert attribution(settings)["i-conflict"] == ("recsys", "research", "rule:conflict says recsys")


def test_cost_sums_to_effective_cost_and_coverage(tmp_path: Path) -> None:
    world(tmp_path / "cur")
    settings = settings_with(tmp_path, RULES)
    with open_store(settings) as store:
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        refresh(store, settings)
        total = store.conn.execute("select sum(EffectiveCost) from focus_costs").fetchone()
        by_model = store.conn.execute("select sum(cost) from cost_daily").fetchone()
        assert total is not None and by_model is not None
        assert by_model[0] == pytest.approx(total[0])
        cov = store.conn.execute(
            "select cost, cost_with_model, model_coverage_pct, cost_model_by_rule "
            "from tag_coverage where month = '2026-10'").fetchone()
    assert cov == pytest.approx((20.0, 17.0, 85.0, 4.0))


def test_refresh_rebuilds_only_changed_periods(tmp_path: Path) -> None:
    root = tmp_path / "cur"
    world(root)
    settings = settings_with(tmp_path, "")
    with open_store(settings) as store:
        ingest_aws_cur(store, str(root), settings=settings)
        first = refresh(store, settings)
        assert sorted(p for _, p in first.rebuilt) == ["2026-10", "2026-11"]
        write_cur2_parquet(cur2_layout(root, "2026-11"), [
            Line("2026-11-01 00:00:00", 7.0, resource="i-tagged", tags=TAGGED,
                 period="2026-11-01 00:00:00")])
        ingest_aws_cur(store, str(root), settings=settings)
        second = refresh(store, settings)
        assert second.rebuilt == [("aws:111122223333", "2026-11")]
        nov = store.conn.execute(
            "select sum(cost) from cost_daily where month = '2026-11'").fetchone()
        assert nov == (7.0,)
        assert refresh(store, settings, full=True).rebuilt == first.rebuilt


def test_bad_rules_are_reported(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, '[[attribution.rules]]\nmatch = "Colour"\npattern = "x"\n'
                                       'model = "m"\n')
    with (pytest.raises(ConfigError, match="match = 'Colour'; expected one of ResourceId"),
          open_store(settings) as store):
        refresh(store, settings)
