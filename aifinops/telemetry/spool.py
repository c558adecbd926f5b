"""The sampler's spool files: JSON Lines, written whole and renamed into place.

The sampler never opens the database (a TUI or an ingest may hold its write lock); it leaves
files that `aifinops ingest spool` picks up. A file appears under its final name only when it is
complete (write `.NAME.tmp`, fsync, `os.replace`), so a reader never sees half a file and a
killed sampler loses at most one rotation's worth of samples. Every record carries `kind` and
`host`, so files stay meaningful when moved or concatenated:

    {"kind": "host", "host", "instance_id", "provider", "identity_source", "interval_s", "sampler"}
    {"kind": "gpu", "ts", "host", "gpu_uuid", "gpu_index", "gpu_name", "pci_bus_id", "util_pct",
     "mem_util_pct", "mem_used_mib", "mem_total_mib", "power_w", "power_limit_w", "temp_c",
     "sm_clock_mhz", "interval_s"}
    {"kind": "proc", "ts", "host", "gpu_uuid", "pid", "process_name", "command_line",
     "used_mem_mib", "k8s_namespace", "k8s_pod", "k8s_container"}
    {"kind": "event", "ts", "host", "gpu_uuid", "gpu_index", "event", "detail"}
    {"kind": "stats", "ts", "host", "wall_s", "cpu_s", "ticks", "gpus"}
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SUFFIX = ".jsonl"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def iso(ts: datetime) -> str:
    """UTC with milliseconds and a Z, which DuckDB reads as TIMESTAMPTZ."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def spool_files(folder: Path) -> list[Path]:
    """Complete spool files (.jsonl, or .jsonl.gz once compressed), oldest first: names start
    with the UTC time they were opened. Hidden `.NAME.tmp` files are still being written."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.name.endswith((SUFFIX, SUFFIX + ".gz")))


class SpoolWriter:
    """Buffers records and writes them as one file per rotation."""

    def __init__(self, folder: Path, host: str) -> None:
        self.folder = folder
        self.host = host
        self.records: list[dict[str, Any]] = []
        self.written: list[Path] = []
        self._seq = 0
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, kind: str, **fields: Any) -> None:
        self.records.append({"kind": kind, "host": self.host, **fields})

    def __len__(self) -> int:
        return len(self.records)

    def flush(self, header: dict[str, Any], now: datetime) -> Path | None:
        """Write the buffered records (after a host record) to a new file; None if empty."""
        if not self.records:
            return None
        self._seq += 1
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"{stamp}-{_SAFE.sub('_', self.host)}-{os.getpid()}-{self._seq:06d}{SUFFIX}"
        final = self.folder / name
        tmp = self.folder / f".{name}.tmp"
        lines = [json.dumps({"kind": "host", "host": self.host, **header}, separators=(",", ":"))]
        lines += [json.dumps(r, separators=(",", ":")) for r in self.records]
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        self.records = []
        self.written.append(final)
        return final
