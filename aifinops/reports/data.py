"""Gather everything a report says, once, so every format tells the same story.

Each section is a table of plain values with typed columns; renderers only format. The numbers
come from the same views a user queries (`cost_daily`, `model_cost`, `resource_hourly`,
`spend_forecast`, `recommendations`), through the SQL files in `sql/reports/`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

from aifinops.analysis.recommend import configured_budgets, open_savings
from aifinops.analysis.rules import thresholds
from aifinops.config import Settings
from aifinops.reports.period import Period, next_month, parse_period
from aifinops.sqlfiles import read_sql

Kind = Literal["text", "usd", "pct", "hours", "count", "date", "time", "number"]
SCHEMA_VERSION = 1
_PARAM = re.compile(r"\$([a-z_]+)")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = "text"


@dataclass
class Section:
    """One table of the report; `rows` are dicts keyed by column key."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""

    def column(self, key: str) -> list[Any]:
        return [row.get(key) for row in self.rows]


@dataclass
class Change:
    """A recommendation that appeared, moved, or went away since the previous report."""

    kind: Literal["new", "status", "gone"]
    rec_id: str
    title: str
    saving: float
    before: str | None
    after: str | None

    def describe(self) -> str:
        if self.kind == "new":
            return f"new: {self.rec_id} {self.title}"
        if self.kind == "gone":
            return f"no longer found: {self.rec_id} {self.title} (was {self.before})"
        return f"{self.rec_id} {self.before} → {self.after}: {self.title}"


@dataclass
class PreviousReport:
    generated_at: datetime
    label: str
    cost: float | None


@dataclass
class ReportData:
    generated_at: datetime
    database: str
    period: Period
    as_of: date | None
    totals: dict[str, Any]
    sections: dict[str, Section]
    daily: list[tuple[date, str, float]]
    changes: list[Change] = field(default_factory=list)
    previous: PreviousReport | None = None
    notes: list[str] = field(default_factory=list)

    def snapshot(self) -> list[dict[str, Any]]:
        """The recommendations as they stand, for the next report's "what changed"."""
        return [{"id": r["id"], "rule": r["rule"], "status": r["status"], "title": r["title"],
                 "saving": r["monthly_saving_usd"]}
                for r in self.sections["recommendations"].rows]


SPEND_COLUMNS = [
    Column("cost", "cost", "usd"),
    Column("prev_cost", "previous", "usd"),
    Column("change", "change", "usd"),
    Column("change_pct", "change %", "pct"),
    Column("share_pct", "share %", "pct"),
]

MODEL_COLUMNS = [
    Column("model", "model"),
    Column("cost", "cost", "usd"),
    Column("prev_cost", "previous", "usd"),
    Column("change", "change", "usd"),
    Column("share_pct", "share %", "pct"),
    Column("gpu_hours", "GPU-h", "hours"),
    Column("busy_gpu_hours", "busy GPU-h", "hours"),
    Column("idle_gpu_hours", "idle GPU-h", "hours"),
    Column("mean_util_pct", "util %", "pct"),
    Column("idle_cost", "idle GPU cost", "usd"),
    Column("cost_per_busy_gpu_hour", "$/busy GPU-h", "usd"),
    Column("requests", "requests", "count"),
    Column("tokens", "tokens", "count"),
    Column("cost_per_1k_requests", "$/1k req", "usd"),
    Column("cost_per_1m_tokens", "$/1M tokens", "usd"),
]

IDLE_COLUMNS = [
    Column("name", "resource"),
    Column("resource_id", "resource id"),
    Column("model", "model"),
    Column("team", "team"),
    Column("instance_type", "type"),
    Column("idle_hours", "idle h", "count"),
    Column("hours_billed", "billed h", "count"),
    Column("hours_observed", "observed h", "count"),
    Column("idle_cost", "idle cost", "usd"),
    Column("idle_share_pct", "idle %", "pct"),
    Column("max_util_pct", "peak util %", "pct"),
    Column("last_busy_at", "last busy", "time"),
]

BUDGET_COLUMNS = [
    Column("dimension", "budget for"),
    Column("name", "name"),
    Column("budget", "budget", "usd"),
    Column("spent", "spent", "usd"),
    Column("forecast", "forecast", "usd"),
    Column("forecast_pct", "forecast % of budget", "pct"),
    Column("status", "status"),
    Column("method", "method"),
]

