"""A new database starts as a copy of a cached blank one built from the same SQL files.

Building the schema of a fresh file (twelve migrations, the reference tables, the views) takes
0.15–0.2 s of DuckDB catalog work, which a first ingest, a demo run and every test's fresh
database pay in full; copying the 2.6 MB file that the same work left behind takes 3 ms. The
blank is keyed by the DuckDB version and a checksum of every file that goes into it, so a
changed migration, view or catalog, or another DuckDB, builds a new one. It lives in the user's
cache folder (`$AIFINOPS_CACHE_DIR`, else `$XDG_CACHE_HOME/aifinops`, else `~/.cache/aifinops`;
`AIFINOPS_CACHE_DIR=` with no value turns it off). Any trouble with the cache (a read-only home,
a full disk) falls back to building the new file in place; a broken migration fails as before.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import duckdb

from aifinops.sqlfiles import files_checksum

CACHE_ENV = "AIFINOPS_CACHE_DIR"
_PREFIX = "blank-"


def cache_dir() -> Path | None:
    explicit = os.environ.get(CACHE_ENV)
    if explicit is not None:
        return Path(explicit) if explicit.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aifinops"


def blank_key(sources: list[Path]) -> str:
    """What the blank is built from: DuckDB's version and the files, by name and content."""
    return files_checksum(sources, salt=duckdb.__version__)[:20]


def _blank(folder: Path, sources: list[Path], build: Callable[[Path], None]) -> Path | None:
    """The blank for these files, built now if not cached yet; None if the cache is unusable."""
    path = folder / f"{_PREFIX}{blank_key(sources)}.duckdb"
    if path.is_file():
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    scratch = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        build(scratch)  # a failing migration raises from here, as it would in place
        os.replace(scratch, path)  # atomic: a second process building at once replaces it alike
    except OSError:
        return None
    finally:
        for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
            with suppress(OSError):
                leftover.unlink()
    for old in folder.glob(f"{_PREFIX}*.duckdb"):  # blanks of earlier schemas or DuckDBs
        if old != path:
            with suppress(OSError):
                old.unlink()
    return path


def copy_blank(target: Path, sources: list[Path], build: Callable[[Path], None]) -> Path | None:
    """Make `target` (which must not exist) a copy of the cached blank built from `sources` (the
    migrations, reference files and views, in order) and return the blank's path; None when it
    could not, and the caller builds `target` in place. `build(path)` creates that blank
    database at `path`."""
    folder = cache_dir()
    if folder is None or Path(f"{target}.wal").exists():  # a crashed database's log: keep out
        return None
    blank = _blank(folder, sources, build)
    if blank is None:
        return None
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(blank, scratch)
        os.link(scratch, target)  # never replaces a database another process just created
    except OSError:
        return None
    finally:
        with suppress(OSError):
            scratch.unlink()
    return blank


def discard_blank(blank: Path) -> None:
    """Forget a blank that turned out stale (its copy needed work its key did not foresee, such as
    a release that records its shipped files differently); the next new database builds it again."""
    with suppress(OSError):
        blank.unlink()
