"""CSV and JSON reports: raw values (no currency signs, no rounding beyond the SQL's), so a
script can diff, plot or alert on them. JSON holds everything; CSV is one file per table."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aifinops.reports.data import SCHEMA_VERSION, ReportData, Section
from aifinops.reports.format import budget_alerts


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def report_json(data: ReportData) -> dict[str, Any]:
    p = data.period
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _plain(data.generated_at),
        "database": data.database,
        "period": {"label": p.label, "start": _plain(p.start), "end_exclusive": _plain(p.end),
                   "month": p.month, "partial": p.partial,
                   "previous_start": _plain(p.prev_start),
                   "previous_end_exclusive": _plain(p.prev_end)},
        "as_of": _plain(data.as_of),
        "totals": {k: _plain(v) for k, v in data.totals.items()},
        "budget_alerts": budget_alerts(data),
        "notes": data.notes,
        "previous_report": None if data.previous is None else {
            k: _plain(v) for k, v in asdict(data.previous).items()},
        "sections": {key: {"title": s.title, "note": s.note,
                           "columns": [asdict(c) for c in s.columns],
                           "rows": [{k: _plain(v) for k, v in row.items()} for row in s.rows]}
                     for key, s in data.sections.items()},
        "daily": [{"day": _plain(d), "provider": p_, "cost": c} for d, p_, c in data.daily],
    }


def render_json(data: ReportData) -> str:
    return json.dumps(report_json(data), indent=2, ensure_ascii=False) + "\n"


def section_csv(section: Section) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in section.columns])
    for row in section.rows:
        writer.writerow(["" if row.get(c.key) is None else _plain(row.get(c.key))
                         for c in section.columns])
    return buffer.getvalue()


def write_csv_folder(data: ReportData, folder: Path) -> list[Path]:
    """summary.csv (key, value), daily.csv, and one CSV per section, into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary = io.StringIO()
    writer = csv.writer(summary, lineterminator="\n")
    writer.writerow(["key", "value"])
    writer.writerow(["period", data.period.label])
    writer.writerow(["start", data.period.start.isoformat()])
    writer.writerow(["end_exclusive", data.period.end.isoformat()])
    writer.writerow(["as_of", _plain(data.as_of) or ""])
    for key, value in data.totals.items():
        writer.writerow([key, "; ".join(value) if isinstance(value, list) else
                         ("" if value is None else value)])
    files = {"summary.csv": summary.getvalue()}
    daily = io.StringIO()
    dw = csv.writer(daily, lineterminator="\n")
    dw.writerow(["day", "provider", "cost"])
    dw.writerows([(d.isoformat(), p, c) for d, p, c in data.daily])
    files["daily.csv"] = daily.getvalue()
    for key, section in data.sections.items():
        files[f"{key}.csv"] = section_csv(section)
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
