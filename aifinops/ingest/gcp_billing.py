"""GCP Cloud Billing export into `focus_costs`, from BigQuery or from exported files.

The unit of replacement is (billing account, invoice month): x_source_key `gcp:<account>`,
x_billing_period from `invoice.month`. One UTC day can belong to two invoice months (Google
bills in Pacific time), so months, not days, are what a load replaces.

From BigQuery (`ingest_gcp_bigquery`), loads are incremental: BigQuery says, for each invoice
month in a look-back window (default: the current and the previous month), its newest
`export_time` and row count; a month whose figures equal those recorded at its last load is
skipped, any other is re-read whole and replaces the old copy in one transaction. Late rows,
which arrive for days with a newer export_time, thus restate exactly their month.

From files (`ingest_gcp_files`), every file of a path is read together (a month may span many
files) and each (account, month) found replaces its old copy.

Failures are contained: each month is its own transaction, and `ingest_gcp_sources` loads each
table or path on its own, recording which failed and why while the others load.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from aifinops.config import Settings
from aifinops.errors import AifinopsError, ConfigError, InputError
from aifinops.ingest import gcp_files
from aifinops.ingest.aws_cur import IngestReport
from aifinops.ingest.focus import Coercion, Failure
from aifinops.ingest.gcp_bigquery import BigQueryError, BillingExportReader, MonthState, TableInfo
from aifinops.ingest.loader import (
    UnitResult,
    checksum_of,
    costs_insert_sql,
    first_line,
    is_conversion,
    is_current,
    load_unit,
)
from aifinops.ingest.objects import open_source
from aifinops.ingest.tag_macros import install_tag_macros
from aifinops.sqlfiles import read_sql
from aifinops.store import Store

SOURCE = "gcp-billing"
PACIFIC = ZoneInfo("America/Los_Angeles")
DEFAULT_LOOKBACK_MONTHS = 1  # the current invoice month and the one before
DEFAULT_PARTITION_SLACK_DAYS = 40  # partitions read before a month starts (late, adjusting rows)
DEFAULT_RETRY_DEADLINE_S = 120.0

Progress = Callable[[str, int, int], None]


@dataclass
class GcpIngestReport(IngestReport):
    notes: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    coercions: list[Coercion] = field(default_factory=list)


@dataclass
class GcpBatch:
    reports: list[GcpIngestReport] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def all_failures(self) -> list[Failure]:
        return self.failures + [f for r in self.reports for f in r.failures]


@dataclass(frozen=True)
class GcpSettings:
    """The [gcp] table of aifinops.toml (all optional)."""

    lookback_months: int = DEFAULT_LOOKBACK_MONTHS
    partition_slack_days: int = DEFAULT_PARTITION_SLACK_DAYS
    retry_deadline_s: float = DEFAULT_RETRY_DEADLINE_S

    @classmethod
    def from_settings(cls, settings: Settings) -> GcpSettings:
        section = settings.section("gcp")
        try:
            return cls(
                lookback_months=int(section.get("lookback_months", DEFAULT_LOOKBACK_MONTHS)),
                partition_slack_days=int(section.get("partition_slack_days",
                                                     DEFAULT_PARTITION_SLACK_DAYS)),
                retry_deadline_s=float(section.get("retry_deadline_s", DEFAULT_RETRY_DEADLINE_S)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{settings.config_path}: [gcp] values must be numbers ({exc})") \
                from exc


# ---------------------------------------------------------------------------------------------
# Invoice months


def invoice_month_of(moment: datetime) -> str:
    """The invoice month (YYYYMM) an instant belongs to: Google bills in Pacific time."""
    return moment.astimezone(PACIFIC).strftime("%Y%m")


def shift_month(month: str, delta: int) -> str:
    index = int(month[:4]) * 12 + int(month[4:]) - 1 + delta
    return f"{index // 12:04d}{index % 12 + 1:02d}"


def month_start(month: str) -> datetime:
    """The instant an invoice month starts (midnight Pacific), in UTC."""
    local = datetime(int(month[:4]), int(month[4:]), 1, tzinfo=PACIFIC)
    return local.astimezone(UTC)


def first_month(*, since: date | None, lookback_months: int, now: datetime) -> str:
    if since is not None:
        return f"{since.year:04d}{since.month:02d}"
    return shift_month(invoice_month_of(now), -max(lookback_months, 0))


# ---------------------------------------------------------------------------------------------
# Loading one relation of gcp_source rows


def _insert_sql(select: str) -> str:
    return costs_insert_sql(f"WITH gcp_source AS ({select})\n"
                            f"SELECT * FROM ({read_sql('ingest/gcp_to_focus.sql')})")


def _install_macros(conn: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    conn.execute(read_sql("ingest/gcp_macros.sql"))
    install_tag_macros(conn, settings)


def _load(store: Store, *, unit: str, uri: str, files: list[str], checksum: str,
          gfiles: list[gcp_files.GcpFile]) -> UnitResult:
    conn = store.conn
    try:
        return load_unit(store, source=SOURCE, unit=unit, uri=uri, files=files,
                         checksum=checksum, insert_sql=_insert_sql(gcp_files.source_sql(gfiles)),
                         params={"source": SOURCE})
    except AifinopsError:
        raise
    except duckdb.Error as exc:
        diagnosis = gcp_files.diagnose(conn, gfiles) if is_conversion(exc) else None
        if diagnosis is not None:
            raise diagnosis from exc
        raise InputError(uri, f"could not be loaded: {first_line(exc)}") from exc


# ---------------------------------------------------------------------------------------------
# From BigQuery


def ingest_gcp_bigquery(
    store: Store,
    table: str,
    *,
    settings: Settings,
    project: str | None = None,
    location: str | None = None,
    since: date | None = None,
    lookback_months: int | None = None,
    pushdown: bool = False,
    api_endpoint: str | None = None,
    anonymous: bool = False,
    force: bool = False,
    page_size: int | None = None,
    retry_deadline_s: float | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    reader: BillingExportReader | None = None,
) -> GcpIngestReport:
    """Reload the invoice months of `table` whose export changed since their last load.

    A failure before any month is read (no access, no table, quota, not an export) raises
    `BigQueryError` with the database untouched. A failure while reading month N keeps the months
    before it, records why month N failed, and does not try the rest (the cause, a permission or
    a quota, would fail them too).
    """
    options = GcpSettings.from_settings(settings)
    reader = reader or BillingExportReader(
        table, project=project, location=location, api_endpoint=api_endpoint, anonymous=anonymous,
        retry_deadline=options.retry_deadline_s if retry_deadline_s is None else retry_deadline_s,
        page_size=page_size)
    report = GcpIngestReport(uri=f"bigquery:{reader.table}")
    try:
        info = reader.describe()
        now = now or datetime.now(UTC)
        first = first_month(since=since, now=now, lookback_months=options.lookback_months
                            if lookback_months is None else lookback_months)
        slack = timedelta(days=options.partition_slack_days)
        months = reader.months(info, first, month_start(first) - slack)
        report.notes.append(
            f"{'detailed (resource-level)' if info.detailed else 'standard'} export; invoice "
            f"months from {first[:4]}-{first[4:]}: {len(months)} found"
            + (", rows summed per day in BigQuery (--pushdown)" if pushdown else ""))
        _install_macros(store.conn, settings)
        for index, month in enumerate(months, start=1):
            if progress:
                progress(f"{month.billing_account_id} {month.period}", index, len(months))
            try:
                report.units.append(_bigquery_month(store, reader, info, month, pushdown=pushdown,
                                                    scan_from=month_start(month.invoice_month) - slack,
                                                    force=force))
            except BigQueryError as exc:
                left = len(months) - index
                report.failures.append(Failure(f"{report.uri} {month.period}", str(exc)
                                               + (f" ({left} later month(s) not tried)" if left
                                                  else "")))
                break
            except AifinopsError as exc:
                report.failures.append(Failure(f"{report.uri} {month.period}", str(exc)))
    finally:
        reader.close()
    return report


def _bigquery_month(store: Store, reader: BillingExportReader, info: TableInfo,
                    month: MonthState, *, pushdown: bool, scan_from: datetime,
                    force: bool) -> UnitResult:
    unit = f"bigquery:{reader.table}::{month.billing_account_id}:{month.period}"
    stamp = month.max_export_time.isoformat() if month.max_export_time else "none"
    checksum = f"{stamp}|{month.row_count}|{'daily' if pushdown else 'rows'}"
    name = f"{month.billing_account_id} {month.period}"
    if not force and is_current(store.conn, unit, checksum):
        return UnitResult(unit=name, uri=f"bigquery:{reader.table}", load_id=None, skipped=True)
    with tempfile.TemporaryDirectory(prefix="aifinops-gcp-") as tmp:
        spool = Path(tmp) / "rows.parquet"
        rows = reader.fetch(info, month, pushdown=pushdown, scan_from=scan_from, dest=spool)
        if rows == 0:
            raise InputError(f"bigquery:{reader.table}", f"invoice month {month.period} of "
                             f"{month.billing_account_id} returned no rows although the export "
                             "listed it; nothing replaced")
        gfile = gcp_files.inspect_file(store.conn, spool, f"bigquery:{reader.table}")
        result = _load(store, unit=unit, uri=f"bigquery:{reader.table}", files=[reader.table],
                       checksum=checksum, gfiles=[gfile])
    result.unit = name
    return result


# ---------------------------------------------------------------------------------------------
# From files


def ingest_gcp_files(store: Store, uri: str, *, settings: Settings, force: bool = False,
                     **source_options: str | None) -> GcpIngestReport:
    """Load every export file under `uri` (JSONL, parquet, flattened CSV) as one unit."""
    source = open_source(uri, **source_options)
    refs = [r for r in source.list() if _is_export_file(r.key)]
    report = GcpIngestReport(uri=source.root_uri)
    if not refs:
        raise InputError(source.root_uri, "no GCP billing export files found: expected .json / "
                         ".jsonl (BigQuery JSON export), .parquet, or a flattened .csv")
    unit = f"gcp-files::{source.root_uri.rstrip('/')}"
    checksum = checksum_of([(r.key, r.etag) for r in refs])
    conn = store.conn
    if not force and is_current(conn, unit, checksum):
        report.units.append(UnitResult(unit=source.root_uri, uri=source.root_uri, load_id=None,
                                       skipped=True))
        return report
    _install_macros(conn, settings)
    gfiles = [gcp_files.inspect_file(conn, source.local_path(r), r.uri) for r in refs]
    flavours = sorted({f.flavour for f in gfiles})
    report.notes.append(f"{len(gfiles)} file(s): {', '.join(flavours)}")
    with tempfile.TemporaryDirectory(prefix="aifinops-gcp-") as tmp:
        if any(f.repr_columns for f in gfiles):
            gcp_files.prepare_reprs(conn, gfiles, Path(tmp))
        try:
            for f in gfiles:
                for column, cells, example in gcp_files.unparsed_reprs(conn, f):
                    report.coercions.append(Coercion(column, "cells could not be parsed as a "
                                                     "list of records, read as empty", cells,
                                                     example))
                extra = _extra_columns(f)
                if extra:
                    report.notes.append(f"{Path(f.uri).name}: ignored column(s) {', '.join(extra)}")
            result = _load(store, unit=unit, uri=source.root_uri, files=[r.uri for r in refs],
                           checksum=checksum, gfiles=gfiles)
        finally:
            gcp_files.drop_reprs(conn)
    result.unit = source.root_uri
    report.units.append(result)
    return report


def _extra_columns(file: gcp_files.GcpFile) -> list[str]:
    if file.flavour != "csv":
        return []
    known = {c.path for c in gcp_files.gcp_columns()}
    return sorted(file.available - known)


def _is_export_file(key: str) -> bool:
    name = key.rsplit("/", 1)[-1].lower()
    if name.startswith((".", "_")):
        return False
    return name.endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz",
                          ".parquet", ".csv", ".csv.gz"))


# ---------------------------------------------------------------------------------------------
# Several sources


def ingest_gcp_sources(
    store: Store,
    *,
    settings: Settings,
    tables: Sequence[str] = (),
    paths: Sequence[str] = (),
    force: bool = False,
    progress: Progress | None = None,
    **bigquery_options: Any,
) -> GcpBatch:
    """Each table and each path on its own: one that fails is recorded, the others load."""
    batch = GcpBatch()
    for table in tables:
        try:
            batch.reports.append(ingest_gcp_bigquery(store, table, settings=settings, force=force,
                                                     progress=progress, **bigquery_options))
        except AifinopsError as exc:
            batch.failures.append(Failure(f"bigquery:{table}", str(exc)))
    for index, path in enumerate(paths, start=1):
        if progress:
            progress(path, index, len(paths))
        try:
            batch.reports.append(ingest_gcp_files(store, path, settings=settings, force=force))
        except AifinopsError as exc:
            batch.failures.append(Failure(path, str(exc)))
    return batch
