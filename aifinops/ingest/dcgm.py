"""Load a DCGM exporter scrape (Prometheus text) from a file or an http(s) URL.

DCGM's profiling ratios (GR_ENGINE_ACTIVE, SM_ACTIVE) say how busy a GPU really was, where
utilization.gpu only says that some kernel ran; the hourly rollup prefers them when present.
Kubernetes labels (pod, namespace, container) become `gpu_processes` rows, so a pod can be
traced to the GPU it held. A scrape is small: parsed in Python, merged by the shared SQL.
"""

from __future__ import annotations

import math
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aifinops.errors import InputError
from aifinops.ingest.gpu_load import GpuLoad, GpuSettings, LoadReport
from aifinops.store import Store, transaction

# metric → gpu_samples column (FB_FREE and FB_RESERVED only make up memory total)
METRICS: dict[str, str] = {
    "DCGM_FI_DEV_GPU_UTIL": "util_pct",
    "DCGM_FI_DEV_MEM_COPY_UTIL": "mem_util_pct",
    "DCGM_FI_DEV_FB_USED": "mem_used_mib",
    "DCGM_FI_DEV_FB_FREE": "fb_free",
    "DCGM_FI_DEV_FB_RESERVED": "fb_reserved",
    "DCGM_FI_DEV_POWER_USAGE": "power_w",
    "DCGM_FI_DEV_POWER_MGMT_LIMIT": "power_limit_w",
    "DCGM_FI_DEV_GPU_TEMP": "temp_c",
    "DCGM_FI_DEV_SM_CLOCK": "sm_clock_mhz",
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE": "gr_engine_active",
    "DCGM_FI_PROF_SM_ACTIVE": "sm_active",
}
# Label spellings across exporter versions: Hostname became hostname (2026), UUID is uuid with
# --use-old-namespace, and the Kubernetes labels had pod_name-style names before.
HOST_LABELS = ("Hostname", "hostname")
UUID_LABELS = ("UUID", "uuid")
POD_LABELS = {"k8s_pod": ("pod", "pod_name"), "k8s_namespace": ("namespace", "pod_namespace"),
              "k8s_container": ("container", "container_name")}
# DCGM reports blank or unsupported fields as sentinels at the top of the int32/int64/fp64
# ranges (DCGM_INT32_BLANK 0x7ffffff0, DCGM_INT64_BLANK 0x7ffffffffffffff0, DCGM_FP64_BLANK
# 2^47); no gauge we read comes near them.
SENTINEL_FLOOR = float(0x7FFFFFF0)
FETCH_TIMEOUT_S = 10.0

_SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)"
    r"(?:\s+(?P<ts>-?\d+))?\s*$"
)
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


@dataclass
class Scrape:
    """What a scrape says, per GPU, with the lines it could not read."""

    samples: dict[tuple[str | None, str, int | None], dict[str, Any]] = field(default_factory=dict)
    pods: dict[tuple[str | None, str, int | None, str, str, str], dict[str, Any]] = field(
        default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)
    dcgm_series: int = 0


def parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _LABEL.match(text, pos)
        if not match:
            raise ValueError(f"unreadable labels at {text[pos:pos + 20]!r}")
        labels[match.group(1)] = re.sub(r"\\[\\\"n]", lambda m: _UNESCAPE[m.group(0)],
                                        match.group(2))
        pos = match.end()
    return labels


def _value(text: str) -> float | None:
    value = float(text)
    if math.isnan(value) or math.isinf(value) or abs(value) >= SENTINEL_FLOOR:
        return None
    return value


