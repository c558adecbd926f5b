"""The demo world's GPU telemetry: nvidia-smi logs, a sampler spool and a DCGM scrape.

Same hosts, instance ids and GPU UUIDs as the demo bill (`world.HOSTS`), over the same weeks, in
the exact formats real tools write, so the demo goes through the real ingest paths:

- `gpu/nvidia-smi/<host>.csv.gz`: `nvidia-smi --query-gpu=... --format=csv -l 300` for every
  host (gpu-shared-01 until the sampler was installed on it), and
  `gpu/nvidia-smi/gpu-train-01.apps.csv.gz`: its `--query-compute-apps` log;
- `gpu/spool/gpu-shared-01/*.jsonl.gz`: `aifinops sample` output for the shared host's last
  week, with the vLLM and torchrun command lines that name its two models;
- `gpu/dcgm/gpu-infer-04.prom`: one DCGM exporter scrape of a Kubernetes node.

Behaviour is the host's `pattern` (diurnal, idle-week, steady-low, shared, off-hours-dev,
legacy-steady), turned into numbers by a hash of (host, GPU, time): no random state, so the files
are the same on every run. Five-minute samples keep `sample_data/gpu/` to a few MB.

    python -m aifinops.demo.gpu_gen sample_data
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aifinops.config import Settings
from aifinops.demo.world import HOSTS, SEED, WORLD_END, WORLD_START, Host
from aifinops.ingest.gpu_load import LoadReport
from aifinops.sqlfiles import read_sql, sql_root
from aifinops.store import Store
from aifinops.telemetry.spool import iso

INTERVAL = timedelta(minutes=5)
IDLE_WEEK = (datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC))
SAMPLER_FROM = datetime(2026, 11, 22, tzinfo=UTC)  # aifinops sample installed on gpu-shared-01
SAMPLER_HOST = "gpu-shared-01"
DCGM_HOST = "gpu-infer-04"
DCGM_AT = datetime(2026, 11, 28, 12, 2, 30, tzinfo=UTC)
APPS_HOST = "gpu-train-01"
GPU_HEADER = ("timestamp, index, uuid, name, pci.bus_id, utilization.gpu [%], "
              "utilization.memory [%], memory.used [MiB], memory.total [MiB], power.draw [W], "
              "power.limit [W], temperature.gpu, clocks.current.sm [MHz]")
APPS_HEADER = ("timestamp, gpu_name, gpu_bus_id, gpu_serial, gpu_uuid, pid, process_name, "
               "used_gpu_memory [MiB]")


@dataclass(frozen=True)
class GpuModel:
    """What nvidia-smi prints for a GPU model, and how it draws power."""

    name: str
    memory_mib: int
    power_limit_w: float
    idle_w: float
    max_clock_mhz: int
    idle_clock_mhz: int


GPU_MODELS: dict[str, GpuModel] = {
    "H100": GpuModel("NVIDIA H100 80GB HBM3", 81559, 700.0, 69.0, 1980, 345),
    "A100": GpuModel("NVIDIA A100-SXM4-40GB", 40960, 400.0, 54.0, 1410, 210),
    "A10G": GpuModel("NVIDIA A10G", 23028, 300.0, 24.0, 1710, 210),
    "L4": GpuModel("NVIDIA L4", 23034, 72.0, 16.0, 2040, 210),
    "L40S": GpuModel("NVIDIA L40S", 46068, 350.0, 34.0, 2520, 210),
}

# Processes on the shared host (GPU index → model, command line) and the training host.
SHARED_PROCESSES: dict[int, tuple[str, int, str]] = {
    0: ("embed-small", 4101, "python3 -m vllm.entrypoints.openai.api_server --model "
        "acme/embed-small --task embed --port 8001 --tensor-parallel-size 2"),
    1: ("embed-small", 4101, "python3 -m vllm.entrypoints.openai.api_server --model "
        "acme/embed-small --task embed --port 8001 --tensor-parallel-size 2"),
    2: ("rerank-base", 5230, "torchrun --nproc_per_node 2 serve_rerank.py --model "
        "acme/rerank-base --port 8002"),
    3: ("rerank-base", 5231, "torchrun --nproc_per_node 2 serve_rerank.py --model "
        "acme/rerank-base --port 8002"),
}


def unit(*key: object) -> float:
    """A deterministic number in [0, 1) for a key (the demo's only source of variation)."""
    digest = hashlib.blake2b(repr((SEED, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def catalog() -> dict[str, tuple[int, str]]:
    """instance type → (GPU count, GPU model), from the shipped reference CSV."""
    import csv

    with (sql_root() / "reference" / "gpu_instance_types.csv").open(newline="") as handle:
        return {r["instance_type"]: (int(r["gpu_count"]), r["gpu_model"])
                for r in csv.DictReader(handle)}


def busy_fraction(host: Host, gpu: int, ts: datetime) -> tuple[float, bool]:
    """(utilisation 0..1, whether a job holds the GPU's memory) for the host's pattern."""
    hour, weekday = ts.hour, ts.weekday()
    noise = unit(host.hostname, gpu, ts.timestamp())
    workday = weekday < 5
    if host.pattern == "diurnal":  # training by day (08-18 US Eastern), idle nights, weekends
        if workday and 13 <= hour < 23:
            return 0.86 + 0.14 * noise, True
        return 0.0, False
    if host.pattern == "idle-week":  # trains around the clock, but its job died for a week
        if IDLE_WEEK[0] <= ts < IDLE_WEEK[1]:
            return 0.0, False
        return 0.70 + 0.25 * noise, True
    if host.pattern == "steady-low":  # an over-provisioned inference fleet
        return 0.10 + 0.10 * noise, True
    if host.pattern == "shared":  # two models, busier by day
        day = 13 <= hour < 23
        low, span = ((0.20, 0.25) if day else (0.05, 0.07)) if gpu < 2 else \
            ((0.15, 0.20) if day else (0.03, 0.05))
        return low + span * noise, True
    if host.pattern == "off-hours-dev":  # a notebook box (stopped off-hours): bursts, kernel held
        if noise < 0.35:
            return 0.60 + 0.40 * unit(host.hostname, "burst", ts.timestamp()), True
        return 0.01 * noise, True
    if host.pattern == "legacy-steady":  # diffusion training, steady
        return 0.55 + 0.20 * noise, True
    raise ValueError(f"unknown pattern {host.pattern!r} for {host.hostname}")


def sample(host: Host, gpu: int, model: GpuModel, ts: datetime) -> dict[str, float]:
    """One reading. A job's memory is set for the day and power drifts by the hour, as on real
    GPUs (and it keeps the gzipped logs small)."""
    busy, holds = busy_fraction(host, gpu, ts)
    day = unit(host.hostname, gpu, "mem", ts.date().isoformat())
    hour = unit(host.hostname, gpu, "power", ts.replace(minute=0, second=0).isoformat())
    mem = 0.0
    if holds:
        share = 0.78 if busy >= 0.5 else 0.74
        mem = round(model.memory_mib * (share + 0.06 * day))
    power = model.idle_w + (model.power_limit_w - model.idle_w) * busy * (0.85 + 0.1 * hour)
    return {
        "util": round(100 * busy),
        "mem_util": round(100 * busy * (0.35 + 0.2 * hour)),
        "mem": mem,
        "power": round(power, 2),
        "temp": round(31 + 45 * busy),
        "clock": model.max_clock_mhz if busy > 0.02 else model.idle_clock_mhz,
    }


def running_hours(host: Host) -> set[int]:
    """Hours (since the epoch) the bill says the instance ran: the CUR generator's own rule
    (`demo_is_running` in sql/demo/macros.sql: gpu-dev-01 only on weekdays 08-20 UTC, spot
    capacity reclaimed now and then), so telemetry never shows a GPU the bill does not."""
    import duckdb

    con = duckdb.connect()
    con.execute(read_sql("demo/macros.sql"))
    rows = con.execute(
        "SELECT epoch_hour FROM (SELECT h, (epoch(h) // 3600)::BIGINT AS epoch_hour "
        "FROM generate_series(?::TIMESTAMP, ?::TIMESTAMP, INTERVAL 1 HOUR) AS t(h)) "
        "WHERE demo_is_running(?, ?, ?, h, epoch_hour)",
        [WORLD_START.replace(tzinfo=None), (WORLD_END - timedelta(hours=1)).replace(tzinfo=None),
         host.pattern, host.purchase, host.instance_id]).fetchall()
    con.close()
    return {int(r[0]) for r in rows}


def times(host: Host, start: datetime, end: datetime) -> Iterator[datetime]:
    """Sample times from start to end while the instance runs."""
    running = running_hours(host)
    ts = start
    while ts < end:
        if int(ts.timestamp()) // 3600 in running:
            yield ts
        ts += INTERVAL


def stamp(host: Host, ts: datetime) -> datetime:
    """nvidia-smi's wall clock: a few milliseconds after the tick, drifting slowly."""
    return ts + timedelta(milliseconds=(37 + int(ts.timestamp() // 300) * 3) % 1000)


def bus_id(gpus: int, index: int) -> str:
    return "00000000:00:1E.0" if gpus == 1 else f"00000000:{0x10 + 0x10 * index:02X}:1C.0"


def host_gpus(host: Host, types: dict[str, tuple[int, str]]) -> tuple[int, GpuModel, list[str]]:
    count, model = types[host.instance_type]
    return count, GPU_MODELS[model], host.gpu_uuids(count)


def nvidia_smi_lines(host: Host, types: dict[str, tuple[int, str]], end: datetime) -> Iterator[str]:
    count, model, uuids = host_gpus(host, types)
    yield GPU_HEADER
    for ts in times(host, WORLD_START, end):
        when = stamp(host, ts).strftime("%Y/%m/%d %H:%M:%S.%f")[:-3]
        for i, uuid in enumerate(uuids):
            s = sample(host, i, model, ts)
            yield (f"{when}, {i}, {uuid}, {model.name}, {bus_id(count, i)}, {s['util']} %, "
                   f"{s['mem_util']} %, {s['mem']:.0f} MiB, {model.memory_mib} MiB, "
                   f"{s['power']:.2f} W, {model.power_limit_w:.2f} W, {s['temp']:.0f}, "
                   f"{s['clock']} MHz")


def apps_lines(host: Host, types: dict[str, tuple[int, str]]) -> Iterator[str]:
    """torchrun workers (python3) on each GPU while the training job runs."""
    count, model, uuids = host_gpus(host, types)
    yield APPS_HEADER
    for ts in times(host, WORLD_START, WORLD_END):
        when = stamp(host, ts).strftime("%Y/%m/%d %H:%M:%S.%f")[:-3]
        run = int(ts.timestamp() // 86400)  # one job a day: new pids
        for i, uuid in enumerate(uuids):
            s = sample(host, i, model, ts)
            if s["mem"]:
                pid = 20000 + (run * 37) % 9000 + i
                yield (f"{when}, {model.name}, {bus_id(count, i)}, [N/A], {uuid}, {pid}, "
                       f"/usr/bin/python3, {s['mem'] - 512:.0f} MiB")


def spool_days(host: Host, types: dict[str, tuple[int, str]]) -> Iterator[tuple[str, list[str]]]:
    """One spool file per day, as `aifinops sample --interval 300 --rotate 86400` writes them."""
    count, model, uuids = host_gpus(host, types)
    header = json.dumps({"kind": "host", "host": host.hostname, "instance_id": host.instance_id,
                         "provider": "aws", "identity_source": "ec2-metadata",
                         "interval_s": 300.0, "sampler": "aifinops 0.1.0"},
                        separators=(",", ":"))
    day = SAMPLER_FROM
    while day < WORLD_END:
        lines = [header]
        for ts in times(host, day, min(day + timedelta(days=1), WORLD_END)):
            when = iso(stamp(host, ts))
            for i, uuid in enumerate(uuids):
                s = sample(host, i, model, ts)
                lines.append(json.dumps({
                    "kind": "gpu", "ts": when, "host": host.hostname, "gpu_uuid": uuid,
                    "gpu_index": i, "gpu_name": model.name, "pci_bus_id": bus_id(count, i),
                    "util_pct": s["util"], "mem_util_pct": s["mem_util"],
                    "mem_used_mib": s["mem"], "mem_total_mib": model.memory_mib,
                    "power_w": s["power"], "power_limit_w": model.power_limit_w,
                    "temp_c": s["temp"], "sm_clock_mhz": s["clock"], "interval_s": 300.0,
                }, separators=(",", ":")))
                _name, pid, command = SHARED_PROCESSES[i]
                lines.append(json.dumps({
                    "kind": "proc", "ts": when, "host": host.hostname, "gpu_uuid": uuid,
                    "pid": pid, "process_name": command.split()[0], "command_line": command,
                    "used_mem_mib": s["mem"] - 300,
                }, separators=(",", ":")))
        name = f"{day:%Y%m%dT%H%M%S}-{host.hostname}-1-{(day - SAMPLER_FROM).days + 1:06d}.jsonl"
        yield name, lines
        day += timedelta(days=1)


def dcgm_scrape(host: Host, types: dict[str, tuple[int, str]]) -> str:
    """A dcgm-exporter 4.x scrape of a Kubernetes node: profiling metrics, pod labels."""
    count, model, uuids = host_gpus(host, types)
    ms = int(DCGM_AT.timestamp() * 1000)
    metrics = [
        ("DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock frequency (in MHz).", "clock"),
        ("DCGM_FI_DEV_MEMORY_TEMP", "gauge", "Memory temperature (in C).", None),
        ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", "temp"),
        ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", "power"),
        ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", "util"),
        ("DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %).", "mem_util"),
        ("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB).", "free"),
        ("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).", "mem"),
        ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "gauge", "Ratio of time the graphics engine is active.",
         "gr"),
        ("DCGM_FI_PROF_SM_ACTIVE", "gauge", "The ratio of cycles an SM has at least 1 warp "
         "assigned.", "sm"),
    ]
    lines = []
    for name, kind, help_text, field in metrics:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for i, uuid in enumerate(uuids):
            s = sample(host, i, model, DCGM_AT)
            busy = s["util"] / 100
            values: dict[str | None, str] = {
                "clock": str(s["clock"]), "temp": f"{s['temp']:.0f}", "power": f"{s['power']:.3f}",
                "util": str(s["util"]), "mem_util": str(s["mem_util"]),
                "free": f"{model.memory_mib - s['mem']:.0f}", "mem": f"{s['mem']:.0f}",
                "gr": f"{busy * 0.8:.6f}", "sm": f"{busy * 0.55:.6f}",
                None: "9223372036854775794",  # DCGM's "not supported" sentinel
            }
            labels = (f'gpu="{i}",UUID="{uuid}",pci_bus_id="{bus_id(count, i)}",'
                      f'device="nvidia{i}",modelName="{model.name}",Hostname="{host.hostname}",'
                      'DCGM_FI_DRIVER_VERSION="570.172.08",container="vllm",'
                      'namespace="support-chat",pod="support-chat-7b-staging-6d9f8b7c4-x2x7q"')
            lines.append(f"{name}{{{labels}}} {values[field]} {ms}")
    return "\n".join(lines) + "\n"


def _write_gzip(path: Path, lines: Iterator[str] | list[str]) -> None:
    """gzip with a fixed mtime and no file name, so the bytes are the same on every run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                               compresslevel=9) as handle:
        for line in lines:
            handle.write(line.encode() + b"\n")


def generate(root: Path) -> list[Path]:
    """Write the GPU part of the demo world under `root/gpu`; returns the files written."""
    types = catalog()
    out = root / "gpu"
    written = []
    for host in HOSTS:
        end = SAMPLER_FROM if host.hostname == SAMPLER_HOST else WORLD_END
        path = out / "nvidia-smi" / f"{host.hostname}.csv.gz"
        _write_gzip(path, nvidia_smi_lines(host, types, end))
        written.append(path)
    by_name = {h.hostname: h for h in HOSTS}
    path = out / "nvidia-smi" / f"{APPS_HOST}.apps.csv.gz"
    _write_gzip(path, apps_lines(by_name[APPS_HOST], types))
    written.append(path)
    for name, lines in spool_days(by_name[SAMPLER_HOST], types):
        path = out / "spool" / SAMPLER_HOST / f"{name}.gz"
        _write_gzip(path, lines)
        written.append(path)
    path = out / "dcgm" / f"{DCGM_HOST}.prom"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dcgm_scrape(by_name[DCGM_HOST], types))
    written.append(path)
    return written


def ingest_demo(store: Store, settings: Settings, root: Path) -> list[LoadReport]:
    """Load `root/gpu` through the real ingest paths (the spool is kept: it is sample data)."""
    from aifinops.ingest.dcgm import ingest_dcgm
    from aifinops.ingest.gpu_load import GpuSettings
    from aifinops.ingest.nvidia_smi import ingest_nvidia_smi
    from aifinops.ingest.spool import ingest_spool

    gpu = GpuSettings.from_settings(settings)
    folder = root / "gpu"
    reports = [ingest_nvidia_smi(store, path, gpu)
               for path in sorted((folder / "nvidia-smi").glob("*.csv.gz"))]
    for spool in sorted(p for p in (folder / "spool").iterdir() if p.is_dir()):
        loaded = ingest_spool(store, spool, gpu, keep=True).load
        if loaded is not None:
            reports.append(loaded)
    reports += [ingest_dcgm(store, str(path), gpu)
                for path in sorted((folder / "dcgm").glob("*.prom"))]
    return reports


def main(argv: list[str]) -> None:
    root = Path(argv[0]) if argv else Path("sample_data")
    files = generate(root)
    total = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files under {root / 'gpu'} ({total / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main(sys.argv[1:])
