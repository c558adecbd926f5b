"""Which files make up each billing period of an AWS Cost and Usage Report.

AWS replaces a period's files wholesale when it restates it, and its manifest is written last,
so a period is read from the files its latest manifest lists, never from "everything under the
prefix" (old executions and test objects live there too). Pure functions over object keys, so
local folders and S3 prefixes are discovered the same way.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from aifinops.errors import InputError
from aifinops.ingest.objects import ObjectRef

CUR2_DATA = re.compile(
    r"^(?:(?P<prefix>.*?)/)?data/BILLING_PERIOD=(?P<period>\d{4}-\d{2})/(?P<file>[^/]+)$"
)
CUR2_MANIFEST = re.compile(
    r"^(?:(?P<prefix>.*?)/)?metadata/BILLING_PERIOD=(?P<period>\d{4}-\d{2})/[^/]+-Manifest\.json$"
)
LEGACY_MANIFEST = re.compile(
    r"^(?:(?P<prefix>.*?)/)?(?P<range>\d{8}-\d{8})/(?P<report>[^/]+)-Manifest\.json$"
)
LEGACY_DATA = re.compile(
    r"^(?:(?P<prefix>.*?)/)?(?P<range>\d{8}-\d{8})/(?:(?P<assembly>[^/]+)/)?(?P<file>[^/]+)$"
)
DATA_SUFFIXES = (".parquet", ".csv.gz", ".csv", ".csv.zip")
IGNORED = re.compile(r"(aws-programmatic-access-test-object|\.csv\.metadata$|cost_and_usage_data_status/)")


@dataclass
class CurUnit:
    """Files read and replaced together: one billing period of one export, or one loose file."""

    name: str
    refs: list[ObjectRef]
    period: str | None = None  # YYYY-MM when the layout says so; else read from the data
    manifest: ObjectRef | None = None
    notes: list[str] = field(default_factory=list)


def is_data_file(key: str) -> bool:
    return key.lower().endswith(DATA_SUFFIXES) and not IGNORED.search(key)


def _legacy_period(date_range: str) -> str:
    return f"{date_range[0:4]}-{date_range[4:6]}"


def _match_listed(listed: list[str], candidates: list[ObjectRef], manifest: ObjectRef,
                  anchor: str) -> list[ObjectRef]:
    """The refs a manifest lists, matched on the part of each key from `anchor` on."""
    by_tail: dict[str, ObjectRef] = {}
    for ref in candidates:
        idx = ref.key.find(anchor)
        if idx >= 0:
            by_tail[ref.key[idx:]] = ref
    found = []
    for entry in listed:
        idx = entry.find(anchor)
        tail = entry[idx:] if idx >= 0 else entry
        match = by_tail.get(tail)
        if match is None:
            raise InputError(
                manifest.uri,
                f"the manifest lists {entry} but that file is not there "
                "(delivery still in progress, or files deleted?)",
            )
        found.append(match)
    return found


def discover(refs: list[ObjectRef], read_bytes: Callable[[ObjectRef], bytes]) -> list[CurUnit]:
    """Group listed objects into load units, following manifests where they exist."""
    manifests2: dict[tuple[str, str], ObjectRef] = {}
    data2: dict[tuple[str, str], list[ObjectRef]] = defaultdict(list)
    legacy_manifests: dict[tuple[str, str], ObjectRef] = {}
    legacy_data: dict[tuple[str, str], list[ObjectRef]] = defaultdict(list)
    loose: list[ObjectRef] = []
    for obj in refs:
        key = obj.key
        if IGNORED.search(key):
            continue
        if m := CUR2_MANIFEST.match(key):
            manifests2[(m["prefix"] or "", m["period"])] = obj
        elif (m := CUR2_DATA.match(key)) and is_data_file(key):
            data2[(m["prefix"] or "", m["period"])].append(obj)
        elif m := LEGACY_MANIFEST.match(key):
            legacy_manifests[(m["prefix"] or "", m["range"])] = obj
        elif (m := LEGACY_DATA.match(key)) and is_data_file(key):
            legacy_data[(m["prefix"] or "", m["range"])].append(obj)
        elif is_data_file(key):
            loose.append(obj)

    units: list[CurUnit] = []
    for (prefix, period), files in sorted(data2.items()):
        name = f"{prefix}/BILLING_PERIOD={period}" if prefix else f"BILLING_PERIOD={period}"
        manifest = manifests2.get((prefix, period))
        chosen = sorted(files, key=lambda r: r.key)
        if manifest is not None:
            doc = _read_manifest(manifest, read_bytes)
            listed = doc.get("dataFiles")
            if isinstance(listed, list) and listed:
                chosen = _match_listed([str(x) for x in listed], files, manifest,
                                       f"data/BILLING_PERIOD={period}/")
        units.append(CurUnit(name, chosen, period, manifest))

    for (prefix, date_range), files in sorted(legacy_data.items()):
        name = f"{prefix}/{date_range}" if prefix else date_range
        manifest = legacy_manifests.get((prefix, date_range))
        chosen = sorted(files, key=lambda r: r.key)
        if manifest is not None:
            doc = _read_manifest(manifest, read_bytes)
            listed = doc.get("reportKeys")
            if isinstance(listed, list) and listed:
                chosen = _match_listed([str(x) for x in listed], files, manifest, f"{date_range}/")
        else:
            assemblies = {LEGACY_DATA.match(r.key)["assembly"] for r in files}  # type: ignore[index]
            if len(assemblies) > 1:
                raise InputError(
                    f"{name}", "several report versions (assembly folders) and no "
                    f"manifest saying which is current: {sorted(a or '.' for a in assemblies)}",
                )
        units.append(CurUnit(name, chosen, _legacy_period(date_range), manifest))

    units.extend(CurUnit(ref.key, [ref]) for ref in sorted(loose, key=lambda r: r.key))
    return units


def _read_manifest(ref: ObjectRef, read_bytes: Callable[[ObjectRef], bytes]) -> dict[str, object]:
    try:
        doc = json.loads(read_bytes(ref))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(ref.uri, f"manifest is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise InputError(ref.uri, "manifest should be a JSON object")
    return doc
