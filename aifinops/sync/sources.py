"""Load one configured source through the same library calls the `ingest` commands make.

Each source is on its own: whatever it raises becomes a failure with its name and reason, and
the next source still runs (each load is its own transaction, so a failure leaves nothing half
loaded).
"""

from __future__ import annotations

import glob
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aifinops.config import Settings
from aifinops.errors import AifinopsError
from aifinops.ingest.aws_cur import IngestReport
from aifinops.ingest.gpu_load import GpuSettings, LoadReport
from aifinops.store import Store
from aifinops.sync.config import SourceSpec


@dataclass
class SourceOutcome:
    spec: SourceSpec
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def _cost_line(report: IngestReport) -> str:
    loaded = [u for u in report.units if not u.skipped]
    periods = sorted({p.period for u in loaded for p in u.periods})
    which = f" ({', '.join(periods)})" if periods else ""
    return (f"{report.uri}: {len(loaded)} unit(s) loaded{which}, {len(report.skipped)} "
            f"unchanged, {report.rows:,} rows")


def _gpu_line(name: str, report: LoadReport) -> str:
    return (f"{name}: {report.samples_loaded:,} new samples, {report.processes_loaded:,} process "
            f"rows, {report.rows_duplicate:,} already loaded, {report.rows_skipped:,} skipped")


def _aws_cur(store: Store, settings: Settings, spec: SourceSpec, out: SourceOutcome) -> None:
    from aifinops.ingest.aws_cur import ingest_aws_cur

    report = ingest_aws_cur(store, spec.get("uri"), settings=settings,
                            profile=spec.get("profile"), region=spec.get("region"),
                            endpoint_url=spec.get("endpoint_url"), force=spec.get("force", False))
    out.lines.append(_cost_line(report))


def _gcp(store: Store, settings: Settings, spec: SourceSpec, out: SourceOutcome) -> None:
    from aifinops.ingest.gcp_billing import ingest_gcp_sources

    tables = [spec.get("table")] if spec.get("table") else []
    paths = [spec.get("path")] if spec.get("path") else []
    lookback = spec.get("lookback_months")
    batch = ingest_gcp_sources(
        store, settings=settings, tables=tables, paths=paths, force=spec.get("force", False),
        project=spec.get("project"), location=spec.get("location"), since=None,
        lookback_months=None if lookback is None else int(lookback),
        pushdown=spec.get("pushdown", False), api_endpoint=spec.get("api_endpoint"),
        anonymous=spec.get("anonymous", False))
    out.lines.extend(_cost_line(r) for r in batch.reports)
    out.failures.extend(f.reason for f in batch.all_failures)


def _focus(store: Store, settings: Settings, spec: SourceSpec, out: SourceOutcome) -> None:
    from aifinops.ingest.focus import (
        DEFAULT_ACCOUNT,
        DEFAULT_CURRENCY,
        DEFAULT_PROVIDER,
        Defaults,
        ingest_focus_paths,
    )

    defaults = Defaults(provider=spec.get("provider", DEFAULT_PROVIDER),
                        account=spec.get("account", DEFAULT_ACCOUNT),
                        currency=spec.get("currency", DEFAULT_CURRENCY))
    batch = ingest_focus_paths(store, [spec.get("path")], settings=settings, defaults=defaults,
                               force=spec.get("force", False), profile=spec.get("profile"),
                               region=spec.get("region"), endpoint_url=spec.get("endpoint_url"))
    out.lines.extend(_cost_line(r) for r in batch.reports)
    out.failures.extend(f.reason for f in batch.failures)


def _nvidia_smi(store: Store, settings: Settings, spec: SourceSpec, out: SourceOutcome) -> None:
    from aifinops.ingest.nvidia_smi import NvidiaSmiOptions, ingest_nvidia_smi

    pattern = spec.get("glob")
    files = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
    if not files:
        raise AifinopsError(f"no files match {pattern}")
    gpu = GpuSettings.from_settings(settings, timezone=spec.get("tz"))
    options = NvidiaSmiOptions(host=spec.get("host"), columns=spec.get("columns"),
                               processes=spec.get("processes", False))
    for path in files:
        try:
            out.lines.append(_gpu_line(str(path), ingest_nvidia_smi(store, path, gpu, options)))
        except AifinopsError as exc:  # one bad log: say which, load the others
            out.failures.append(f"{exc} (nothing loaded from it)")


def _spool(store: Store, settings: Settings, spec: SourceSpec, out: SourceOutcome) -> None:
    from aifinops.ingest.spool import ingest_spool

    folder = Path(spec.get("path"))
    if not folder.is_dir():
        raise AifinopsError(f"{folder}: no such spool folder")
    archive = spec.get("archive")
    report = ingest_spool(store, folder, GpuSettings.from_settings(settings),
                          archive=Path(archive) if archive else None, keep=spec.get("keep", False))
    for path, reason in report.rejected:
        out.failures.append(f"{path}: unreadable spool file, moved to {folder / 'rejected'}: "
                            f"{reason}")
    if report.load is None:
        out.lines.append(f"{folder}: no spool files to load")
    else:
        out.lines.append(_gpu_line(f"{folder} ({len(report.files)} file(s))", report.load))


def _dcgm(store: Store, settings: Settings, spec: SourceSpec, out: SourceOutcome) -> None:
    from aifinops.ingest.dcgm import ingest_dcgm

    interval = spec.get("interval")
    report = ingest_dcgm(store, spec.get("url"), GpuSettings.from_settings(settings),
                         host=spec.get("host"),
                         interval_s=None if interval is None else float(interval))
    out.lines.append(_gpu_line(spec.get("url"), report))


def _traffic(store: Store, settings: Settings, spec: SourceSpec, out: SourceOutcome) -> None:
    from aifinops.ingest.traffic import ingest_traffic

    report = ingest_traffic(store, Path(spec.get("path")), model=spec.get("model"))
    out.lines.append(f"{spec.get('path')}: {', '.join(report.models)}: {report.hours} "
                     "model-hour(s) of traffic")


LOADERS: dict[str, Callable[[Store, Settings, SourceSpec, SourceOutcome], None]] = {
    "aws-cur": _aws_cur,
    "gcp-billing": _gcp,
    "focus": _focus,
    "nvidia-smi": _nvidia_smi,
    "spool": _spool,
    "dcgm": _dcgm,
    "traffic": _traffic,
}


def load_source(store: Store, settings: Settings, spec: SourceSpec) -> SourceOutcome:
    """Run one source; never raises for the source's own errors (they become failures)."""
    out = SourceOutcome(spec)
    started = time.perf_counter()
    try:
        LOADERS[spec.type](store, settings, spec, out)
    except AifinopsError as exc:
        out.failures.append(str(exc))
    except Exception as exc:  # a library's own error (boto, google) must not stop the others
        out.failures.append(f"{type(exc).__name__}: {exc}")
    out.seconds = time.perf_counter() - started
    return out
