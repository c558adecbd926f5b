"""AWS Cost and Usage Reports (CUR 2.0 and legacy) from a file, a folder tree or an S3 prefix.

Each billing period of each export is one unit: found from the latest manifest, skipped when its
files are unchanged since the last load, otherwise read straight from parquet/CSV by DuckDB into
FOCUS columns and swapped in atomically (see `loader`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from aifinops.config import Settings
from aifinops.errors import AifinopsError, InputError
from aifinops.ingest import cur_discovery, cur_source
from aifinops.ingest.loader import (
    UnitResult,
    checksum_of,
    costs_insert_sql,
    first_line,
    is_conversion,
    is_current,
    load_unit,
)
from aifinops.ingest.objects import ObjectSource, open_source
from aifinops.ingest.tag_macros import install_tag_macros
from aifinops.sqlfiles import read_sql
from aifinops.store import Store

SOURCES = {cur_source.CUR2: "aws-cur2", cur_source.LEGACY: "aws-cur-legacy"}


@dataclass
class IngestReport:
    uri: str
    units: list[UnitResult] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(u.rows for u in self.units)

    @property
    def skipped(self) -> list[UnitResult]:
        return [u for u in self.units if u.skipped]


Progress = Callable[[str, int, int], None]


def ingest_aws_cur(
    store: Store,
    uri: str,
    *,
    settings: Settings,
    profile: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Load every billing period found under `uri`; return what was loaded or skipped."""
    source = open_source(uri, profile=profile, region=region, endpoint_url=endpoint_url)
    refs = source.list()
    units = cur_discovery.discover(refs, source.read_bytes)
    if not units:
        raise InputError(
            uri, "no CUR exports found: expected CUR 2.0 files under …/data/BILLING_PERIOD=YYYY-MM/, "
            "legacy CUR under …/YYYYMMDD-YYYYMMDD/ with its -Manifest.json, or .parquet/.csv.gz files",
        )
    report = IngestReport(uri)
    for index, unit in enumerate(units, start=1):
        if progress:
            progress(unit.name, index, len(units))
        report.units.append(_ingest_unit(store, source, unit, settings, force))
    return report


def _ingest_unit(store: Store, source: ObjectSource, unit: cur_discovery.CurUnit,
                 settings: Settings, force: bool) -> UnitResult:
    unit_id = f"{source.root_uri.rstrip('/')}::{unit.name}"
    checksum = checksum_of([(r.key, r.etag) for r in unit.refs])
    if not force and is_current(store.conn, unit_id, checksum):
        return UnitResult(unit=unit.name, uri=source.root_uri, load_id=None, skipped=True)
    conn = store.conn
    files = [cur_source.inspect_file(conn, source.local_path(r), r.uri) for r in unit.refs]
    flavours = {f.flavour for f in files}
    if len(flavours) > 1:
        raise InputError(unit.name, "mixes CUR 2.0 and legacy CUR files in one billing period")
    select = cur_source.source_sql(files, settings.tag_keys)
    insert_sql = costs_insert_sql(f"WITH cur_source AS ({select})\n"
                                  f"SELECT * FROM ({read_sql('ingest/cur_to_focus.sql')})")
    source_name = SOURCES[flavours.pop()]
    params: dict[str, object] = {"source": source_name}
    install_tag_macros(conn, settings)
    try:
        result = load_unit(store, source=source_name, unit=unit_id, uri=source.root_uri,
                           files=[r.uri for r in unit.refs], checksum=checksum,
                           insert_sql=insert_sql, params=params)
        result.unit = unit.name
        return result
    except AifinopsError:
        raise
    except duckdb.Error as exc:
        diagnosis = cur_source.diagnose(conn, files) if is_conversion(exc) else None
        if diagnosis is not None:
            raise diagnosis from exc
        names = ", ".join(f.uri for f in files[:3]) + (" …" if len(files) > 3 else "")
        raise InputError(names, f"could not be loaded: {first_line(exc)}") from exc
