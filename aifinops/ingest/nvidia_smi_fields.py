"""nvidia-smi CSV headers → our columns.

nvidia-smi prints the canonical field name with its unit (`clocks.sm` prints as
`clocks.current.sm [MHz]`), in whatever order and subset the user asked for, so a log is read
by mapping each header field to a column here. Pure Python: no database, easy to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from aifinops.errors import InputError

Kind = Literal["gpu", "apps"]

# Canonical field (and the aliases nvidia-smi accepts) → our column, in order of preference:
# when a log has several fields for one column (power.draw and power.draw.instant), the first wins.
GPU_FIELDS: tuple[tuple[str, str], ...] = (
    ("timestamp", "ts"),
    ("host", "host"),
    ("hostname", "host"),
    ("uuid", "gpu_uuid"),
    ("gpu_uuid", "gpu_uuid"),
    ("index", "gpu_index"),
    ("name", "gpu_name"),
    ("gpu_name", "gpu_name"),
    ("pci.bus_id", "pci_bus_id"),
    ("gpu_bus_id", "pci_bus_id"),
    ("utilization.gpu", "util_pct"),
    ("utilization.memory", "mem_util_pct"),
    ("memory.used", "mem_used_mib"),
    ("memory.total", "mem_total_mib"),
    ("power.draw", "power_w"),
    ("power.draw.average", "power_w"),
    ("power.draw.instant", "power_w"),
    ("power.limit", "power_limit_w"),
    ("enforced.power.limit", "power_limit_w"),
    ("temperature.gpu", "temp_c"),
    ("clocks.current.sm", "sm_clock_mhz"),
    ("clocks.sm", "sm_clock_mhz"),
)

# `--query-compute-apps`: note that here `name` is the process name, not the GPU's.
APP_FIELDS: tuple[tuple[str, str], ...] = (
    ("timestamp", "ts"),
    ("host", "host"),
    ("hostname", "host"),
    ("gpu_uuid", "gpu_uuid"),
    ("gpu_name", "gpu_name"),
    ("gpu_bus_id", "pci_bus_id"),
    ("pid", "pid"),
    ("process_name", "process_name"),
    ("name", "process_name"),
    ("used_gpu_memory", "used_mem_mib"),
    ("used_memory", "used_mem_mib"),
)

GPU_TARGETS: tuple[str, ...] = tuple(dict.fromkeys(t for _, t in GPU_FIELDS))
APP_TARGETS: tuple[str, ...] = tuple(dict.fromkeys(t for _, t in APP_FIELDS))

_HEADER_FIELD = re.compile(r"^([a-z_][a-z0-9_.]*)(?: \[([^\]]*)\])?$")


@dataclass(frozen=True)
class Layout:
    """How one stretch of a log maps to columns: 1-based positions of each target column."""

    kind: Kind
    width: int
    positions: dict[str, int]
    ignored: tuple[str, ...] = field(default=())
    header: str | None = None  # the header line as written (None for --columns)

    def position(self, target: str) -> int | None:
        return self.positions.get(target)


def split_fields(line: str) -> list[str]:
    """nvidia-smi separates fields with ', ' and never quotes."""
    return [part.strip() for part in line.rstrip("\r\n").split(", ")]


def field_name(text: str) -> str | None:
    """`clocks.current.sm [MHz]` → `clocks.current.sm`; None when it is not shaped like a field."""
    match = _HEADER_FIELD.match(text.strip().lower())
    return match.group(1) if match else None


def looks_like_header(line: str) -> bool:
    names = split_fields(line)
    return bool(names) and all(field_name(n) is not None for n in names)


def layout_from_names(names: list[str], *, header: str | None, kind: Kind | None = None,
                      source: str, where: str) -> Layout:
    """Map field names to columns; the log kind is `apps` when a `pid` field is present."""
    canonical = [field_name(n) for n in names]
    bad = [n for n, c in zip(names, canonical, strict=True) if c is None]
    if bad:
        raise InputError(source, f"not a field name: {bad[0]!r} (expected nvidia-smi query "
                         "fields such as 'timestamp, index, uuid, utilization.gpu [%]')",
                         where=where)
    present = [c for c in canonical if c is not None]
    detected: Kind = "apps" if "pid" in present else "gpu"
    if kind is not None and kind != detected:
        wanted = "--query-compute-apps (needs a pid field)" if kind == "apps" else "--query-gpu"
        raise InputError(source, f"expected a {wanted} log, found fields: {', '.join(names)}",
                         where=where)
    catalog = APP_FIELDS if detected == "apps" else GPU_FIELDS
    positions: dict[str, int] = {}
    used: set[int] = set()
    for fname, target in catalog:
        if target in positions or fname not in present:
            continue
        pos = present.index(fname) + 1
        positions[target] = pos
        used.add(pos)
    ignored = tuple(n for i, n in enumerate(names, start=1) if i not in used)
    layout = Layout(detected, len(names), positions, ignored, header)
    _require(layout, source, where)
    return layout


def _require(layout: Layout, source: str, where: str) -> None:
    if "ts" not in layout.positions:
        raise InputError(source, "not an nvidia-smi log: no 'timestamp' field (log with "
                         "--query-gpu=timestamp,uuid,... --format=csv)", where=where)
    if layout.kind == "gpu":
        if not {"gpu_uuid", "pci_bus_id", "gpu_index"} & layout.positions.keys():
            raise InputError(source, "no GPU identity: the log needs a 'uuid' (or 'pci.bus_id' "
                             "or 'index') field", where=where)
        return
    if not {"gpu_uuid", "pci_bus_id"} & layout.positions.keys():
        raise InputError(source, "a --query-compute-apps log needs a 'gpu_uuid' field",
                         where=where)


def parse_columns_option(value: str) -> list[str]:
    """`--columns timestamp,index,uuid,utilization.gpu` (commas, optional spaces and units)."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    if not names:
        raise InputError("--columns", "give the --query-gpu field list, e.g. "
                         "'timestamp,index,uuid,utilization.gpu,memory.used'")
    return names
