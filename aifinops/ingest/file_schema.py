"""What every bill file reader asks first: parquet or CSV, the header, and the SQL that reads it.

CUR, FOCUS and GCP files are read the same way at this level: a 0-byte file is an error with the
file's name, parquet is recognised by its magic bytes (not the extension), a CSV header is read
from plain or gzipped text, and CSV is read with every column as VARCHAR so the mapping SQL, not
DuckDB's sniffer, decides types (a sniffer guesses differently file to file).
"""

from __future__ import annotations

import csv
import gzip
import zlib
from pathlib import Path

from aifinops.errors import InputError
from aifinops.sqlfiles import sql_literal


def is_parquet(path: Path, uri: str, expected: str) -> bool:
    """True for parquet, False for text; `expected` completes "empty file: expected …"."""
    if path.stat().st_size == 0:
        raise InputError(uri, f"empty file (0 bytes): expected {expected}")
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def csv_header(path: Path, uri: str, expected: str = "a header line") -> list[str]:
    """The first line's column names (BOM dropped, names stripped), from .csv or .csv.gz."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # type: ignore[operator]
            first = handle.readline()
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise InputError(uri, f"cannot read the file as CSV text: {exc}") from exc
    if not first.strip():
        raise InputError(uri, f"empty file: expected {expected}", where="line 1")
    return [h.strip() for h in next(csv.reader([first]))]


def read_csv_sql(path: Path, header: list[str], *, null_padding: bool = False) -> str:
    """read_csv(...) with the given columns, all VARCHAR, no sniffing, gzip by extension."""
    columns = ", ".join(f"{sql_literal(h)}: 'VARCHAR'" for h in header)
    return (f"read_csv({sql_literal(str(path))}, header = true, columns = {{{columns}}}, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"compression = 'auto', null_padding = {str(null_padding).lower()})")
