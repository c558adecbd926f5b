"""Charts as inline SVG: the HTML report opens offline, in a mail client, or as a CI artifact.

No JavaScript and no external fonts; every bar carries a `<title>` so hovering shows the figure.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from html import escape

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316",
           "#64748b")
IDLE_COLOUR = "#ef4444"
FONT = "font-family=\"system-ui, sans-serif\" font-size=\"11\""


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2 or 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _money(value: float) -> str:
    if abs(value) >= 1000:
        return f"${value / 1000:,.1f}".removesuffix(".0") + "k"
    if 0 < abs(value) < 10:
        return f"${value:,.2f}"
    return f"${value:,.0f}"


def _steps(top: float) -> int:
    """Gridlines that land on round numbers: 5 for 1·10ⁿ and 5·10ⁿ, 4 for 2·10ⁿ."""
    return 4 if str(int(top)).startswith("2") else 5


def daily_stacked(daily: list[tuple[date, str, float]], *, width: int = 760,
                  height: int = 240) -> str:
    """Daily effective cost stacked by provider (credits below zero are left out of the bars)."""
    if not daily:
        return ""
    days = sorted({d for d, _, _ in daily})
    totals: dict[str, float] = defaultdict(float)
    per_day: dict[date, dict[str, float]] = defaultdict(dict)
    for day, provider, cost in daily:
        per_day[day][provider] = per_day[day].get(provider, 0.0) + max(cost, 0.0)
        totals[provider] += cost
    providers = sorted(totals, key=lambda p: -totals[p])
    colour = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(providers)}
    top = _nice_max(max(sum(v.values()) for v in per_day.values()))
    left, bottom, right, legend = 56, 22, 8, 20
    plot_w, plot_h = width - left - right, height - bottom - legend - 6
    slot = plot_w / len(days)
    bar_w = max(1.0, slot * 0.8)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="Daily effective cost by provider" {FONT}>']
    steps = _steps(top)
    for i in range(steps + 1):
        value = top * i / steps
        y = legend + plot_h - plot_h * i / steps
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="#6b7280">{_money(value)}</text>')
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        y = legend + plot_h
        for provider in providers:
            value = per_day[day].get(provider, 0.0)
            if value <= 0:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{colour[provider]}"><title>{day:%Y-%m-%d} '
                         f'{escape(provider)}: ${value:,.2f}</title></rect>')
        if len(days) <= 16 or i % max(1, len(days) // 8) == 0:
            parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - 6}" '
                         f'text-anchor="middle" fill="#6b7280">{day:%m-%d}</text>')
    x = float(left)
    for provider in providers:
        parts.append(f'<rect x="{x:.1f}" y="4" width="10" height="10" fill="{colour[provider]}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="13">{escape(provider)}</text>')
        x += 24 + 7 * len(provider)
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(rows: list[tuple[str, float, float | None]], *, label: str,
                    overlay_label: str = "idle", width: int = 760) -> str:
    """One bar per row (name, value, overlay part of it, e.g. idle cost), largest first."""
    rows = [r for r in rows if r[1] > 0]
    if not rows:
        return ""
    bar_h, gap, left, right = 18, 6, 150, 90
    height = len(rows) * (bar_h + gap) + 8
    top = max(r[1] for r in rows)
    plot_w = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(label)}" {FONT}>']
    for i, (name, value, overlay) in enumerate(rows):
        y = 4 + i * (bar_h + gap)
        w = plot_w * value / top
        short = name if len(name) <= 24 else name[:23] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(short)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#2563eb">'
                     f'<title>{escape(name)}: ${value:,.2f}</title></rect>')
        if overlay:
            ow = plot_w * min(overlay, value) / top
            parts.append(f'<rect x="{left}" y="{y}" width="{ow:.1f}" height="{bar_h}" '
                         f'fill="{IDLE_COLOUR}" fill-opacity="0.85"><title>{escape(name)} '
                         f'{escape(overlay_label)}: ${overlay:,.2f}</title></rect>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 13}">{_money(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def budget_bars(rows: list[tuple[str, float, float, float]], *, width: int = 760) -> str:
    """Per budget: spent and forecast against the budget line (name, budget, spent, forecast)."""
    if not rows:
        return ""
    bar_h, gap, left, right = 18, 8, 150, 140
    height = len(rows) * (bar_h + gap) + 8
    top = max(max(b, s, f) for _, b, s, f in rows) * 1.05
    plot_w = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="Budgets: spent and forecast" {FONT}>']
    for i, (name, budget, spent, forecast) in enumerate(rows):
        y = 4 + i * (bar_h + gap)
        over = forecast > budget
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(name)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{plot_w * forecast / top:.1f}" '
                     f'height="{bar_h}" fill="{IDLE_COLOUR if over else "#93c5fd"}" '
                     f'fill-opacity="0.35"><title>forecast ${forecast:,.2f}</title></rect>')
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{plot_w * spent / top:.1f}" '
                     f'height="{bar_h - 8}" fill="{IDLE_COLOUR if spent > budget else "#2563eb"}">'
                     f'<title>spent ${spent:,.2f}</title></rect>')
        bx = left + plot_w * budget / top
        parts.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{y - 2}" y2="{y + bar_h + 2}" '
                     f'stroke="#111827" stroke-width="2"><title>budget ${budget:,.2f}</title>'
                     '</line>')
        parts.append(f'<text x="{left + plot_w + 6}" y="{y + 13}">'
                     f'{100 * forecast / budget:.0f}% of {_money(budget)}</text>')
    parts.append("</svg>")
    return "".join(parts)
