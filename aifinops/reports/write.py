"""Write a report in the asked formats and record it, so the next one can say what changed.

Files are written to a temporary name and renamed, so a web server or a chat bot that picks up
`reports/` never reads half a report.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from aifinops.config import Settings
from aifinops.errors import AifinopsError
from aifinops.reports.data import ReportData, build_report
from aifinops.reports.html import render_html
from aifinops.reports.machine import render_json, write_csv_folder
from aifinops.reports.markdown import render_markdown
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction

FORMATS = ("md", "html", "csv", "json")


@dataclass
class ReportResult:
    data: ReportData
    paths: list[Path] = field(default_factory=list)
    recorded: bool = False


def parse_formats(values: Sequence[str]) -> list[str]:
    """`md,html` or repeated options; `all` means every format."""
    formats: list[str] = []
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if name in ("markdown",):
                name = "md"
            if name == "all":
                formats.extend(f for f in FORMATS if f not in formats)
            elif name in FORMATS:
                if name not in formats:
                    formats.append(name)
            elif name:
                raise AifinopsError(f"unknown report format {part!r}; choose from "
                                    f"{', '.join(FORMATS)} or all")
    return formats or ["md"]


def report_stem(data: ReportData) -> str:
    p = data.period
    if p.month and (p.start.day == 1):
        return f"aifinops-report-{p.month}"
    return f"aifinops-report-{p.start:%Y-%m-%d}_{p.last_day:%Y-%m-%d}"


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_csv(data: ReportData, folder: Path) -> list[Path]:
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        written = write_csv_folder(data, staging)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / p.name for p in written]


def write_files(data: ReportData, formats: Sequence[str], out: Path) -> list[Path]:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AifinopsError(f"cannot create report folder {out}: {exc.strerror}") from exc
    stem = report_stem(data)
    paths: list[Path] = []
    renderers = {"md": render_markdown, "html": render_html, "json": render_json}
    try:
        for fmt in formats:
            if fmt == "csv":
                paths.extend(_write_csv(data, out / f"{stem}-csv"))
            else:
                path = out / f"{stem}.{fmt}"
                _write_text(path, renderers[fmt](data))
                paths.append(path)
    except OSError as exc:
        raise AifinopsError(f"cannot write the report into {out}: {exc}") from exc
    return paths


def record_report(conn: duckdb.DuckDBPyConnection, data: ReportData, formats: Sequence[str],
                  paths: Sequence[Path]) -> None:
    p = data.period
    with transaction(conn):
        conn.execute(read_sql("reports/record_report.sql"), {
            "generated_at": data.generated_at, "label": p.label, "start": p.start, "end": p.end,
            "as_of": data.as_of, "cost": data.totals["cost"], "formats": list(formats),
            "paths": [str(x) for x in paths],
            "recommendations": json.dumps(data.snapshot())})


def write_reports(store: Store, settings: Settings, *, formats: Sequence[str], out: Path,
                  period: str | None = None, record: bool = True) -> ReportResult:
    """Build the report once, write each format, and (on a writable store) record it."""
    data = build_report(store.cursor(), settings, period=period)
    result = ReportResult(data, write_files(data, formats, out))
    if record and not store.read_only:
        record_report(store.conn, data, formats, result.paths)
        result.recorded = True
    return result
