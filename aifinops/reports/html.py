"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

from html import escape

from aifinops.reports.charts import budget_bars, daily_stacked, horizontal_bars
from aifinops.reports.data import ReportData, Section
from aifinops.reports.format import budget_alerts, cell, headline, readable_columns

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#111827;margin:0;
background:#f9fafb}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#6b7280;margin:0 0 16px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.kpi{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:150px}
.kpi b{display:block;font-size:20px}.kpi span{color:#6b7280;font-size:12px}
.alert{background:#fef2f2;border:1px solid #fecaca;border-radius:6px;padding:8px 12px;margin:6px 0}
.note{background:#fffbeb;border:1px solid #fde68a;border-radius:6px;padding:8px 12px;margin:6px 0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #f3f4f6;text-align:left;white-space:nowrap}
td.title{white-space:normal;min-width:280px}
th{color:#374151;background:#f9fafb;position:sticky;top:0}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.up{color:#b91c1c}.down{color:#047857}
.status-open{color:#1d4ed8}.status-over,.status-forecast-over{color:#b91c1c;font-weight:600}
.muted{color:#6b7280;font-size:12px}
footer{color:#6b7280;font-size:12px;margin-top:32px}
"""
NUMERIC = frozenset({"usd", "pct", "hours", "count", "number"})
WIDE_TEXT = frozenset({"title"})
MAX_ROWS = 25


def _table(section: Section, max_rows: int = MAX_ROWS) -> str:
    columns = readable_columns(section)
    head = "".join(f'<th class="{"n" if c.kind in NUMERIC else ""}">{escape(c.title)}</th>'
                   for c in columns)
    body = []
    for row in section.rows[:max_rows]:
        cells = []
        for c in columns:
            value = row.get(c.key)
            classes = []
            if c.kind in NUMERIC:
                classes.append("n")
            if c.key in ("change", "change_pct") and isinstance(value, int | float) and value:
                classes.append("up" if value > 0 else "down")
            if c.key == "status" and isinstance(value, str):
                classes.append("status-" + value.replace(" ", "-"))
            if c.key in WIDE_TEXT:
                classes.append("title")
            cls = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{cls}>{escape(cell(c, value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return '<p class="muted">nothing to show</p>'
    more = len(section.rows) - max_rows
    tail = (f'<p class="muted">{more} more row(s) in the CSV and JSON reports</p>'
            if more > 0 else "")
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            + tail)


def _section(section: Section, chart: str = "") -> str:
    note = f'<p class="muted">{escape(section.note)}</p>' if section.note else ""
    return (f'<h2 id="{section.key}">{escape(section.title)}</h2>{note}'
            f'<div class="card">{chart}{_table(section)}</div>')


def _kpis(data: ReportData) -> str:
    t = data.totals
    items = [(f"${t['cost']:,.2f}", "effective cost")]
    if t["change_pct"] is not None:
        items.append((f"{t['change_pct']:+.1f}%", "vs " + data.period.describe_previous()))
    if t["forecast"] is not None:
        items.append((f"${t['forecast']:,.2f}", f"forecast for {data.period.month}"))
    items.append((f"${t['idle_cost']:,.2f}", "idle GPU waste"))
    items.append((f"${t['open_savings_month']:,.2f}",
                  f"a month in {t['open_recommendations']} open recommendation(s)"))
    if t["model_coverage_pct"] is not None:
        items.append((f"{t['model_coverage_pct']:.1f}%", "of cost has a model tag or rule"))
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for v, k in items
    ) + "</div>"


def render_html(data: ReportData) -> str:
    s = data.sections
    title = f"AI cloud spend — {data.period.describe()}"
    models = horizontal_bars([(r["model"], r["cost"], r["idle_cost"])
                              for r in s["models"].rows[:MAX_ROWS]],
                             label="Cost by model, idle GPU cost in red",
                             overlay_label="idle GPU cost")
    teams = horizontal_bars([(r["name"], r["cost"], None) for r in s["teams"].rows[:MAX_ROWS]],
                            label="Cost by team")
    idle = horizontal_bars([(r["name"], r["cost"], r["idle_cost"])
                            for r in s["idle"].rows[:MAX_ROWS]],
                           label="Cost of each GPU resource, idle part in red",
                           overlay_label="idle cost")
    budgets = budget_bars([(f"{r['dimension']} {r['name']}", r["budget"], r["spent"],
                            r["forecast"]) for r in s["budgets"].rows])
    alerts = "".join(f'<div class="alert"><b>Budget:</b> {escape(a)}</div>'
                     for a in budget_alerts(data))
    notes = "".join(f'<div class="note">{escape(n)}</div>' for n in data.notes)
    as_of = f"data through {data.as_of:%Y-%m-%d} · " if data.as_of else ""
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(" ".join(headline(data)))}</p>',
        _kpis(data), alerts, notes,
        '<h2 id="daily">Daily spend by provider</h2>',
        f'<div class="card">{daily_stacked(data.daily) or "<p class=muted>no data</p>"}</div>',
        _section(s["changes"]),
        _section(s["providers"]),
        _section(s["models"], models),
        _section(s["teams"], teams),
        _section(s["idle"], idle),
        _section(s["budgets"], budgets),
        _section(s["recommendations"]),
        _section(s["services"]),
        f"<footer>Generated by aifinops on {data.generated_at:%Y-%m-%d %H:%M} UTC · {as_of}"
        f"database {escape(data.database)} · costs are FOCUS EffectiveCost (amortised, after "
        "credits).</footer>",
    ]
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")