def _first(labels: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if labels.get(name):
            return labels[name]
    return None


def parse_scrape(text: str) -> Scrape:
    """Group DCGM_FI_* series by (host label, GPU, timestamp); unknown metrics are ignored."""
    scrape = Scrape()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _SAMPLE.match(stripped)
        try:
            if not match:
                raise ValueError("not a sample line")
            labels = parse_labels(match.group("labels") or "")
            value = _value(match.group("value"))
        except ValueError:
            scrape.bad_lines.append(number)
            continue
        name = match.group("name")
        if not name.startswith("DCGM_FI_"):
            continue
        scrape.dcgm_series += 1
        column = METRICS.get(name)
        uuid = _first(labels, UUID_LABELS)
        if column is None or uuid is None:
            continue
        if labels.get("GPU_I_ID"):  # a MIG instance: one "GPU" per instance
            uuid = f"{uuid}/mig{labels['GPU_I_ID']}"
        ts_ms = int(match.group("ts")) if match.group("ts") else None
        key = (_first(labels, HOST_LABELS), uuid, ts_ms)
        sample = scrape.samples.setdefault(key, {
            "gpu_index": int(labels["gpu"]) if labels.get("gpu", "").isdigit() else None,
            "gpu_name": labels.get("modelName") or None,
            "pci_bus_id": labels.get("pci_bus_id") or None,
        })
        sample[column] = value
        pod = {col: _first(labels, names) for col, names in POD_LABELS.items()}
        if pod["k8s_pod"]:
            pod_key = (key[0], uuid, ts_ms, pod["k8s_namespace"] or "", pod["k8s_pod"],
                       pod["k8s_container"] or "")
            entry = scrape.pods.setdefault(pod_key, dict(pod))
            if column == "mem_used_mib":
                entry["used_mem_mib"] = value
    return scrape


def read_source(source: str) -> tuple[str, datetime | None, str | None]:
    """The scrape's text, when it was taken (None: unknown) and the host a URL names."""
    parsed = urllib.parse.urlparse(source)
    if parsed.scheme in ("http", "https"):
        loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        handlers = [urllib.request.ProxyHandler({})] if loopback else []
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(source, timeout=FETCH_TIMEOUT_S) as response:
                text = response.read().decode("utf-8", errors="replace")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(source, f"could not fetch the metrics: {reason}") from exc
        host = socket.gethostname() if loopback else parsed.hostname
        return text, datetime.now(UTC), host
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from exc
    return text, datetime.fromtimestamp(os.stat(path).st_mtime, UTC), None


def ingest_dcgm(store: Store, source: str, gpu: GpuSettings, *, host: str | None = None,
                at: datetime | None = None, interval_s: float | None = None) -> LoadReport:
    """Load one scrape. Timestamps: the samples' own, else `at`, else fetch time / file mtime."""
    text, taken_at, url_host = read_source(source)
    scrape = parse_scrape(text)
    if not scrape.dcgm_series:
        raise InputError(source, "not a DCGM exporter scrape: no DCGM_FI_* metrics found "
                         "(expected lines like 'DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-…\"} 42')")
    default_ts = at or taken_at
    samples, processes = [], []
    missing_host = False
    for (label_host, uuid, ts_ms), values in scrape.samples.items():
        row_host = host or label_host or url_host
        missing_host |= row_host is None
        ts = datetime.fromtimestamp(ts_ms / 1000, UTC) if ts_ms is not None else default_ts
        total = None
        if values.get("mem_used_mib") is not None and values.get("fb_free") is not None:
            total = values["mem_used_mib"] + values["fb_free"] + (values.get("fb_reserved") or 0)
        samples.append({**values, "ts": ts, "host": row_host, "gpu_uuid": uuid,
                        "mem_total_mib": total, "interval_s": interval_s})
    for (label_host, uuid, ts_ms, _ns, _pod, _ctr), pod in scrape.pods.items():
        ts = datetime.fromtimestamp(ts_ms / 1000, UTC) if ts_ms is not None else default_ts
        processes.append({**pod, "ts": ts, "host": host or label_host or url_host,
                          "gpu_uuid": uuid})
    if missing_host:
        raise InputError(source, "cannot tell which host these GPUs are on: the series have no "
                         "Hostname label; pass --host")
    with transaction(store.conn):
        load = GpuLoad(store.conn, gpu, "dcgm", source, "dcgm")
        load.report.options = " ".join(f"{k}={v}" for k, v in
                                       (("host", host), ("interval", interval_s)) if v)
        load.stage(samples, processes)
        load.add_skip("unreadable line", len(scrape.bad_lines), scrape.bad_lines)
        load.report.rows_read += len(scrape.bad_lines)
        report = load.merge_staged()
        if not any(s.get("gr_engine_active") is not None or s.get("sm_active") is not None
                   for s in samples):
            report.notes.append("no profiling metrics (DCGM_FI_PROF_*): the idle signal falls "
                                "back to DCGM_FI_DEV_GPU_UTIL")
        load.record()
    return report
