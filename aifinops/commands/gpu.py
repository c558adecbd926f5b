"""GPU telemetry commands: `ingest nvidia-smi | dcgm | spool` and the `sample` service.

Thin shells over `aifinops.ingest.{nvidia_smi,dcgm,spool}` and `aifinops.telemetry.sampler`;
each says what it loaded and what it skipped, with line numbers, so a user can fix a log.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from aifinops.commands.base import CliState, after_ingest, cli, friendly_errors, ingest, refresh_option, state
from aifinops.errors import AifinopsError, InputError
from aifinops.ingest.gpu_load import GpuSettings, LoadReport, check_timezone
from aifinops.store import open_store

LOG_PATTERNS = ("*.csv", "*.csv.gz", "*.log", "*.log.gz", "*.txt", "*.txt.gz")
IGNORED_SHOWN = 6


def _gpu_settings(st: CliState, tz: str | None = None) -> GpuSettings:
    settings = st.settings()
    if tz:
        check_timezone(tz, "--tz")
    return GpuSettings.from_settings(settings, timezone=tz)


def _log_files(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; folders expand to the logs directly inside them."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted({p for pattern in LOG_PATTERNS for p in path.glob(pattern)})
            if not found:
                raise InputError(str(path), "no nvidia-smi logs (*.csv, *.csv.gz, *.log) here")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise InputError(str(path), "no such file")
    return files


def _when(report: LoadReport) -> str:
    if report.first_ts is None or report.last_ts is None:
        return ""
    return f", {report.first_ts:%Y-%m-%d %H:%M} → {report.last_ts:%Y-%m-%d %H:%M} UTC"


def print_load(st: CliState, name: str, report: LoadReport) -> None:
    """One line of what was loaded, then the skipped rows by reason with line numbers."""
    apps = report.source == "nvidia-smi-apps"
    loaded = []
    if report.samples_loaded or not apps:
        loaded.append(f"{report.samples_loaded:,} new samples")
    if report.processes_loaded or apps:
        loaded.append(f"{report.processes_loaded:,} new process rows")
    hosts = ", ".join(report.hosts) or "-"
    origin = f" (from {report.host_origin})" if report.host_origin else ""
    click.echo(
        f"{name}: {' and '.join(loaded)}, {report.rows_duplicate:,} already loaded, "
        f"{report.rows_skipped:,} skipped; host {hosts}{origin}; {report.gpus} GPU(s); "
        f"{report.hours:,} hour(s) rolled up{_when(report)}")
    if st.quiet:
        return
    for skip in report.skips:
        click.echo(f"  skipped {skip.describe()}")
    if report.ignored_columns:
        shown = ", ".join(report.ignored_columns[:IGNORED_SHOWN])
        more = len(report.ignored_columns) - IGNORED_SHOWN
        tail = f" and {more} more" if more > 0 else ""
        click.echo(f"  ignored {len(report.ignored_columns)} column(s) aifinops does not use: "
                   f"{shown}{tail}")
    for note in report.notes:
        click.echo(f"  note: {note}")


@ingest.command("nvidia-smi")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--host", help="The host the logs come from (default: a host column, else the "
              "file name, e.g. gpu-node-03.csv).")
@click.option("--tz", help="Time zone of the logs' timestamps, which nvidia-smi prints in local "
              "time without a zone (default: [gpu] timezone, else UTC).")
@click.option("--columns", help="Field list of a headerless log (--format=csv,noheader), as "
              "given to --query-gpu, e.g. timestamp,index,uuid,utilization.gpu,memory.used.")
@click.option("--processes", is_flag=True, help="The files are --query-compute-apps logs "
              "(detected from the header; needed with --columns only).")
@click.option("--interval", "interval_s", type=float, help="Seconds between samples (default: "
              "measured from the log).")
@refresh_option
@click.pass_context
@friendly_errors
def ingest_nvidia_smi_cmd(ctx: click.Context, paths: tuple[Path, ...], host: str | None,
                          tz: str | None, columns: str | None, processes: bool,
                          interval_s: float | None) -> None:
    """Load nvidia-smi --query-gpu (or --query-compute-apps) CSV logs, .csv or .csv.gz."""
    from aifinops.ingest.nvidia_smi import NvidiaSmiOptions, ingest_nvidia_smi

    st = state(ctx)
    gpu = _gpu_settings(st, tz)
    options = NvidiaSmiOptions(host=host, columns=columns, processes=processes,
                               interval_s=interval_s)
    failed = 0
    with open_store(st.settings()) as store:
        for path in _log_files(paths):
            try:
                report = ingest_nvidia_smi(store, path, gpu, options)
            except InputError as exc:  # one bad file: say so, load the others
                click.echo(f"error: {exc} (nothing loaded from it)", err=True)
                failed += 1
                continue
            print_load(st, str(path), report)
        after_ingest(st, store, st.settings())
    if not (tz or st.quiet or "timezone" in st.settings().section("gpu")):
        click.echo("timestamps were read as UTC; pass --tz (or set [gpu] timezone) if these "
                   "hosts log in another zone")
    if failed:
        raise AifinopsError(f"{failed} file(s) could not be loaded")


@ingest.command("dcgm")
@click.argument("source")
@click.option("--host", help="Host of the GPUs (default: the Hostname label, else the URL's "
              "host).")
@click.option("--at", "at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]),
              help="When a saved scrape was taken, e.g. 2026-11-28T12:00:00+00:00 (default: "
              "the samples' own timestamps, else fetch time or the file's mtime).")
@click.option("--interval", "interval_s", type=float, help="Seconds between scrapes, if you "
              "load them regularly (counts towards hourly coverage).")
@refresh_option
@click.pass_context
@friendly_errors
def ingest_dcgm_cmd(ctx: click.Context, source: str, host: str | None, at: datetime | None,
                    interval_s: float | None) -> None:
    """Load a DCGM exporter scrape: a saved metrics file or http://HOST:9400/metrics."""
    from aifinops.ingest.dcgm import ingest_dcgm

    st = state(ctx)
    gpu = _gpu_settings(st)
    with open_store(st.settings()) as store:
        report = ingest_dcgm(store, source, gpu, host=host, at=at, interval_s=interval_s)
        print_load(st, source, report)
        after_ingest(st, store, st.settings())


