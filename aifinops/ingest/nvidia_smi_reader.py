"""How DuckDB reads an nvidia-smi log: the file's head (sniffed in Python) and the reader view.

`nvsmi_fields` names each needed field (f_ts, f_util_pct, …) after the header in force, so the
SQL in `sql/ingest/nvidia_smi_*.sql` never sees column positions. Two modes:

- general: every line is a row (null-padded), numbered in file order (`rn`), headers and
  garbage included, the timestamp still text: exact, but the row numbering runs on one thread;
- fast: the timestamp column typed by the reader itself, short/long/garbage/header lines
  rejected by the reader (with their line numbers), no row numbers: it runs on every core.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aifinops.errors import InputError
from aifinops.ingest.nvidia_smi_fields import (
    APP_TARGETS,
    GPU_TARGETS,
    Layout,
    looks_like_header,
    split_fields,
)

SNIFF_BYTES = 1 << 16
LAST, EXTRA = "last", "extra"  # the header's last field, and the one after it
REJECT_REASONS = {"TOO MANY COLUMNS": "too many fields",
                  "MISSING COLUMNS": "incomplete line (fewer fields than the header)",
                  "CAST": "unreadable timestamp", "INVALID UNICODE": "not UTF-8 text"}
# nvidia-smi's timestamp ('2026/07/14 08:12:53.353') and close relatives, as DuckDB formats.
_TS = re.compile(r"^\d{4}(?P<sep>[/-])\d{2}[/-]\d{2} \d{2}:\d{2}:\d{2}(?:\.(?P<frac>\d+))?$")
_FRACTIONS = {None: "", 3: ".%g", 6: ".%f"}


@dataclass(frozen=True)
class FileHead:
    """The start of a log: its first non-blank line, the first line after it, and framing."""

    path: Path
    gzip: bool
    first_line: str
    first_line_no: int
    next_line: str | None
    ends_with_newline: bool | None  # None: not checked (gzip)

    @property
    def compression(self) -> str:
        return "gzip" if self.gzip else "none"

    @property
    def quoted_path(self) -> str:
        return "'" + str(self.path).replace("'", "''") + "'"


def read_head(path: Path) -> FileHead:
    """Sniff the first 64 KiB: a text file, its first line(s), gzip or not."""
    try:
        with path.open("rb") as raw:
            is_gzip = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if is_gzip else open
        with opener(path, "rb") as handle:
            data = handle.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}"
                         ) from exc
    text = data.decode("utf-8", errors="replace")
    if "\x00" in text or text.count("\ufffd") > 8:
        raise InputError(str(path), "not an nvidia-smi log: this is not a text file")
    lines = text.splitlines()
    if len(data) == SNIFF_BYTES and lines:
        lines = lines[:-1] or lines  # the last line may be cut by the sniff window
    found = [(n, line.strip("\ufeff")) for n, line in enumerate(lines, start=1) if line.strip()]
    if not found:
        raise InputError(str(path), "empty file: no header and no samples")
    first_no, first = found[0]
    following = found[1][1] if len(found) > 1 else None
    return FileHead(path, is_gzip, first, first_no, following, _ends_with_newline(path, is_gzip))


def _ends_with_newline(path: Path, is_gzip: bool) -> bool | None:
    if is_gzip:
        return None
    with path.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return True
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


def timestamp_format(value: str) -> str | None:
    """The DuckDB format of an nvidia-smi timestamp, or None when it is not one we know."""
    match = _TS.match(value.strip())
    if not match:
        return None
    frac = match.group("frac")
    suffix = _FRACTIONS.get(len(frac) if frac else None)
    if suffix is None:
        return None
    sep = match.group("sep")
    return f"%Y{sep}%m{sep}%d %H:%M:%S{suffix}"


@dataclass(frozen=True)
class Segment:
    """From row `start_rn` on, the file follows `layout` (a header may change mid-file)."""

    start_rn: int
    layout: Layout


def fields_view(conn: duckdb.DuckDBPyConnection, head: FileHead, segments: list[Segment],
                width: int, *, rejects: bool, ts_format: str | None = None) -> None:
    """Create the temp view nvsmi_fields; `ts_format` set means the fast mode (one segment)."""
    if rejects:
        conn.execute("DROP TABLE IF EXISTS nvsmi_rejects")
        conn.execute("DROP TABLE IF EXISTS nvsmi_reject_scans")
    layout = segments[0].layout
    ts_pos = layout.position("ts")
    fast = ts_format is not None
    types = {i: "TIMESTAMP" if fast and i == ts_pos else "VARCHAR" for i in range(1, width + 1)}
    columns = ", ".join(f"'c{i}': '{t}'" for i, t in types.items())
    options = [f"columns = {{{columns}}}", "delim = ', '", "header = false", "quote = ''",
               "escape = ''", "auto_detect = false", f"null_padding = {str(not fast).lower()}",
               "ignore_errors = true", f"compression = '{head.compression}'"]
    if fast:
        options.append(f"timestampformat = '{ts_format}'")
    if rejects:
        options += ["store_rejects = true", "rejects_table = 'nvsmi_rejects'",
                    "rejects_scan = 'nvsmi_reject_scans'"]
    reader = f"read_csv({head.quoted_path}, {', '.join(options)})"
    targets = APP_TARGETS if layout.kind == "apps" else GPU_TARGETS
    fields = [f"{_pick(segments, width, t)} AS f_{t}" for t in targets if t != "ts"]
    if fast:
        fields += [f"timezone(getvariable('gpu_tz'), c{ts_pos}) AS ts", "'' AS f_last",
                   "NULL AS f_extra", "NULL AS f_first", "NULL AS f_second", "NULL AS f_row"]
        source = f"(SELECT NULL::BIGINT AS rn, * FROM {reader})"
    else:
        row = ", ".join(f"c{i}" for i in range(1, width + 1))
        fields += [f"nvsmi_ts({_pick(segments, width, 'ts')}) AS ts",
                   f"{_pick(segments, width, LAST)} AS f_last",
                   f"{_pick(segments, width, EXTRA)} AS f_extra", "c1 AS f_first",
                   f"{'c2' if width > 1 else 'NULL'} AS f_second",
                   f"concat_ws(', ', {row}) AS f_row"]
        source = f"(SELECT row_number() OVER () AS rn, * FROM {reader})"
    conn.execute(f"CREATE OR REPLACE TEMP VIEW nvsmi_fields AS SELECT rn, {', '.join(fields)} "
                 f"FROM {source}")


def _position(layout: Layout, width: int, key: str) -> int | None:
    if key == LAST:
        return layout.width
    if key == EXTRA:
        return layout.width + 1 if layout.width < width else None
    return layout.position(key)


def _pick(segments: list[Segment], width: int, key: str) -> str:
    """A column reference, or a CASE over row numbers when headers change mid-file."""
    refs = [(s.start_rn, _position(s.layout, width, key)) for s in segments]

    def ref(pos: int | None) -> str:
        return f"c{pos}" if pos else "NULL"

    if len({p for _, p in refs}) == 1:
        return ref(refs[0][1])
    branches = " ".join(f"WHEN rn >= {start} THEN {ref(pos)}" for start, pos in reversed(refs))
    return f"CASE {branches} END"


@dataclass(frozen=True)
class Rejected:
    """A line the CSV reader did not turn into a row (line numbers are the file's own)."""

    line: int
    error: str
    text: str

    @property
    def is_header(self) -> bool:
        return looks_like_header(self.text) and "timestamp" in [
            n.split(" [")[0].lower() for n in split_fields(self.text)]


def rejected_lines(conn: duckdb.DuckDBPyConnection) -> list[Rejected]:
    """One entry per rejected line; a wrong field count explains a line better than the cast
    error its first field may also have ('### restarted ###' is not a timestamp either)."""
    rows = conn.execute(
        "SELECT line, CASE WHEN bool_or(error_type = 'MISSING COLUMNS') THEN 'MISSING COLUMNS' "
        "WHEN bool_or(error_type = 'TOO MANY COLUMNS') THEN 'TOO MANY COLUMNS' "
        "ELSE arg_min(error_type, column_idx) END, any_value(csv_line) "
        "FROM nvsmi_rejects GROUP BY line ORDER BY line").fetchall()
    return [Rejected(int(line), str(error), str(text or "").strip())
            for line, error, text in rows]


def blank_lines(conn: duckdb.DuckDBPyConnection, head: FileHead) -> list[int]:
    """Line numbers of blank lines (the CSV reader skips them): a cheap one-column pass."""
    rows = conn.execute(
        f"SELECT rn FROM (SELECT row_number() OVER () AS rn, line FROM read_csv("
        f"{head.quoted_path}, columns = {{'line': 'VARCHAR'}}, delim = '\x01', header = false, "
        f"quote = '', escape = '', auto_detect = false, compression = '{head.compression}', "
        "ignore_errors = true)) WHERE line IS NULL OR trim(line) = ''").fetchall()
    return [int(r[0]) for r in rows]
