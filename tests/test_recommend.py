"""The engine: stable ids, merging with stored state, the audit trail, user rules, bad rules.

A user rule reading a table the test fills (`t_cands`) stands in for real data, so each test says
exactly which candidates a run sees.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from aifinops.analysis.recommend import (
    RecommendationError,
    change_status,
    get_recommendation,
    history,
    list_recommendations,
    run_recommendations,
    short_id,
)
from aifinops.analysis.rules import RuleFile, all_rules, shipped_rules, thresholds, variables_used
from aifinops.config import Settings, load_settings
from aifinops.errors import ConfigError
from aifinops.store import Store, open_store
from tests.rule_fixtures import AS_OF

USER_RULE = """
-- my_rule: whatever t_cands says (a test double for a real rule)
SELECT 'my_rule' AS rule, resource_id, 'aws' AS provider, NULL AS model, 'ml' AS team,
       'Fix ' || resource_id AS title, json_object('n', saving) AS evidence,
       saving AS monthly_saving_usd, 0.8 AS confidence, 'stop_instance' AS action_kind,
       json_object('instance_ids', [resource_id], 'region', 'us-east-1') AS action_params,
       ['billed_hours'] AS signals_used, []::VARCHAR[] AS signals_missing
FROM t_cands
"""

TODAY = date(2026, 11, 30)


@pytest.fixture
def env(tmp_path: Path) -> tuple[Settings, Path]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "my_rule.sql").write_text(USER_RULE)
    cfg = tmp_path / "aifinops.toml"
    cfg.write_text(f'[database]\npath = "{tmp_path / "e.duckdb"}"\n'
                   '[recommendations]\nrules_dir = "rules"\n')
    settings = load_settings(config=cfg)
    with open_store(settings) as store:
        store.conn.execute("create table t_cands (resource_id varchar, saving double)")
    return settings, rules


def rule(settings: Settings) -> list[RuleFile]:
    return [r for r in all_rules(settings) if r.name == "my_rule"]


def run(settings: Settings, cands: dict[str, float], today: date = TODAY) -> dict[str, str]:
    """Set t_cands, run the engine; return resource → status of every stored recommendation."""
    with open_store(settings) as store:
        store.conn.execute("delete from t_cands")
        if cands:
            store.conn.executemany("insert into t_cands values (?, ?)", list(cands.items()))
        report = run_recommendations(store, settings, as_of=AS_OF, today=today,
                                     rules=rule(settings))
        assert report.rules_failed == {}
        return {r.resource_id: r.status for r in list_recommendations(store.conn, None)}


def rec_id(resource: str) -> str:
    return short_id("my_rule", resource)


def events(store: Store, resource: str) -> list[tuple[str | None, str, str, str | None]]:
    return [(e.from_status, e.to_status, e.actor, e.reason) for e in history(store.conn, rec_id(resource))]


def test_ids_are_stable_and_state_survives_runs(env: tuple[Settings, Path]) -> None:
    settings, _ = env
    assert run(settings, {"i-a": 100, "i-b": 50}) == {"i-a": "open", "i-b": "open"}
    with open_store(settings) as store:
        first = {r.resource_id: r.id for r in list_recommendations(store.conn, None)}
        assert first["i-a"] == rec_id("i-a") and first["i-a"].startswith("R-")
        assert len(first["i-a"]) == 6
        change_status(store, first["i-a"], "accept", by="alice")
    assert run(settings, {"i-a": 120, "i-b": 50}) == {"i-a": "accepted", "i-b": "open"}
    with open_store(settings) as store:
        again = {r.resource_id: r.id for r in list_recommendations(store.conn, None)}
        assert again == first
        rec = get_recommendation(store.conn, first["i-a"].lower().removeprefix("r-"))
        assert rec.monthly_saving_usd == 120  # fields follow the latest run
        assert rec.evidence == {"n": 120.0}


def test_disappearing_candidates_resolve_and_can_return(env: tuple[Settings, Path]) -> None:
    settings, _ = env
    run(settings, {"i-a": 100, "i-b": 50})
    with open_store(settings) as store:
        change_status(store, rec_id("i-b"), "accept", by="alice")
    assert run(settings, {}) == {"i-a": "resolved", "i-b": "resolved"}
    assert run(settings, {"i-a": 100}) == {"i-a": "open", "i-b": "resolved"}
    with open_store(settings) as store:
        assert events(store, "i-a") == [
            (None, "open", "aifinops", "new candidate"),
            ("open", "resolved", "aifinops", "no longer a candidate"),
            ("resolved", "open", "aifinops", "a candidate again"),
        ]
        assert not get_recommendation(store.conn, rec_id("i-b")).present


def test_dismissed_stays_dismissed_unless_the_saving_grows_past_the_factor(
        env: tuple[Settings, Path]) -> None:
    settings, _ = env
    run(settings, {"i-a": 100})
    with open_store(settings) as store:
        with pytest.raises(RecommendationError, match="--reason"):
            change_status(store, rec_id("i-a"), "dismiss", by="bob")
        change_status(store, rec_id("i-a"), "dismiss", by="bob", reason="it is the DR box")
    assert run(settings, {"i-a": 150}) == {"i-a": "dismissed"}
    assert run(settings, {}) == {"i-a": "dismissed"}          # not resolved either
    assert run(settings, {"i-a": 200}) == {"i-a": "dismissed"}  # 2× exactly is not "past"
    assert run(settings, {"i-a": 201}) == {"i-a": "open"}
    with open_store(settings) as store:
        trail = events(store, "i-a")
    assert trail[1] == ("open", "dismissed", "bob", "it is the DR box")
    assert trail[2][:3] == ("dismissed", "open", "aifinops")
    assert "grew from 100.00 to 201.00" in (trail[2][3] or "")


def test_regrow_factor_is_configurable(tmp_path: Path) -> None:
    cfg = tmp_path / "aifinops.toml"
    cfg.write_text('[recommendations]\ndismiss_regrow_factor = "two"\n')
    with pytest.raises(ConfigError, match="dismiss_regrow_factor"):
        from aifinops.analysis.rules import engine_number
        engine_number(load_settings(config=cfg), "dismiss_regrow_factor", 2.0)


def test_snooze_reopens_on_its_date(env: tuple[Settings, Path]) -> None:
    settings, _ = env
    run(settings, {"i-a": 100})
    with open_store(settings) as store:
        with pytest.raises(RecommendationError, match="not in the future"):
            change_status(store, rec_id("i-a"), "snooze", until=TODAY, today=TODAY)
        rec = change_status(store, rec_id("i-a"), "snooze", until=date(2026, 12, 15),
                            today=TODAY, by="carol")
        assert rec.status == "snoozed" and rec.snoozed_until == date(2026, 12, 15)
    assert run(settings, {"i-a": 100}, today=date(2026, 12, 14)) == {"i-a": "snoozed"}
    assert run(settings, {"i-a": 100}, today=date(2026, 12, 15)) == {"i-a": "open"}
    with open_store(settings) as store:
        assert events(store, "i-a")[-1] == ("snoozed", "open", "aifinops",
                                            "snoozed until 2026-12-15, which has come")
        assert get_recommendation(store.conn, rec_id("i-a")).snoozed_until is None


def test_transitions_refused_from_the_wrong_state(env: tuple[Settings, Path]) -> None:
    settings, _ = env
    run(settings, {"i-a": 100})
    run(settings, {})
    with open_store(settings) as store:
        with pytest.raises(RecommendationError, match="is resolved; accept needs"):
            change_status(store, rec_id("i-a"), "accept")
        with pytest.raises(RecommendationError, match="no recommendation R-ffff"):
            change_status(store, "R-ffff", "accept")


def test_audit_names_the_os_user_by_default(env: tuple[Settings, Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = env
    run(settings, {"i-a": 100})
    monkeypatch.setattr("getpass.getuser", lambda: "dana")
    with open_store(settings) as store:
        change_status(store, rec_id("i-a"), "accept", reason="saw it too")
        assert events(store, "i-a")[-1] == ("open", "accepted", "dana", "saw it too")


def test_id_clash_lengthens_the_newer_id(env: tuple[Settings, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = env
    # make every hash start the same: the second key must get a longer id, the first keeps its own
    import aifinops.analysis.recommend as engine

    monkeypatch.setattr(engine, "short_id", lambda rule, res, length=4: "R-" + ("abcdef" + res)[:length])
    run(settings, {"i-a": 100})
    run(settings, {"i-a": 100, "i-b": 100})
    with open_store(settings) as store:
        ids = {r.resource_id: r.id for r in list_recommendations(store.conn, None)}
    assert ids == {"i-a": "R-abcd", "i-b": "R-abcde"}


def test_a_failing_rule_is_reported_and_resolves_nothing(env: tuple[Settings, Path]) -> None:
    settings, folder = env
    run(settings, {"i-a": 100})
    (folder / "my_rule.sql").write_text("SELECT * FROM no_such_table")
    with open_store(settings) as store:
        report = run_recommendations(store, settings, as_of=AS_OF, rules=rule(settings))
        assert "my_rule" in report.rules_failed and "no_such_table" in report.rules_failed["my_rule"]
        assert get_recommendation(store.conn, rec_id("i-a")).status == "open"


@pytest.mark.parametrize(("body", "message"), [
    ("SELECT 1 AS rule", "wrong columns"),
    (USER_RULE.replace("'my_rule' AS rule", "'other' AS rule"), "not the file name"),
    (USER_RULE.replace("0.8 AS confidence", "1.5 AS confidence"), "within 0..1"),
    (USER_RULE.replace("'stop_instance'", "'reboot'"), "unknown action_kind"),
    (f"SELECT * FROM ({USER_RULE}) UNION ALL SELECT * FROM ({USER_RULE})", "appears 2 times"),
])
def test_rule_output_is_checked(env: tuple[Settings, Path], body: str, message: str) -> None:
    settings, folder = env
    (folder / "my_rule.sql").write_text(body)
    with open_store(settings) as store:
        store.conn.execute("insert into t_cands values ('i-a', 10)")
        report = run_recommendations(store, settings, as_of=AS_OF, rules=rule(settings))
    assert message in report.rules_failed["my_rule"]


def test_min_saving_filters_candidates(env: tuple[Settings, Path]) -> None:
    settings, _ = env
    assert run(settings, {"i-a": 100, "i-b": 9.99}) == {"i-a": "open"}


def test_user_rules_folder_and_disabled(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "spot_candidate.sql").write_text("SELECT 1")
    cfg = tmp_path / "aifinops.toml"
    cfg.write_text('[recommendations]\nrules_dir = "rules"\n')
    with pytest.raises(ConfigError, match="name of a shipped rule"):
        all_rules(load_settings(config=cfg))
    (tmp_path / "rules" / "spot_candidate.sql").unlink()
    (tmp_path / "rules" / "mine.sql").write_text("SELECT 1")
    cfg.write_text('[recommendations]\nrules_dir = "rules"\ndisabled = ["spend_anomaly"]\n')
    names = [r.name for r in all_rules(load_settings(config=cfg))]
    assert "mine" in names and "spend_anomaly" not in names and "idle_gpu_instance" in names


def test_thresholds_from_config_are_checked(tmp_path: Path) -> None:
    cfg = tmp_path / "aifinops.toml"
    cfg.write_text('[gpu]\nidle_util_pct = 3\n[recommendations]\nidle_gpu_window_days = 14\n'
                   'spot_workload_patterns = ["*gpu*"]\n')
    values = thresholds(load_settings(config=cfg))
    assert values["idle_gpu_window_days"] == 14 and values["idle_gpu_util_pct"] == 3.0
    assert values["spot_workload_patterns"] == ("*gpu*",)
    for bad, message in (("idle_gpu_window_days = 1.5", "whole number"),
                         ("nope = 1", "unknown setting 'nope'"),
                         ("spot_workload_patterns = 'x'", "list of strings"),
                         ("anomaly_factor = -1", "non-negative")):
        cfg.write_text(f"[recommendations]\n{bad}\n")
        with pytest.raises(ConfigError, match=message):
            thresholds(load_settings(config=cfg))


def test_every_shipped_rule_documents_its_thresholds() -> None:
    """Each rule's header names every threshold it reads, so a reader knows what to tune."""
    known = set(thresholds(Settings(db_path=Path("x"))))
    for rule_file in shipped_rules():
        sql = rule_file.sql()
        header = "\n".join(line for line in sql.splitlines() if line.startswith("--"))
        assert header.startswith(f"-- {rule_file.name}:"), rule_file.name
        used = variables_used(sql)
        assert used <= known, (rule_file.name, used - known)
        for name in used:
            assert name in header, f"{rule_file.name} does not document {name}"
        assert "Saving" in header and "onfidence" in header, rule_file.name


def test_budget_config_is_checked(tmp_path: Path) -> None:
    cfg = tmp_path / "aifinops.toml"
    cfg.write_text(f'[database]\npath = "{tmp_path / "b.duckdb"}"\n[budgets.team]\nml = -5\n')
    settings = load_settings(config=cfg)
    with open_store(settings) as store, pytest.raises(ConfigError, match="positive number"):
        run_recommendations(store, settings, rules=[])

