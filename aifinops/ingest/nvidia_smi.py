"""Load `nvidia-smi --query-gpu / --query-compute-apps --format=csv` logs.

DuckDB does the parsing (DESIGN: pure Python was 5× slower): the file is read as plain VARCHAR
fields split on nvidia-smi's ', ' separator, and SQL in `sql/ingest/nvidia_smi_*.sql` cleans
units and `[...]` sentinels. Two passes keep memory flat on multi-GB logs: a narrow one (row
number, host, GPU, time, what is wrong) that drives checks, dedupe and the skip report, and a
wide one that streams the good rows straight into `gpu_samples`. Only the header is read in
Python, to learn which field sits where.
"""

from __future__ import annotations

import gzip
import re
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aifinops.errors import InputError
from aifinops.ingest.gpu_load import GpuLoad, GpuSettings, LineMapper, LoadReport
from aifinops.ingest.nvidia_smi_fields import (
    APP_TARGETS,
    GPU_TARGETS,
    Kind,
    Layout,
    layout_from_names,
    looks_like_header,
    parse_columns_option,
    split_fields,
)
from aifinops.ingest.objects import file_digest
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction

SNIFF_BYTES = 1 << 16
_DATA_START = re.compile(r"^\d{4}[/-]\d{2}[/-]\d{2}[ T]\d")
_NUL = "\x00"
LAST, EXTRA = "last", "extra"  # the header's last field, and the one after it (f_last, f_extra)


@dataclass(frozen=True)
class NvidiaSmiOptions:
    """What the command line says about a file; None means: work it out."""

    host: str | None = None
    columns: str | None = None
    processes: bool = False
    interval_s: float | None = None


@dataclass(frozen=True)
class _Head:
    """The start of a file: its first non-blank line, and whether the file is gzip."""

    gzip: bool
    first_line: str
    first_line_no: int
    ends_with_newline: bool | None  # None: not checked (gzip)


@dataclass(frozen=True)
class _Segment:
    start_rn: int
    layout: Layout


def ingest_nvidia_smi(store: Store, path: Path, gpu: GpuSettings,
                      options: NvidiaSmiOptions | None = None) -> LoadReport:
    """Load one log in one transaction. Raises InputError, loading nothing, if it is no GPU log."""
    conn = store.conn
    options = options or NvidiaSmiOptions()
    source = str(path)
    head = _read_head(path)
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
        _Parser(conn, path, head, layout, load).run()
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


def _read_head(path: Path) -> _Head:
    try:
        with path.open("rb") as raw:
            magic = raw.read(2)
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    is_gzip = magic == b"\x1f\x8b"
    try:
        if is_gzip:
            with gzip.open(path, "rb") as handle:
                data = handle.read(SNIFF_BYTES)
        else:
            with path.open("rb") as handle:
                data = handle.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from exc
    text = data.decode("utf-8", errors="replace")
    if _NUL in text or text.count("\ufffd") > 8:
        raise InputError(str(path), "not an nvidia-smi log: this is not a text file")
    lines = text.splitlines()
    if len(data) == SNIFF_BYTES and lines:
        lines = lines[:-1] or lines  # the last line may be cut by the sniff window
    for number, line in enumerate(lines, start=1):
        if line.strip():
            return _Head(is_gzip, line.strip("\ufeff"), number, _ends_with_newline(path, is_gzip))
    raise InputError(str(path), "empty file: no header and no samples")


def _ends_with_newline(path: Path, is_gzip: bool) -> bool | None:
    if is_gzip:
        return None
    with path.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return True
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def _first_layout(head: _Head, options: NvidiaSmiOptions, source: str) -> Layout:
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


