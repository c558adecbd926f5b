"""Load `nvidia-smi --query-gpu / --query-compute-apps --format=csv` logs.

DuckDB does the parsing (DESIGN: pure Python was 5× slower): the file is read as VARCHAR fields
split on nvidia-smi's ', ' separator, and SQL in `sql/ingest/nvidia_smi_*.sql` cleans units and
`[...]` sentinels. Only the head of the file is read in Python, to learn which field sits where.
A clean log takes the parallel fast path (`nvidia_smi_fast`); anything else (a header that
changes, a clock jump, unusable values, a re-ingest) the exact path here, which numbers every
line. Both give the same rows and the same report.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aifinops.errors import InputError
from aifinops.ingest.gpu_load import GpuLoad, GpuSettings, LineMapper, LoadReport
from aifinops.ingest.nvidia_smi_fast import load_fast
from aifinops.ingest.nvidia_smi_fields import (
    Kind,
    Layout,
    layout_from_names,
    looks_like_header,
    parse_columns_option,
    split_fields,
)
from aifinops.ingest.nvidia_smi_reader import (
    REJECT_REASONS,
    FileHead,
    Rejected,
    Segment,
    blank_lines,
    fields_view,
    read_head,
    rejected_lines,
)
from aifinops.ingest.objects import file_digest
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction

_DATA_START = re.compile(r"^\d{4}[/-]\d{2}[/-]\d{2}[ T]\d")


@dataclass(frozen=True)
class NvidiaSmiOptions:
    """What the command line says about a file; None means: work it out."""

    host: str | None = None
    columns: str | None = None
    processes: bool = False
    interval_s: float | None = None


def ingest_nvidia_smi(store: Store, path: Path, gpu: GpuSettings,
                      options: NvidiaSmiOptions | None = None) -> LoadReport:
    """Load one log in one transaction. Raises InputError, loading nothing, if it is no GPU log."""
    conn = store.conn
    options = options or NvidiaSmiOptions()
    source = str(path)
    head = read_head(path)
    layout = _first_layout(head, options, source)
    host_default, origin = _host_default(path, layout, options, gpu, source)
    with ThreadPoolExecutor(max_workers=1) as pool, transaction(conn):
        checksum = pool.submit(file_digest, path)  # hashed while DuckDB parses
        kind_source = "nvidia-smi-apps" if layout.kind == "apps" else "nvidia-smi"
        load = GpuLoad(conn, gpu, kind_source, source, "nvidia-smi")
        report = load.report
        report.host_origin = origin
        report.options = _describe(options, gpu)
        load.set_text("gpu_host_override", options.host)
        load.set_text("gpu_host_default", host_default)
        load.set_number("gpu_interval_s", options.interval_s)
        conn.execute(read_sql("ingest/nvidia_smi_macros.sql"))
        if load_fast(conn, head, layout, load):
            report.ignored_columns = list(layout.ignored)
            load.finish()
        else:
            _ExactPath(conn, head, layout, load).run()
        report.checksum = checksum.result()
        load.record()
    return report


def _describe(options: NvidiaSmiOptions, gpu: GpuSettings) -> str:
    parts = [f"tz={gpu.timezone}"]
    if options.host:
        parts.append(f"host={options.host}")
    if options.columns:
        parts.append(f"columns={options.columns}")
    if options.interval_s:
        parts.append(f"interval={options.interval_s:g}s")
    return " ".join(parts)


def _first_layout(head: FileHead, options: NvidiaSmiOptions, source: str) -> Layout:
    kind: Kind | None = "apps" if options.processes else None
    where = f"line {head.first_line_no}"
    if looks_like_header(head.first_line):
        names = split_fields(head.first_line)
        return layout_from_names(names, header=head.first_line, kind=kind, source=source,
                                 where=where)
    if options.columns:
        names = parse_columns_option(options.columns)
        return layout_from_names(names, header=None, kind=kind, source="--columns",
                                 where=source)
    if _DATA_START.match(head.first_line):
        raise InputError(source, "no header line (--format=csv,noheader?): pass --columns with "
                         "the --query-gpu field list, e.g. --columns "
                         "timestamp,index,uuid,utilization.gpu,memory.used", where=where)
    shown = head.first_line[:80]
    raise InputError(source, f"not an nvidia-smi log: expected a header such as 'timestamp, "
                     f"index, uuid, utilization.gpu [%], ...', found {shown!r}", where=where)


def _host_default(path: Path, layout: Layout, options: NvidiaSmiOptions, gpu: GpuSettings,
                  source: str) -> tuple[str | None, str]:
    if options.host:
        return options.host, "--host"
    from_name = gpu.host_from_filename(path.name)
    if "host" in layout.positions:
        return from_name, "host column" if from_name is None else "host column, else file name"
    if from_name is None:
        raise InputError(source, "cannot tell which host this log is from: pass --host, or name "
                         "the file after the host (gpu-node-03.csv)")
    return from_name, "file name"


class _ExactPath:
    """Every line numbered in file order: exact line numbers, clock jumps, header changes.

    Two passes keep memory flat on multi-GB logs: a narrow one (row number, host, GPU, time,
    what is wrong) that drives the checks and the skip report, then a wide one that streams the
    good rows into `gpu_samples`. Runs inside the caller's transaction.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection, head: FileHead, layout: Layout,
                 load: GpuLoad) -> None:
        self.conn = conn
        self.head = head
        self.load = load
        self.kind = layout.kind
        self.segments = [Segment(1, layout)]
        self.width = layout.width
        self.source = str(head.path)

    def run(self) -> None:
        conn = self.conn
        load = self.load
        self._first_pass()
        ignored = (c for s in self.segments for c in s.layout.ignored)
        load.report.ignored_columns = list(dict.fromkeys(ignored))
        rejected = rejected_lines(conn)
        self._mark_truncated_end()
        lines = self._line_mapper(rejected)
        load.check(lines)
        self._report_rejected(rejected)
        if not load.valid_rows and load.report.rows_read:
            first = min(n for s in load.report.skips for n in s.first_lines)
            raise InputError(self.source, "no usable rows: every line is malformed (first: line "
                             f"{first}); is this an nvidia-smi log?")
        self._view(rejects=False)
        if self.kind == "gpu":
            conn.execute(read_sql("ingest/nvidia_smi_intervals.sql"))
            conn.execute(read_sql("ingest/nvidia_smi_incoming.sql"))
            load.merge_samples()
        else:
            conn.execute(read_sql("ingest/nvidia_smi_apps_incoming.sql"))
            load.merge_processes(lines)
        load.finish()

    def _first_pass(self) -> None:
        """Summarise the file; redo it when the header changes mid-way (a rare, restarted log)."""
        for _ in range(4):
            self._view(rejects=True)
            self.conn.execute(read_sql("ingest/nvidia_smi_rows.sql"))
            headers = self.load.summarize(unique_ts=self.kind == "gpu")
            wider = self._wider_rejected_header()
            if wider:
                self.width = max(self.width, wider)
                continue
            segments = self._segments_from_headers(headers)
            if segments == self.segments:
                return
            self.segments = segments
            self.width = max(s.layout.width for s in segments)
        raise InputError(self.source, "the header changes too often to follow; split the file")

    def _view(self, *, rejects: bool) -> None:
        fields_view(self.conn, self.head, self.segments, self.width, rejects=rejects)
        self.conn.execute(read_sql("ingest/nvidia_smi_apps_parsed.sql" if self.kind == "apps"
                                   else "ingest/nvidia_smi_parsed.sql"))

    def _segments_from_headers(self, headers: list[tuple[int, str]]) -> list[Segment]:
        segments = [self.segments[0]]
        for rn, text in headers:
            names = [n for n in split_fields(text) if n]
            current = segments[-1].layout
            if [n.lower() for n in names] == [n.lower() for n in self._names(current)]:
                continue
            layout = layout_from_names(names, header=text, kind=None, source=self.source,
                                       where=f"row {rn}")
            if layout.kind != self.kind:
                raise InputError(self.source, "a --query-gpu and a --query-compute-apps log are "
                                 "mixed in one file; split it", where=f"row {rn}")
            segments.append(Segment(int(rn), layout))
        return segments

    @staticmethod
    def _names(layout: Layout) -> list[str]:
        return split_fields(layout.header) if layout.header else []

    def _wider_rejected_header(self) -> int | None:
        widths = [len(split_fields(r.text)) for r in rejected_lines(self.conn)
                  if r.error == "TOO MANY COLUMNS" and looks_like_header(r.text)]
        return max(widths) if widths else None

    def _mark_truncated_end(self) -> None:
        """A plain file that does not end in a newline lost its last line to a killed logger."""
        if self.head.ends_with_newline is False:
            self.conn.execute(read_sql("ingest/nvidia_smi_truncated.sql"))

    def _line_mapper(self, rejected: list[Rejected]) -> LineMapper:
        """Row numbers → file line numbers, given the lines the reader dropped (blank, rejected).

        Blank lines are only looked for when some line is reported, since that costs a pass.
        """
        problems = self._scalar("SELECT count(*) FROM gpu_summary WHERE problem <> 'header'")
        if not problems and not rejected:
            return lambda rns: rns
        dropped = sorted({r.line for r in rejected} | set(blank_lines(self.conn, self.head)))

        def mapper(rns: list[int]) -> list[int]:
            out = []
            for rn in rns:
                line = rn
                while (moved := rn + bisect_right(dropped, line)) != line:
                    line = moved
                out.append(line)
            return out

        return mapper

    def _report_rejected(self, rejected: list[Rejected]) -> None:
        by_reason: dict[str, list[int]] = {}
        for r in rejected:
            by_reason.setdefault(REJECT_REASONS.get(r.error, r.error.lower()), []).append(r.line)
        for reason, numbers in by_reason.items():
            self.load.add_skip(reason, len(numbers), numbers)
        self.load.report.rows_read += len(rejected)

    def _scalar(self, sql: str) -> int:
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0
