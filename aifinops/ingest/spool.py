"""`ingest spool`: load the files `aifinops sample` left in its spool folder, then clear them.

All complete files go in one load (one transaction): a spool holds hundreds of small files a day
and each hour's rollup is recomputed once. Files are deleted (or moved to --archive) only after
the commit; a crash in between is harmless because reloading adds nothing twice. A file DuckDB
cannot read is moved to `rejected/` beside the others and named in the report, so one bad file
does not stop a service's spool from draining.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from aifinops.errors import InputError
from aifinops.ingest.gpu_load import GpuLoad, GpuSettings, HostMapping, LoadReport
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, transaction
from aifinops.telemetry.spool import spool_files

REJECTED = "rejected"


@dataclass
class SpoolReport:
    load: LoadReport | None
    files: list[Path] = field(default_factory=list)
    rejected: list[tuple[Path, str]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    overhead: list[str] = field(default_factory=list)  # per host: sampler CPU use


def ingest_spool(store: Store, folder: Path, gpu: GpuSettings, *, archive: Path | None = None,
                 keep: bool = False) -> SpoolReport:
    """Load every complete spool file in `folder`; then delete them, archive them, or keep them."""
    if not folder.is_dir():
        raise InputError(str(folder), "no such spool folder")
    conn = store.conn
    files, rejected = _readable(conn, spool_files(folder))
    report = SpoolReport(None, files, rejected)
    _quarantine(folder, rejected)
    if not files:
        return report
    with transaction(conn):
        load = GpuLoad(conn, gpu, "spool", str(folder), "sampler")
        load.report.files = [str(f) for f in files]
        conn.execute("SET VARIABLE spool_files = ?", [[str(f) for f in files]])
        conn.execute(read_sql("ingest/gpu_spool_records.sql"))
        conn.execute(read_sql("ingest/gpu_stage.sql"))
        conn.execute(read_sql("ingest/gpu_spool_stage.sql"))
        hosts = conn.execute("SELECT host, instance_id, provider FROM spool_hosts").fetchall()
        load.map_hosts(HostMapping(h, i, None, p, "sampler") for h, i, p in hosts)
        report.load = load.merge_staged()
        report.events = [f"{ts:%Y-%m-%d %H:%M:%S} {host} {event}: {detail}" for ts, host, event,
                         detail in conn.execute(
                             "SELECT ts, host, event, detail FROM gpu_events WHERE load_id = "
                             "getvariable('gpu_load_id') ORDER BY ts").fetchall()]
        report.overhead = [
            f"{host}: {100 * cpu / wall:.2f}% of one core over {wall:,.0f} s "
            f"({ticks:,} samplings of {gpus} GPU(s))"
            for host, wall, cpu, ticks, gpus in conn.execute(
                "SELECT host, wall_s, cpu_s, ticks, gpus FROM spool_stats WHERE wall_s > 0 "
                "ORDER BY host").fetchall()]
        load.record()
    _clear(files, archive, keep)
    return report


def _readable(conn: duckdb.DuckDBPyConnection,
              files: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Split files into those DuckDB reads and those it cannot (with its reason)."""

    def probe(batch: list[Path]) -> None:
        conn.execute("SET VARIABLE spool_files = ?", [[str(f) for f in batch]])
        conn.execute(read_sql("ingest/gpu_spool_records.sql"))  # binds to the files just set
        conn.execute("SELECT count(*), count(COLUMNS(*)) FROM spool_records").fetchall()

    if not files:
        return [], []
    try:
        probe(files)
        return files, []
    except duckdb.Error:
        pass
    good, bad = [], []
    for path in files:
        try:
            probe([path])
            good.append(path)
        except duckdb.Error as exc:
            reason = re.sub(r"\s+", " ", str(exc).split("\n")[0])
            bad.append((path, reason.replace(f'in file "{path}", ', "")))
    return good, bad


def _quarantine(folder: Path, rejected: list[tuple[Path, str]]) -> None:
    if not rejected:
        return
    target = folder / REJECTED
    target.mkdir(exist_ok=True)
    for path, _ in rejected:
        shutil.move(str(path), target / path.name)


def _clear(files: list[Path], archive: Path | None, keep: bool) -> None:
    if keep:
        return
    if archive is not None:
        archive.mkdir(parents=True, exist_ok=True)
    for path in files:
        if archive is not None:
            shutil.move(str(path), archive / path.name)
        else:
            path.unlink(missing_ok=True)
