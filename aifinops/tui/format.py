"""How numbers read on screen: money, percentages, hours and times, chosen by column name.

Columns carry their unit in their name (`cost_usd`, `util_mean_pct`, `gpu_hours`, `last_busy_at`,
DESIGN's naming rule), so one function formats any query's cell and the SQL console gets the same
treatment as the screens. No Textual or Rich here: reports and tests use it too.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

DASH = "—"

# Headers people read, for the columns the screens show; anything else is title-cased.
LABELS: dict[str, str] = {
    "model": "Model",
    "cost_usd": "Cost",
    "prior_cost_usd": "Prior period",
    "share_pct": "Share",
    "gpu_hours": "GPU-h",
    "busy_gpu_hours": "Busy GPU-h",
    "util_mean_pct": "Util",
    "idle_gpu_hours": "Idle GPU-h",
    "idle_cost_usd": "Idle cost",
    "idle_gpu_cost_usd": "Idle GPU cost",
    "cost_per_busy_gpu_hour_usd": "$/busy GPU-h",
    "cost_per_1k_requests_usd": "$/1k req",
    "requests": "Requests",
    "resources": "Resources",
    "resource_id": "Resource",
    "resource_name": "Name",
    "host": "Host",
    "instance_type": "Type",
    "gpu_count": "GPUs",
    "team": "Team",
    "service": "Service",
    "region": "Region",
    "billed_hours": "Billed h",
    "observed_hours": "Watched h",
    "idle_hours": "Idle h",
    "idle_pct": "Idle",
    "last_busy_at": "Last busy",
    "util_max_pct": "Max util",
    "signals": "Signals",
    "id": "Id",
    "status": "Status",
    "title": "Recommendation",
    "rule": "Kind",
    "action_kind": "Action",
    "monthly_saving_usd": "Saves / month",
    "confidence": "Confidence",
    "snoozed_until": "Until",
    "process": "Process",
    "command_line": "Command line",
    "gpus": "GPUs",
    "hours_seen": "Hours",
    "first_seen_at": "First seen",
    "last_seen_at": "Last seen",
    "used_mem_max_mib": "Peak mem",
    "changed_at": "When",
    "actor": "Who",
    "kind": "Kind",
    "what": "What",
    "detail": "Detail",
}

NUMERIC_SUFFIXES = ("_usd", "_pct", "_hours", "_mib", "_count")
NUMERIC_NAMES = frozenset({"requests", "resources", "gpus", "hours_seen", "confidence",
                           "billed_hours", "idle_hours", "observed_hours", "gpu_count"})


def label(column: str) -> str:
    return LABELS.get(column) or column.replace("_", " ").capitalize()


def is_numeric(column: str) -> bool:
    return column in NUMERIC_NAMES or column.endswith(NUMERIC_SUFFIXES)


def money(value: float | Decimal | None, *, cents: bool | None = None, signed: bool = False) -> str:
    """`$48,437`, `$412`, `$4.01`, `-$1,500`; cents only below $100 unless asked."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    amount = _steady(float(value))
    if amount == 0:
        return "$0"
    show_cents = cents if cents is not None else abs(amount) < 100
    text = f"{abs(amount):,.2f}" if show_cents else f"{abs(amount):,.0f}"
    sign = "-" if amount < 0 and round(abs(amount), 2 if show_cents else 0) else (
        "+" if signed and amount > 0 else "")
    return f"{sign}${text}"


def short_money(value: float | None) -> str:
    """Axis labels: `$950`, `$3.2k`, `$48k`, `$1.2M`."""
    if value is None:
        return DASH
    amount = abs(float(value))
    sign = "-" if value < 0 else ""
    if amount >= 1e6:
        return f"{sign}${amount / 1e6:.1f}M"
    if amount >= 1e4:
        return f"{sign}${amount / 1e3:.0f}k"
    if amount >= 1e3:
        return f"{sign}${amount / 1e3:.1f}k"
    return f"{sign}${amount:.0f}"


def pct(value: float | None, *, signed: bool = False, digits: int = 1) -> str:
    if value is None:
        return DASH
    value = round(_steady(value), digits) + 0.0  # no "-0.0%"
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:.{digits}f}%"


def _steady(value: float) -> float:
    """Round away float noise first: a parallel sum can land on 197.4999999 or 197.5000001 from
    one run to the next, and the display must not flip between 197 and 198."""
    return round(value, 6)


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return DASH
    return f"{_steady(float(value)):,.{digits}f}"


def when(value: datetime | date | None) -> str:
    if value is None:
        return DASH
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def cell(column: str, value: Any) -> str:
    """Format one cell by its column's name."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "confidence" and isinstance(value, int | float):
        return confidence(float(value))
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if column.endswith("_usd"):
            return money(value)
        if column.endswith("_pct"):
            return pct(float(value))
        if column.endswith("_mib"):
            return f"{float(value) / 1024:,.1f} GiB"
        if column.endswith("_hours") or column in NUMERIC_NAMES:
            amount = float(value)
            return number(amount, 0 if amount.is_integer() or abs(amount) >= 100 else 1)
        if isinstance(value, float):
            return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
        return f"{value:,}" if isinstance(value, int) and abs(value) >= 10000 else str(value)
    if isinstance(value, datetime | date):
        return when(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or DASH
    if column in ("rule", "action_kind"):
        return str(value).replace("_", " ")
    return str(value)


def confidence(value: float) -> str:
    """The engine's bands: low < 0.45 ≤ medium < 0.75 ≤ high."""
    band = "high" if value >= 0.75 else "medium" if value >= 0.45 else "low"
    return f"{band} ({value:.2f})"


def change(now: float | None, before: float | None) -> str:
    """`+12.3%` against the prior period, `new` when there was none."""
    if now is None:
        return DASH
    if not before:
        return "new" if now else DASH
    return pct(100.0 * (now / before - 1.0), signed=True)