REC_COLUMNS = [
    Column("id", "id"),
    Column("status", "status"),
    Column("rule", "rule"),
    Column("title", "what"),
    Column("monthly_saving_usd", "saving / month", "usd"),
    Column("confidence", "confidence", "number"),
    Column("model", "model"),
    Column("team", "team"),
    Column("resource_id", "resource"),
    Column("action_kind", "action"),
    Column("snoozed_until", "snoozed until", "date"),
    Column("status_reason", "reason"),
    Column("first_seen_at", "first seen", "time"),
]

CHANGE_COLUMNS = [
    Column("kind", "change"),
    Column("id", "id"),
    Column("before", "was"),
    Column("after", "now"),
    Column("title", "what"),
    Column("saving", "saving / month", "usd"),
]


def _dicts(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows as dicts; only the parameters the file names are passed (DuckDB rejects extras)."""
    used = set(_PARAM.findall(sql))
    cur.execute(sql, {k: v for k, v in params.items() if k in used})
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _period_params(period: Period) -> dict[str, Any]:
    return {"start": period.start, "end": period.end, "prev_start": period.prev_start,
            "prev_end": period.prev_end}


def data_as_of(cur: duckdb.DuckDBPyConnection) -> date | None:
    row = cur.execute(read_sql("reports/as_of.sql")).fetchone()
    if row is None:
        return None
    as_of: date | None = row[0] or row[1]
    return as_of


def _spend(cur: duckdb.DuckDBPyConnection, period: Period, dim: str, title: str,
           first: list[Column]) -> Section:
    rows = _dicts(cur, read_sql("reports/spend_by.sql"), {**_period_params(period), "dim": dim})
    return Section(dim + "s", title, first + SPEND_COLUMNS, rows)


def _budgets(cur: duckdb.DuckDBPyConnection, settings: Settings, period: Period) -> Section:
    month_start = period.last_day.replace(day=1)
    month_end = next_month(month_start)
    configured = configured_budgets(settings)
    # No [budgets] in this config: the budgets the last rules run used (a sync's config).
    stored = [] if configured else cur.execute(read_sql("reports/stored_budgets.sql")).fetchall()
    budgets = [{"dimension": d, "name": n, "monthly_usd": usd}
               for d, n, usd in configured or stored]
    tolerance = float(thresholds(settings)["budget_tolerance"])
    rows = _dicts(cur, read_sql("reports/budgets.sql"),
                  {"budgets": budgets, "month_start": month_start, "month_end": month_end,
                   "tolerance": tolerance}) if budgets else []
    note = (f"budgets are monthly; figures for {month_start:%Y-%m}"
            + ("" if configured or not budgets else
               " (as the last rules run read them: this config has no [budgets])")
            if budgets else
            "no budgets configured: add [budgets.team] or [budgets.model] to aifinops.toml")
    return Section("budgets", "Budgets", BUDGET_COLUMNS, rows, note)


def _previous(cur: duckdb.DuckDBPyConnection) -> tuple[PreviousReport | None, list[dict[str, Any]]]:
    try:
        row = cur.execute(read_sql("reports/last_report.sql")).fetchone()
    except duckdb.CatalogException:  # a database from before reports were recorded
        return None, []
    if row is None:
        return None, []
    _, generated_at, label, cost, recs = row
    return PreviousReport(generated_at, label, cost), json.loads(recs) if recs else []


def diff_recommendations(before: list[dict[str, Any]],
                         now: list[dict[str, Any]]) -> list[Change]:
    """New ones, changes of status, and those no longer found, biggest saving first."""
    old = {r["id"]: r for r in before}
    new = {r["id"]: r for r in now}
    changes: list[Change] = []
    for rec_id, rec in new.items():
        prior = old.get(rec_id)
        if prior is None:
            changes.append(Change("new", rec_id, rec["title"], rec["saving"], None, rec["status"]))
        elif prior["status"] != rec["status"]:
            changes.append(Change("status", rec_id, rec["title"], rec["saving"], prior["status"],
                                  rec["status"]))
    for rec_id, rec in old.items():
        if rec_id not in new:
            changes.append(Change("gone", rec_id, rec["title"], rec["saving"], rec["status"],
                                  "resolved"))
    order = {"new": 0, "status": 1, "gone": 2}
    return sorted(changes, key=lambda c: (order[c.kind], -c.saving, c.rec_id))


def changes_section(changes: list[Change], previous: PreviousReport | None) -> Section:
    rows = [{"kind": c.kind, "id": c.rec_id, "before": c.before, "after": c.after,
             "title": c.title, "saving": c.saving} for c in changes]
    if previous is None:
        note = ("no earlier report is recorded in this database: the next report will list the "
                "recommendations that appeared, changed status or went away since this one")
    else:
        note = (f"since the report of {previous.generated_at:%Y-%m-%d %H:%M} UTC "
                f"({previous.label})")
    return Section("changes", "What changed since the last report", CHANGE_COLUMNS, rows, note)


def build_report(cur: duckdb.DuckDBPyConnection, settings: Settings, *,
                 period: str | None = None, now: datetime | None = None) -> ReportData:
    """Everything a report shows for `period` (default: the month of the latest data)."""
    as_of = data_as_of(cur)
    span = parse_period(period, as_of)
    params = _period_params(span)
    totals = _dicts(cur, read_sql("reports/totals.sql"), params)[0]
    sections = {
        "providers": _spend(cur, span, "provider", "Spend by provider",
                            [Column("name", "provider"), Column("currency", "currency")]),
        "services": _spend(cur, span, "service", "Top services",
                           [Column("name", "service"), Column("detail", "provider")]),
        "models": Section("models", "Spend by model", MODEL_COLUMNS,
                          _dicts(cur, read_sql("reports/models.sql"), params)),
        "teams": _spend(cur, span, "team", "Spend by team", [Column("name", "team")]),
    }
    idle = _dicts(cur, read_sql("reports/idle.sql"), params)
    sections["idle"] = Section(
        "idle", "Idle GPU waste", IDLE_COLUMNS, idle,
        "hours when every GPU of the instance stayed under the idle threshold, at what the bill "
        "charged for them")
    sections["budgets"] = _budgets(cur, settings, span)
    sections["recommendations"] = Section(
        "recommendations", "Recommendations", REC_COLUMNS,
        _dicts(cur, read_sql("reports/recommendations.sql"), {}))
    previous, before = _previous(cur)
    data = ReportData(
        generated_at=now or datetime.now(UTC), database=str(Path(settings.db_path)),
        period=span, as_of=as_of, totals=totals, sections=sections,
        daily=[(d, p, c) for d, p, c in cur.execute(read_sql("reports/daily.sql"),
                                                      {"start": span.start, "end": span.end})
               .fetchall()],
        previous=previous)
    data.changes = diff_recommendations(before, data.snapshot()) if previous else []
    sections["changes"] = changes_section(data.changes, previous)
    _add_totals(cur, data, idle)
    return data


def _add_totals(cur: duckdb.DuckDBPyConnection, data: ReportData,
                idle: list[dict[str, Any]]) -> None:
    """Headline figures derived from the sections, and the notes a reader needs."""
    totals = data.totals
    recs = data.sections["recommendations"].rows
    totals["idle_cost"] = round(sum(r["idle_cost"] for r in idle), 2)
    totals["open_recommendations"] = sum(1 for r in recs if r["status"] == "open")
    totals["open_savings_month"] = open_savings(recs)
    prev = totals["prev_cost"]
    totals["change_pct"] = (round(100 * (totals["cost"] - prev) / abs(prev), 1)
                            if prev else None)
    totals["forecast"] = None
    totals["forecast_method"] = None
    if data.period.month and data.period.partial:
        for month, forecast, method in cur.execute(read_sql("reports/forecast_total.sql")).fetchall():
            if month == data.period.month:
                totals["forecast"] = round(forecast, 2)
                totals["forecast_method"] = method
    totals["budgets_over"] = [f"{r['dimension']} {r['name']}"
                              for r in data.sections["budgets"].rows if r["status"] != "ok"]
    if "," in totals["currencies"]:
        data.notes.append(f"costs in several currencies ({totals['currencies']}) are summed "
                          "as billed, without conversion")
    if totals["days_with_data"] == 0:
        data.notes.append("no cost data in this period")
    elif data.period.prev_end > data.period.prev_start and totals["prev_days_with_data"] == 0:
        data.notes.append("no cost data in the comparison period: changes are not meaningful")
    if not idle and not any(r["gpu_hours"] for r in data.sections["models"].rows):
        data.notes.append("no GPU resources in this period's bill")