@ingest.command("spool")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path),
              help="Move loaded files here instead of deleting them.")
@click.option("--keep", is_flag=True, help="Leave loaded files where they are.")
@refresh_option
@click.pass_context
@friendly_errors
def ingest_spool_cmd(ctx: click.Context, folder: Path, archive: Path | None, keep: bool) -> None:
    """Load the files `aifinops sample` wrote to FOLDER, then delete (or archive) them."""
    from aifinops.ingest.spool import ingest_spool

    st = state(ctx)
    gpu = _gpu_settings(st)
    with open_store(st.settings()) as store:
        report = ingest_spool(store, folder, gpu, archive=archive, keep=keep)
        if report.load is not None:
            after_ingest(st, store, st.settings())
    for path, reason in report.rejected:
        click.echo(f"error: {path}: unreadable spool file, moved to {folder / 'rejected'}: "
                   f"{reason}", err=True)
    if report.load is None:
        click.echo(f"{folder}: no spool files to load")
        return
    print_load(st, f"{folder} ({len(report.files)} file(s))", report.load)
    for event in report.events:
        st.say(f"  sampler event: {event}")
    for line in report.overhead:
        st.say(f"  sampler overhead: {line}")
    fate = "kept" if keep else f"moved to {archive}" if archive else "deleted"
    st.say(f"  loaded files {fate}")


@cli.command()
@click.option("--interval", "interval_s", type=float, default=5.0, show_default=True,
              help="Seconds between samples.")
@click.option("--spool", "spool", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder for the spool files (`aifinops ingest spool` reads it).")
@click.option("--duration", "duration_s", type=float, help="Stop after this many seconds "
              "(default: run until SIGTERM or Ctrl-C).")
@click.option("--rotate", "rotate_s", type=float, default=60.0, show_default=True,
              help="Seconds per spool file.")
@click.option("--no-processes", is_flag=True, help="Do not record the processes on each GPU.")
@click.pass_context
@friendly_errors
def sample(ctx: click.Context, interval_s: float, spool: Path, duration_s: float | None,
           rotate_s: float, no_processes: bool) -> None:
    """Sample every GPU through NVML into spool files (run it as a service on GPU hosts)."""
    from aifinops.telemetry.host import resolve_identity
    from aifinops.telemetry.nvml import PynvmlBackend
    from aifinops.telemetry.sampler import Sampler, SamplerConfig

    st = state(ctx)
    if interval_s <= 0 or rotate_s <= 0:
        raise AifinopsError("--interval and --rotate must be positive")
    identity = resolve_identity(st.settings().section("host"))
    config = SamplerConfig(interval_s=interval_s, rotate_s=rotate_s, duration_s=duration_s,
                           processes=not no_processes)
    summary = Sampler(PynvmlBackend(), spool, identity, config).run()
    share = 100 * summary.cpu_s / summary.wall_s if summary.wall_s else 0.0
    lost = f", lost {len(summary.lost)} GPU(s)" if summary.lost else ""
    click.echo(f"sampled {summary.gpus} GPU(s) {summary.ticks:,} time(s) in {summary.wall_s:,.1f}"
               f" s{lost}; wrote {len(summary.files)} spool file(s) to {spool}; CPU "
               f"{summary.cpu_s:.2f} s ({share:.2f}% of one core)", err=True)
