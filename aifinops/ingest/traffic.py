"""Requests and tokens per model: a CSV, or vLLM / TGI Prometheus scrapes.

Cost per request and per token is how a small model is compared honestly with a large one; the
serving engines already count both. Scrapes hold cumulative counters, so each scrape is stored
as snapshots and hourly increases are derived across every scrape seen so far.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from aifinops.errors import InputError
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction

# metric name -> (our metric, label that names the model)
PROMETHEUS_METRICS: dict[str, tuple[str, str | None]] = {
    "vllm:request_success_total": ("requests", "model_name"),
    "vllm:prompt_tokens_total": ("input_tokens", "model_name"),
    "vllm:generation_tokens_total": ("output_tokens", "model_name"),
    "tgi_request_success": ("requests", None),
    "tgi_request_input_length_sum": ("input_tokens", None),
    "tgi_request_generated_tokens_sum": ("output_tokens", None),
}
SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+(?P<ts>\d+))?\s*$"
)
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
CSV_COLUMNS = {"model", "requests", "input_tokens", "output_tokens"}


@dataclass
class TrafficReport:
    path: str
    models: list[str]
    hours: int
    samples: int = 0
    skipped_lines: int = 0


def _next_load_id(conn: duckdb.DuckDBPyConnection) -> int:
    row = conn.execute("select nextval('load_id_seq')").fetchone()
    assert row is not None
    return int(row[0])


def parse_prometheus(text: str, path: str, *, model: str | None,
                     at: datetime) -> tuple[list[tuple[datetime, str, str, float]], int]:
    """Counter snapshots (ts, model, metric, value) summed over other labels; lines we skip."""
    totals: dict[tuple[datetime, str, str], float] = {}
    skipped = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if match is None:
            skipped += 1
            continue
        known = PROMETHEUS_METRICS.get(match["name"])
        if known is None:
            continue
        metric, label = known
        labels = dict(LABEL.findall(match["labels"] or ""))
        name = labels.get(label) if label else None
        name = name or model
        if not name:
            raise InputError(path, f"{match['name']} has no model label; pass --model NAME",
                             where=f"line {number}")
        try:
            value = float(match["value"])
        except ValueError:
            skipped += 1
            continue
        ts = datetime.fromtimestamp(int(match["ts"]) / 1000, UTC) if match["ts"] else at
        key = (ts, name, metric)
        totals[key] = totals.get(key, 0.0) + value
    return [(ts, m, metric, v) for (ts, m, metric), v in sorted(totals.items())], skipped


def ingest_traffic(store: Store, path: Path, *, model: str | None = None,
                   at: datetime | None = None) -> TrafficReport:
    if not path.is_file():
        raise InputError(str(path), "no such file")
    text = path.read_text(encoding="utf-8", errors="replace")
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    if not first:
        raise InputError(str(path), "empty file: expected a traffic CSV or a Prometheus scrape")
    if not first.startswith("#") and SAMPLE.match(first) is None:
        return _ingest_csv(store, path, first)
    when = at or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    samples, skipped = parse_prometheus(text, str(path), model=model, at=when)
    if not samples:
        raise InputError(str(path), "no vLLM or TGI request/token counters found (expected e.g. "
                                    "vllm:request_success_total or tgi_request_success)")
    models = sorted({s[1] for s in samples})
    conn = store.conn
    with transaction(conn):
        conn.executemany("insert or replace into traffic_counters values (?, ?, ?, ?)", samples)
        conn.execute(read_sql("ingest/traffic_from_counters.sql"),
                     {"models": models, "load_id": _next_load_id(conn)})
        hours = _count_hours(conn, models)
    return TrafficReport(str(path), models, hours, len(samples), skipped)


def _ingest_csv(store: Store, path: Path, header_line: str) -> TrafficReport:
    header = [h.strip() for h in next(csv.reader([header_line]))]
    ts_col = next((h for h in header if h in ("hour", "timestamp", "ts")), None)
    if ts_col is None or "model" not in header:
        raise InputError(str(path), "expected columns hour (or timestamp), model and any of "
                         f"requests, input_tokens, output_tokens; found {', '.join(header)}",
                         where="header")
    present = [c for c in ("requests", "input_tokens", "output_tokens") if c in header]
    if not present:
        raise InputError(str(path), "no requests, input_tokens or output_tokens column", where="header")
    literal = str(path).replace("'", "''")
    types = ", ".join("'" + h.replace("'", "''") + "': 'VARCHAR'" for h in header)
    missing = ", ".join(f"NULL AS {c}" for c in ("requests", "input_tokens", "output_tokens")
                        if c not in present)
    relation = (f"SELECT \"{ts_col}\" AS ts, model, {', '.join(present)}"
                f"{', ' + missing if missing else ''} FROM read_csv('{literal}', header = true, "
                f"columns = {{{types}}}, auto_detect = false)")
    conn = store.conn
    try:
        with transaction(conn):
            conn.execute(f"create or replace temp view traffic_csv as {relation}")
            conn.execute(read_sql("ingest/traffic_from_csv.sql"), {"load_id": _next_load_id(conn)})
            models = [r[0] for r in conn.execute(
                "select distinct model from traffic_csv order by 1").fetchall()]
            hours = _count_hours(conn, models)
    except duckdb.Error as exc:
        raise InputError(str(path), f"could not be loaded: {str(exc).splitlines()[0]}") from exc
    return TrafficReport(str(path), models, hours)


def _count_hours(conn: duckdb.DuckDBPyConnection, models: list[str]) -> int:
    row = conn.execute("select count(*) from model_traffic where list_contains(?, model)",
                       [models]).fetchone()
    return int(row[0]) if row else 0