class _Parser:
    """The passes over one file, inside the caller's transaction."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, path: Path, head: _Head, layout: Layout,
                 load: GpuLoad) -> None:
        self.conn = conn
        self.path = path
        self.head = head
        self.load = load
        self.kind = layout.kind
        self.segments = [_Segment(1, layout)]
        self.width = layout.width
        self.source = str(path)

    def run(self) -> None:
        conn = self.conn
        load = self.load
        conn.execute(read_sql("ingest/nvidia_smi_macros.sql"))
        self._first_pass()
        ignored = (c for s in self.segments for c in s.layout.ignored)
        load.report.ignored_columns = list(dict.fromkeys(ignored))
        rejected = self._rejected_lines()
        self._mark_truncated_end()
        lines = self._line_mapper(rejected)
        load.check(lines)
        self._report_rejected(rejected)
        if not load.valid_rows and load.report.rows_read:
            first = min(n for s in load.report.skips for n in s.first_lines)
            raise InputError(self.source, "no usable rows: every line is malformed (first: line "
                             f"{first}); is this an nvidia-smi log?")
        self._wide_view()
        if self.kind == "gpu":
            conn.execute(read_sql("ingest/nvidia_smi_intervals.sql"))
            conn.execute(read_sql("ingest/nvidia_smi_incoming.sql"))
            load.merge_samples()
        else:
            conn.execute(read_sql("ingest/nvidia_smi_apps_incoming.sql"))
            load.merge_processes(lines)
        load.finish()

    # -- passes ---------------------------------------------------------------------------

    def _first_pass(self) -> None:
        """Summarise the file; redo it when the header changes mid-way (a rare, restarted log)."""
        for _ in range(4):
            self._fields_view(rejects=True)
            self.conn.execute(read_sql(self._parsed_sql()))
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

    def _wide_view(self) -> None:
        self._fields_view(rejects=False)
        self.conn.execute(read_sql(self._parsed_sql()))

    def _parsed_sql(self) -> str:
        return ("ingest/nvidia_smi_apps_parsed.sql" if self.kind == "apps"
                else "ingest/nvidia_smi_parsed.sql")

    def _fields_view(self, *, rejects: bool) -> None:
        """nvsmi_fields: the file as VARCHAR fields, each named after the header in force."""
        if rejects:
            self.conn.execute("DROP TABLE IF EXISTS nvsmi_rejects")
            self.conn.execute("DROP TABLE IF EXISTS nvsmi_reject_scans")
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, self.width + 1))
        reject_opts = (", store_rejects = true, rejects_table = 'nvsmi_rejects', "
                       "rejects_scan = 'nvsmi_reject_scans'" if rejects else "")
        path = str(self.path).replace("'", "''")
        compression = "gzip" if self.head.gzip else "none"
        reader = (f"read_csv('{path}', columns = {{{columns}}}, delim = ', ', header = false, "
                  "quote = '', escape = '', auto_detect = false, null_padding = true, "
                  f"ignore_errors = true, compression = '{compression}'{reject_opts})")
        targets = APP_TARGETS if self.kind == "apps" else GPU_TARGETS
        fields = [f"{self._pick(t)} AS f_{t}" for t in (*targets, LAST, EXTRA)]
        fields.append("c1 AS f_first")
        fields.append(f"{'c2' if self.width > 1 else 'NULL'} AS f_second")
        row = ", ".join(f"c{i}" for i in range(1, self.width + 1))
        fields.append(f"concat_ws(', ', {row}) AS f_row")
        self.conn.execute(
            f"CREATE OR REPLACE TEMP VIEW nvsmi_fields AS SELECT rn, {', '.join(fields)} "
            f"FROM (SELECT row_number() OVER () AS rn, * FROM {reader})"
        )

    def _position(self, layout: Layout, key: str) -> int | None:
        if key == LAST:
            return layout.width
        if key == EXTRA:
            return layout.width + 1 if layout.width < self.width else None
        return layout.position(key)

    def _pick(self, key: str) -> str:
        """A column reference, or a CASE over row numbers when headers change mid-file."""
        refs = [(s.start_rn, self._position(s.layout, key)) for s in self.segments]

        def ref(pos: int | None) -> str:
            return f"c{pos}" if pos else "NULL"

        if len({p for _, p in refs}) == 1:
            return ref(refs[0][1])
        branches = " ".join(f"WHEN rn >= {start} THEN {ref(pos)}" for start, pos in reversed(refs))
        return f"CASE {branches} END"

    # -- checks ---------------------------------------------------------------------------

    def _segments_from_headers(self, headers: list[tuple[int, str]]) -> list[_Segment]:
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
            segments.append(_Segment(int(rn), layout))
        return segments

    @staticmethod
    def _names(layout: Layout) -> list[str]:
        return split_fields(layout.header) if layout.header else []

    def _wider_rejected_header(self) -> int | None:
        rows = self.conn.execute(
            "SELECT DISTINCT csv_line FROM nvsmi_rejects WHERE error_type = 'TOO MANY COLUMNS'"
        ).fetchall()
        widths = [len(split_fields(line)) for (line,) in rows if looks_like_header(line)]
        return max(widths) if widths else None

    def _rejected_lines(self) -> dict[int, str]:
        """Lines the CSV reader dropped (too many fields, bad bytes): line number → error."""
        rows = self.conn.execute(
            "SELECT line, any_value(error_type) FROM nvsmi_rejects GROUP BY line ORDER BY line"
        ).fetchall()
        return {int(line): str(kind) for line, kind in rows}

    def _mark_truncated_end(self) -> None:
        """A plain file that does not end in a newline lost its last line to a killed logger."""
        if self.head.ends_with_newline is not False:
            return
        self.conn.execute(read_sql("ingest/nvidia_smi_truncated.sql"))

    def _line_mapper(self, rejected: dict[int, str]) -> LineMapper:
        """Row numbers → file line numbers, given the lines the reader dropped (blank, rejected).

        Blank lines are only looked for when some line is reported, since that costs a pass.
        """
        problems = self._scalar("SELECT count(*) FROM gpu_summary WHERE problem <> 'header'")
        if not problems and not rejected:
            return lambda rns: rns
        dropped = sorted(set(rejected) | set(self._blank_lines()))

        def mapper(rns: list[int]) -> list[int]:
            out = []
            for rn in rns:
                line = rn
                while (moved := rn + bisect_right(dropped, line)) != line:
                    line = moved
                out.append(line)
            return out

        return mapper

    def _blank_lines(self) -> list[int]:
        path = str(self.path).replace("'", "''")
        compression = "gzip" if self.head.gzip else "none"
        rows = self.conn.execute(
            f"SELECT rn FROM (SELECT row_number() OVER () AS rn, line FROM read_csv('{path}', "
            "columns = {'line': 'VARCHAR'}, delim = '\x01', header = false, quote = '', "
            f"escape = '', auto_detect = false, compression = '{compression}', "
            "ignore_errors = true)) WHERE line IS NULL OR trim(line) = ''"
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _report_rejected(self, rejected: dict[int, str]) -> None:
        by_kind: dict[str, list[int]] = {}
        for line, kind in rejected.items():
            by_kind.setdefault(kind, []).append(line)
        names = {"TOO MANY COLUMNS": "too many fields", "INVALID UNICODE": "not UTF-8 text"}
        for kind, numbers in by_kind.items():
            self.load.add_skip(names.get(kind, kind.lower()), len(numbers), numbers)
        self.load.report.rows_read += len(rejected)

    def _scalar(self, sql: str) -> int:
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0
