"""The fast path for a clean nvidia-smi log: every core, no row numbers, same result.

Numbering rows in file order (which the exact path needs for line numbers and clock jumps) keeps
DuckDB's CSV scan on one thread. Most logs need neither: garbage, short and long lines are
rejected by the reader itself with their line numbers, and insertion order, checked after the
insert, stands in for file order. So a log is loaded here when nothing in it calls for more:
one layout, one timestamp format, no unusable values, nothing stored for its GPUs in its time
range yet, and no clock jump. Otherwise `load_fast` stores nothing and returns False, and the
caller takes the exact path.
"""

from __future__ import annotations

import duckdb

from aifinops.ingest.gpu_load import GpuLoad
from aifinops.ingest.nvidia_smi_fields import Layout, split_fields
from aifinops.ingest.nvidia_smi_reader import (
    REJECT_REASONS,
    FileHead,
    Rejected,
    Segment,
    fields_view,
    rejected_lines,
    timestamp_format,
)
from aifinops.sqlfiles import read_sql


def load_fast(conn: duckdb.DuckDBPyConnection, head: FileHead, layout: Layout,
              load: GpuLoad) -> bool:
    """Load the whole file, or nothing (False) when it needs the exact path."""
    ts_format = _data_timestamp_format(head, layout)
    if layout.kind != "gpu" or head.ends_with_newline is False or ts_format is None:
        return False
    fields_view(conn, head, [Segment(1, layout)], layout.width, rejects=True,
                ts_format=ts_format)
    conn.execute(read_sql("ingest/nvidia_smi_parsed.sql"))
    conn.execute(read_sql("ingest/nvidia_smi_fast_summary.sql"))
    rejected = rejected_lines(conn)
    groups = conn.execute("SELECT count(*) FILTER (WHERE problem IS NOT NULL), "
                          "count(*) FILTER (WHERE problem IS NULL) FROM gpu_summary").fetchone()
    unusable, usable = groups if groups else (0, 0)
    if unusable or not usable or not _rejects_allow(rejected, layout):
        return False
    span = conn.execute("SELECT min(first_ts), max(last_ts) FROM gpu_summary").fetchone()
    load.set_range(*(span or (None, None)))
    if _scalar(conn, read_sql("ingest/gpu_range_taken.sql")):
        return False
    conn.execute(read_sql("ingest/nvidia_smi_intervals.sql"))
    conn.execute(read_sql("ingest/nvidia_smi_fast_insert.sql"))
    if _scalar(conn, read_sql("ingest/gpu_load_jumps.sql")):
        conn.execute("DELETE FROM gpu_samples WHERE load_id = getvariable('gpu_load_id')")
        return False
    load.check()
    dropped = [r for r in rejected if not r.is_header]
    for reason in dict.fromkeys(REJECT_REASONS.get(r.error, r.error.lower()) for r in dropped):
        lines = [r.line for r in dropped if REJECT_REASONS.get(r.error, r.error.lower()) == reason]
        load.add_skip(reason, len(lines), lines)
    load.report.rows_read += len(dropped)
    load.report.samples_loaded += load.valid_rows
    return True


def _data_timestamp_format(head: FileHead, layout: Layout) -> str | None:
    """The timestamp format of the first sample line, if the reader can parse it natively."""
    line = head.next_line if layout.header is not None else head.first_line
    position = layout.position("ts")
    if line is None or position is None:
        return None
    fields = split_fields(line)
    return timestamp_format(fields[position - 1]) if len(fields) >= position else None


def _rejects_allow(rejected: list[Rejected], layout: Layout) -> bool:
    """Repeats of the header and lines of the wrong length are fine; a new header or a
    timestamp the reader could not parse needs the exact path."""
    names = [n.lower() for n in split_fields(layout.header)] if layout.header else None
    for r in rejected:
        if r.is_header:
            if names is None or [n.lower() for n in split_fields(r.text)] != names:
                return False
        elif r.error == "CAST":
            return False
    return True


def _scalar(conn: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0] or 0) if row else 0
