"""How a report writes a value for people (Markdown, HTML); CSV and JSON keep raw values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aifinops.reports.data import Column, ReportData, Section

EMPTY = "–"

# The columns people read, per section (CSV and JSON carry all of them).
READABLE: dict[str, tuple[str, ...]] = {
    "providers": ("name", "cost", "prev_cost", "change", "change_pct", "share_pct"),
    "services": ("name", "detail", "cost", "change", "change_pct", "share_pct"),
    "models": ("model", "cost", "change", "share_pct", "gpu_hours", "mean_util_pct", "idle_cost",
               "cost_per_busy_gpu_hour", "cost_per_1k_requests"),
    "teams": ("name", "cost", "prev_cost", "change", "change_pct", "share_pct"),
    "idle": ("name", "model", "team", "instance_type", "idle_hours", "hours_billed", "idle_cost",
             "max_util_pct", "last_busy_at"),
    "budgets": ("dimension", "name", "budget", "spent", "forecast", "forecast_pct", "status"),
    "recommendations": ("id", "status", "title", "monthly_saving_usd", "confidence", "team"),
    "changes": ("kind", "id", "before", "after", "title", "saving"),
}
SIGNED = frozenset({"change", "change_pct"})


def money(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return EMPTY
    if round(value, 2) == 0:
        return "$0.00"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}${abs(value):,.2f}"


def cell(column: Column, value: Any) -> str:
    """One value as text; a change carries its sign so a reader sees direction at a glance."""
    if value is None or value == "":
        return EMPTY
    signed = column.key in SIGNED
    if column.kind == "usd":
        return money(float(value), signed=signed)
    if column.kind == "pct":
        number = float(value)
        if round(number, 1) == 0:
            return "0.0%"
        return f"{number:+.1f}%" if signed else f"{number:.1f}%"
    if column.kind == "hours":
        return f"{float(value):,.1f}"
    if column.kind == "count":
        return f"{int(value):,}"
    if column.kind == "number":
        return f"{float(value):.2f}"
    if column.kind == "time" and isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if column.kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def readable_columns(section: Section) -> list[Column]:
    keys = READABLE.get(section.key)
    if keys is None:
        return section.columns
    by_key = {c.key: c for c in section.columns}
    return [by_key[k] for k in keys if k in by_key]


def headline(data: ReportData) -> list[str]:
    """The few sentences a reader needs before any table, as plain text (no markup)."""
    t = data.totals
    p = data.period
    change = "" if t["change_pct"] is None else f", {t['change_pct']:+.1f}% against"
    lines = [f"{money(t['cost'])} effective cost{change} {p.describe_previous()} "
             f"({money(t['prev_cost'])})." if change else
             f"{money(t['cost'])} effective cost (nothing to compare with in "
             f"{p.describe_previous()})."]
    if t["forecast"] is not None:
        lines.append(f"Forecast for {p.month}: {money(t['forecast'])} — {t['forecast_method']}.")
    lines.append(f"Idle GPU waste: {money(t['idle_cost'])}.")
    lines.append(f"{t['open_recommendations']} open recommendation(s) worth up to "
                 f"{money(t['open_savings_month'])} a month (largest per resource, budgets "
                 "left out).")
    if t["model_coverage_pct"] is not None:
        lines.append(f"Tag coverage: {t['model_coverage_pct']:.1f}% of cost has a model, "
                     f"{t['team_coverage_pct']:.1f}% a team.")
    return lines


def budget_alerts(data: ReportData) -> list[str]:
    out = []
    for r in data.sections["budgets"].rows:
        if r["status"] == "over":
            out.append(f"{r['dimension']} {r['name']} has spent {money(r['spent'])} of its "
                       f"{money(r['budget'])} budget")
        elif r["status"] == "forecast over":
            out.append(f"{r['dimension']} {r['name']} is forecast to spend "
                       f"{money(r['forecast'])} against a {money(r['budget'])} budget")
    return out
