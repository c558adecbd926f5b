"""The recommendation engine: run every rule, give each candidate a stable id, merge with state.

A rule (see `aifinops.analysis.rules`) only says what it sees today. What a person decided about
it lives here: `recommendations` keeps one row per (rule, resource) for ever, so the same idle
instance has the same id next week, a dismissed one stays dismissed, and every change of state
is an event in `recommendation_events` with who, when, from, to and why.

States: open → accepted → applied | failed; open/accepted/failed → dismissed (with a reason) or
snoozed (until a date; the first run on or after that date reopens it). A candidate that a
rule stops emitting is *resolved* (the engine's own state: the problem went away, whoever fixed
it); it reopens if the rule emits it again. Applied and dismissed recommendations keep their state
whether or not the rule still emits them, except that a dismissed one reopens when its saving
grows past `[recommendations] dismiss_regrow_factor` × the saving it had when dismissed.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from aifinops.analysis.rules import (
    ACTION_KINDS,
    RULE_COLUMNS,
    RuleFile,
    all_rules,
    engine_number,
    set_variables,
    thresholds,
)
from aifinops.config import Settings
from aifinops.errors import AifinopsError, ConfigError
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction

STATUSES = ("open", "accepted", "applied", "failed", "dismissed", "snoozed", "resolved")
# What `aifinops recs` lists when no --status is given: what still wants a decision or an action.
ACTIONABLE = ("open", "accepted", "failed")
ENGINE_ACTOR = "aifinops"
ID_MIN_HEX = 4  # R-1f3a; a clash with another (rule, resource) lengthens the newer id

# (allowed from, to) for each user command; apply's own transitions live in `record_outcome`.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"open", "snoozed", "dismissed", "failed"}), "accepted"),
    "dismiss": (frozenset({"open", "accepted", "snoozed", "failed"}), "dismissed"),
    "snooze": (frozenset({"open", "accepted", "failed"}), "snoozed"),
}

_CANDIDATE_TYPES = {
    "rule": "VARCHAR", "resource_id": "VARCHAR", "provider": "VARCHAR", "model": "VARCHAR",
    "team": "VARCHAR", "title": "VARCHAR", "evidence": "JSON", "monthly_saving_usd": "DOUBLE",
    "confidence": "DOUBLE", "action_kind": "VARCHAR", "action_params": "JSON",
    "signals_used": "VARCHAR[]", "signals_missing": "VARCHAR[]",
}


class RecommendationError(AifinopsError):
    """A command that cannot apply to a recommendation in its current state."""


@dataclass
class Recommendation:
    id: str
    rule: str
    resource_id: str
    provider: str | None
    model: str | None
    team: str | None
    title: str
    evidence: dict[str, Any]
    monthly_saving_usd: float
    confidence: float
    action_kind: str
    action_params: dict[str, Any]
    signals_used: list[str]
    signals_missing: list[str]
    status: str
    status_reason: str | None
    snoozed_until: date | None
    dismissed_saving_usd: float | None
    present: bool
    first_seen_at: datetime
    last_seen_at: datetime
    updated_at: datetime

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.confidence)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, date | datetime) else value
        out["confidence_label"] = self.confidence_label
        return out


@dataclass(frozen=True)
class Event:
    rec_id: str
    changed_at: datetime
    actor: str
    from_status: str | None
    to_status: str
    reason: str | None
    run_id: int | None


@dataclass
class RunReport:
    run_id: int
    as_of: datetime
    rules_ok: list[str] = field(default_factory=list)
    rules_failed: dict[str, str] = field(default_factory=dict)
    candidates: int = 0
    opened: int = 0
    reopened: int = 0
    resolved: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for a CLI after ingest or refresh (rule failures listed apart)."""
        through = self.as_of - timedelta(days=1)
        return (f"recommendations: {self.candidates} from {len(self.rules_ok)} rule(s) on data "
                f"through {through:%Y-%m-%d}: {self.opened} new, {self.reopened} reopened, "
                f"{self.resolved} resolved ({self.seconds:.2f} s)"
                + (f"; {len(self.rules_failed)} rule(s) failed: {', '.join(self.rules_failed)}"
                   if self.rules_failed else ""))


def confidence_label(value: float) -> str:
    """0..1 in three words: people read 'high' faster than 0.82."""
    if value >= 0.75:
        return "high"
    if value >= 0.45:
        return "medium"
    return "low"


def current_actor(by: str | None = None) -> str:
    """Who to write in the audit trail: --by, else the OS user."""
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return os.environ.get("USER") or "unknown"


def short_id(rule: str, resource_id: str, length: int = ID_MIN_HEX) -> str:
    digest = hashlib.sha256(f"{rule}\x00{resource_id}".encode()).hexdigest()
    return f"R-{digest[:length]}"


def normalise_id(value: str) -> str:
    text = value.strip().lower()
    return "R-" + (text[2:] if text.startswith("r-") else text)


def data_as_of(conn: duckdb.DuckDBPyConnection) -> datetime:
    """End (exclusive) of the data rules look at: the day after the last day of usage billed.

    Windows end at the data, not at the clock, so a bill that lags a day does not look like a
    day of zero spend, and the demo world (November 2026) works on any date.
    """
    row = conn.execute(
        "select max(day) from cost_daily_rollup where ChargeCategory = 'Usage'").fetchone()
    if row and row[0] is not None:
        return datetime.combine(row[0] + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    try:
        row = conn.execute("select max(hour) from gpu_hourly").fetchone()
    except duckdb.CatalogException:
        row = None
    if row and row[0] is not None:
        last: datetime = row[0]
        return datetime.combine(last.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return datetime.combine(datetime.now(UTC).date(), datetime.min.time(), tzinfo=UTC)


def open_savings(recs: Iterable[Mapping[str, Any]]) -> float:
    """What the open recommendations would save a month, without double counting: the largest
    per resource (an idle instance is often a spot candidate too), budget overruns left out
    (they are cuts to find, not savings). The report and the app say the same number."""
    best: dict[str, float] = {}
    for r in recs:
        if r["status"] == "open" and r["rule"] != "budget_overrun":
            key = str(r["resource_id"])
            best[key] = max(best.get(key, 0.0), float(r["monthly_saving_usd"]))
    return round(sum(best.values()), 2)


def configured_budgets(settings: Settings) -> list[tuple[str, str, float]]:
    """`[budgets.team]` and `[budgets.model]` as (dimension, name, monthly USD), checked."""
    section = settings.section("budgets")
    rows: list[tuple[str, str, float]] = []
    for dimension, table in section.items():
        if dimension not in ("team", "model") or not isinstance(table, dict):
            raise ConfigError(f"[budgets] in {settings.config_path}: expected tables [budgets.team] "
                              f"and [budgets.model] of name = monthly USD, got {dimension!r}")
        for name, amount in table.items():
            if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
                raise ConfigError(f"[budgets.{dimension}] {name} in {settings.config_path} must be "
                                  "a positive number of USD per month")
            rows.append((dimension, str(name), float(amount)))
    return rows


def load_budgets(conn: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """The configured budgets → recommendation_budgets, which the budget rule reads."""
    rows = configured_budgets(settings)
    conn.execute("delete from recommendation_budgets")
    if rows:
        conn.executemany("insert into recommendation_budgets values (?, ?, ?)", rows)
    return len(rows)


def _stage_rule(conn: duckdb.DuckDBPyConnection, rule: RuleFile, min_saving: float) -> int:
    """Run one rule into rec_candidates; raise with a message a rule author can act on."""
    body = rule.sql().strip().rstrip(";")
    conn.execute(f"create or replace temp table rec_rule_out as select * from (\n{body}\n)")
    columns = [row[0] for row in conn.execute("describe rec_rule_out").fetchall()]
    missing = [c for c in RULE_COLUMNS if c not in columns]
    extra = [c for c in columns if c not in RULE_COLUMNS]
    if missing or extra:
        raise AifinopsError(f"returns the wrong columns (missing {missing}, unexpected {extra}); "
                            f"every rule returns {', '.join(RULE_COLUMNS)}")
    problems = conn.execute(
        read_sql("recommend/candidate_checks.sql"),
        {"rule": rule.name, "kinds": list(ACTION_KINDS)}).fetchall()
    if problems:
        raise AifinopsError("; ".join(str(p[0]) for p in problems[:5]))
    # savings to the cent and confidence to 0.001: what people read, and stable across runs
    rounding = {"monthly_saving_usd": 2, "confidence": 3}
    casts = ", ".join(
        f"round(cast({c} as {t}), {rounding[c]}) as {c}" if c in rounding
        else f"cast({c} as {t}) as {c}" for c, t in _CANDIDATE_TYPES.items())
    inserted = conn.execute(
        f"insert into rec_candidates by name select {casts} from rec_rule_out "
        "where monthly_saving_usd >= ?", [min_saving]).fetchone()
    return int(inserted[0]) if inserted else 0


def _assign_ids(conn: duckdb.DuckDBPyConnection) -> None:
    """Stored (rule, resource) keep their id; new ones get the shortest free hash prefix."""
    conn.execute("update rec_candidates as c set id = r.id from recommendations as r "
                 "where r.rule = c.rule and r.resource_id = c.resource_id")
    new = conn.execute("select rule, resource_id from rec_candidates where id is null "
                       "order by rule, resource_id").fetchall()
    if not new:
        return
    taken = {row[0] for row in conn.execute("select id from recommendations").fetchall()}
    ids: list[str] = []
    for rule, resource_id in new:
        length = ID_MIN_HEX
        while (candidate := short_id(rule, resource_id, length)) in taken:
            length += 1
        taken.add(candidate)
        ids.append(candidate)
    conn.execute(
        "update rec_candidates as c set id = n.id from ("
        " select unnest($rules) as rule, unnest($resources) as resource_id, unnest($ids) as id) n "
        "where c.rule = n.rule and c.resource_id = n.resource_id",
        {"rules": [r[0] for r in new], "resources": [r[1] for r in new], "ids": ids})


def run_recommendations(
    store: Store,
    settings: Settings,
    *,
    as_of: datetime | None = None,
    today: date | None = None,
    rules: list[RuleFile] | None = None,
) -> RunReport:
    """Run every rule and merge the candidates into `recommendations`; call after `refresh`.

    A rule that fails (bad SQL, a table it needs missing) is reported in `rules_failed` and its
    stored recommendations are left untouched, so one broken user rule cannot resolve or hide
    anything else.
    """
    conn = store.conn
    t0 = time.perf_counter()
    values = thresholds(settings)
    regrow = engine_number(settings, "dismiss_regrow_factor", 2.0)
    min_saving = engine_number(settings, "min_monthly_saving_usd", 10.0)
    rule_files = rules if rules is not None else all_rules(settings)
    when = as_of or data_as_of(conn)
    now = datetime.now(UTC)
    run_id_row = conn.execute("select nextval('recommendation_run_seq')").fetchone()
    assert run_id_row is not None
    report = RunReport(run_id=int(run_id_row[0]), as_of=when)

    set_variables(conn, values, when)
    with transaction(conn):
        load_budgets(conn, settings)
    conn.execute("create or replace temp table rec_candidates as select cast(null as varchar) "
                 "as id, " + ", ".join(f"cast(null as {t}) as {c}"
                                       for c, t in _CANDIDATE_TYPES.items()) + " limit 0")
    for rule in rule_files:
        try:
            with transaction(conn):
                _stage_rule(conn, rule, min_saving)
            report.rules_ok.append(rule.name)
        except (duckdb.Error, AifinopsError) as exc:
            report.rules_failed[rule.name] = f"{rule.path}: {exc}"
    conn.execute("create or replace temp table rec_rules_ok as select unnest($r::varchar[]) as rule",
                 {"r": report.rules_ok})

    with transaction(conn):
        _assign_ids(conn)
        conn.execute("SET VARIABLE rec_now = CAST(? AS TIMESTAMPTZ)", [now])
        conn.execute("SET VARIABLE rec_today = CAST(? AS DATE)", [today or now.date()])
        conn.execute("SET VARIABLE rec_run_id = CAST(? AS BIGINT)", [report.run_id])
        conn.execute("SET VARIABLE rec_actor = CAST(? AS VARCHAR)", [ENGINE_ACTOR])
        conn.execute("SET VARIABLE rec_regrow_factor = CAST(? AS DOUBLE)", [regrow])
        conn.execute(read_sql("recommend/merge.sql"))
        counts = conn.execute(
            "select count(*) filter (where from_status is null),"
            " count(*) filter (where from_status is not null and to_status = 'open'),"
            " count(*) filter (where to_status = 'resolved')"
            " from recommendation_events where run_id = ?", [report.run_id]).fetchone()
        cand = conn.execute("select count(*) from rec_candidates").fetchone()
        assert counts is not None and cand is not None
        report.opened, report.reopened, report.resolved = (int(c) for c in counts)
        report.candidates = int(cand[0])
        report.seconds = time.perf_counter() - t0
        conn.execute(
            "insert into recommendation_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [report.run_id, now, report.seconds, when, report.rules_ok,
             json.dumps(report.rules_failed), report.candidates, report.opened, report.reopened,
             report.resolved])
    return report


# ---- reading -------------------------------------------------------------------------------

_SELECT = ("select id, rule, resource_id, provider, model, team, title, evidence, "
           "monthly_saving_usd, confidence, action_kind, action_params, signals_used, "
           "signals_missing, status, status_reason, snoozed_until, dismissed_saving_usd, present, "
           "first_seen_at, last_seen_at, updated_at from recommendations")


def _from_row(row: tuple[Any, ...]) -> Recommendation:
    values = list(row)
    values[7] = json.loads(values[7]) if values[7] else {}
    values[11] = json.loads(values[11]) if values[11] else {}
    values[12] = list(values[12] or [])
    values[13] = list(values[13] or [])
    return Recommendation(*values)


def list_recommendations(
    conn: duckdb.DuckDBPyConnection,
    statuses: tuple[str, ...] | None = ACTIONABLE,
    *,
    rule: str | None = None,
) -> list[Recommendation]:
    """Ranked by monthly saving (then id, so the order is stable)."""
    where: list[str] = []
    params: list[Any] = []
    if statuses:
        unknown = set(statuses) - set(STATUSES)
        if unknown:
            raise RecommendationError(f"unknown status {sorted(unknown)}; use {', '.join(STATUSES)}")
        where.append("list_contains(?, status)")
        params.append(list(statuses))
    if rule:
        where.append("rule = ?")
        params.append(rule)
    sql = _SELECT + (" where " + " and ".join(where) if where else "")
    sql += " order by monthly_saving_usd desc, id"
    return [_from_row(r) for r in conn.execute(sql, params).fetchall()]


def get_recommendation(conn: duckdb.DuckDBPyConnection, rec_id: str) -> Recommendation:
    row = conn.execute(_SELECT + " where lower(id) = lower(?)", [normalise_id(rec_id)]).fetchone()
    if row is None:
        raise RecommendationError(f"no recommendation {rec_id}: `aifinops recs --status all` "
                                  "lists them all")
    return _from_row(row)


def history(conn: duckdb.DuckDBPyConnection, rec_id: str) -> list[Event]:
    rows = conn.execute(
        "select rec_id, changed_at, actor, from_status, to_status, reason, run_id "
        "from recommendation_events where rec_id = ? order by event_id",
        [normalise_id(rec_id)]).fetchall()
    return [Event(*r) for r in rows]


# ---- changing state ------------------------------------------------------------------------

def _write_status(conn: duckdb.DuckDBPyConnection, rec: Recommendation, to: str, *, actor: str,
                  reason: str | None, snoozed_until: date | None = None,
                  dismissed_saving: float | None = None) -> None:
    now = datetime.now(UTC)
    conn.execute(
        "update recommendations set status = ?, status_reason = ?, snoozed_until = ?, "
        "dismissed_saving_usd = ?, updated_at = ? where id = ?",
        [to, reason, snoozed_until, dismissed_saving, now, rec.id])
    conn.execute(
        "insert into recommendation_events (rec_id, changed_at, actor, from_status, to_status, reason) "
        "values (?, ?, ?, ?, ?, ?)", [rec.id, now, actor, rec.status, to, reason])


def change_status(
    store: Store,
    rec_id: str,
    command: str,
    *,
    by: str | None = None,
    reason: str | None = None,
    until: date | None = None,
    today: date | None = None,
) -> Recommendation:
    """accept, dismiss (reason required) or snooze (until a future date), audited."""
    allowed, to = TRANSITIONS[command]
    conn = store.conn
    with transaction(conn):
        rec = get_recommendation(conn, rec_id)
        if rec.status not in allowed:
            raise RecommendationError(
                f"{rec.id} is {rec.status}; {command} needs one of: {', '.join(sorted(allowed))}")
        if command == "dismiss" and not (reason and reason.strip()):
            raise RecommendationError("dismiss needs --reason: say why, so the next person knows")
        if command == "snooze":
            if until is None:
                raise RecommendationError("snooze needs --until YYYY-MM-DD")
            if until <= (today or datetime.now(UTC).date()):
                raise RecommendationError(f"--until {until} is not in the future")
        _write_status(
            conn, rec, to, actor=current_actor(by),
            reason=reason or (f"snoozed until {until}" if command == "snooze" else None),
            snoozed_until=until if command == "snooze" else None,
            dismissed_saving=rec.monthly_saving_usd if command == "dismiss" else None)
        return get_recommendation(conn, rec.id)


def record_outcome(conn: duckdb.DuckDBPyConnection, rec: Recommendation, to: str, *, actor: str,
                   reason: str) -> None:
    """accepted → applied | failed, from the action runner (inside its transaction)."""
    if to not in ("applied", "failed"):
        raise ValueError(to)
    _write_status(conn, rec, to, actor=actor, reason=reason)
