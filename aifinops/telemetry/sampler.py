"""`aifinops sample`: read every GPU through NVML at a fixed interval into spool files.

Runs as a service on each GPU host. It never opens the database; it keeps going when a GPU
misbehaves (a field the GPU lacks is a null, a GPU that falls off the bus is reported once and
skipped), flushes what it holds on SIGTERM/SIGINT, and measures its own CPU use so its overhead
can be checked (target: under 1% of one core at a 1 s interval with 8 GPUs).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import aifinops
from aifinops.errors import AifinopsError
from aifinops.telemetry.host import HostIdentity
from aifinops.telemetry.nvml import GpuLost, NoDriver, NotSupported, Nvml, NvmlError
from aifinops.telemetry.procinfo import ProcReader
from aifinops.telemetry.spool import SpoolWriter, iso

MIB = 1024 * 1024
NO_DRIVER = ("no NVIDIA driver found on this machine (NVML could not be loaded: {detail}), so "
             "there are no GPUs to sample")


class SamplerError(AifinopsError):
    """The sampler cannot start (no driver, no GPUs)."""


@dataclass(frozen=True)
class SamplerConfig:
    interval_s: float = 5.0
    rotate_s: float = 60.0
    duration_s: float | None = None
    processes: bool = True


@dataclass
class Device:
    index: int
    handle: Any
    uuid: str
    name: str | None
    pci_bus_id: str | None
    lost: bool = False
    reported: set[str] = field(default_factory=set)  # fields whose error was reported


@dataclass
class SamplerSummary:
    ticks: int = 0
    gpus: int = 0
    files: list[Path] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    stopped_by: str | None = None


class Sampler:
    """The sampling loop; `nvml`, `proc`, clocks and `log` are seams for tests."""

    def __init__(self, nvml: Nvml, spool: Path, identity: HostIdentity,
                 config: SamplerConfig | None = None, *, proc: ProcReader | None = None,
                 log: Callable[[str], None] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic,
                 cpu: Callable[[], float] = time.process_time) -> None:
        self.nvml = nvml
        self.identity = identity
        self.config = config or SamplerConfig()
        self.writer = SpoolWriter(spool, identity.host)
        self.proc = proc or ProcReader()
        self.log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self.now = now
        self.monotonic = monotonic
        self.cpu = cpu
        self.stop = threading.Event()
        self.devices: list[Device] = []
        self.summary = SamplerSummary()
        self._last_tick: float | None = None
        self._flush_mark = (monotonic(), cpu(), 0)  # (monotonic, cpu, ticks) at the last flush

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Initialise NVML and list the GPUs; SamplerError when there is nothing to sample."""
        try:
            self.nvml.init()
        except NoDriver as exc:
            raise SamplerError(NO_DRIVER.format(detail=exc)) from exc
        except NvmlError as exc:
            raise SamplerError(f"NVML failed to start: {exc}") from exc
        count = self.nvml.device_count()
        for index in range(count):
            device = self._open(index)
            if device is not None:
                self.devices.append(device)
        if not self.devices:
            self.nvml.shutdown()
            raise SamplerError(f"NVML reports {count} usable GPU(s) on this machine; nothing "
                               "to sample")
        self.summary.gpus = len(self.devices)

    def _open(self, index: int) -> Device | None:
        try:
            handle = self.nvml.handle(index)
            uuid = self.nvml.uuid(handle)
        except NvmlError as exc:
            self._event(None, index, "gpu_unusable", f"GPU {index} cannot be opened: {exc}")
            return None
        return Device(index, handle, uuid, self._optional(lambda: self.nvml.name(handle)),
                      self._optional(lambda: self.nvml.pci_bus_id(handle)))

    @staticmethod
    def _optional(read: Callable[[], str]) -> str | None:
        try:
            return read()
        except NvmlError:
            return None

    def run(self) -> SamplerSummary:
        """Sample until the duration ends or a signal arrives; always flush and shut down."""
        self.start()
        identity = self.identity
        where = f" (instance {identity.instance_id}, from {identity.source})" \
            if identity.instance_id else ""
        self.log(f"sampling {len(self.devices)} GPU(s) on {identity.host}{where} every "
                 f"{self.config.interval_s:g} s into {self.writer.folder}")
        started = self.monotonic()
        cpu0 = self.cpu()
        self._flush_mark = (started, cpu0, self.summary.ticks)
        try:
            with self._signals():
                self._loop(started)
        finally:
            self.flush()
            self.summary.wall_s = self.monotonic() - started
            self.summary.cpu_s = self.cpu() - cpu0
            with suppress(NvmlError):
                self.nvml.shutdown()
        return self.summary

    def _loop(self, started: float) -> None:
        interval = self.config.interval_s
        last_flush = started
        tick = 0
        while not self.stop.is_set():
            self.sample_once()
            tick += 1
            now = self.monotonic()
            if now - last_flush >= self.config.rotate_s:
                self.flush()
                last_flush = now
            if self.config.duration_s is not None and now - started >= self.config.duration_s:
                self.summary.stopped_by = "duration"
                break
            # Late (a busy host): go on from the next tick to come. Catching up would take the
            # missed samplings back to back, within the same millisecond, which the spool's
            # millisecond timestamps would then load as duplicates of one another.
            tick = max(tick, int((self.monotonic() - started) / interval) + 1)
            self.stop.wait(max(0.0, started + tick * interval - self.monotonic()))

    @contextmanager
    def _signals(self) -> Iterator[None]:
        """SIGTERM/SIGINT end the loop (and so flush); only the main thread may install them."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, _frame: FrameType | None) -> None:
            self.summary.stopped_by = signal.Signals(signum).name
            self.stop.set()

        previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    def flush(self) -> Path | None:
        """Write what is buffered, with a stats record of the CPU time spent since last time."""
        mono, cpu, ticks = self._flush_mark
        now_mono, now_cpu = self.monotonic(), self.cpu()
        if len(self.writer) or self.summary.ticks > ticks:
            self.writer.add("stats", ts=iso(self.now()), wall_s=round(now_mono - mono, 3),
                            cpu_s=round(now_cpu - cpu, 4), ticks=self.summary.ticks - ticks,
                            gpus=len(self.devices))
        self._flush_mark = (now_mono, now_cpu, self.summary.ticks)
        header = {**self.identity.header(), "interval_s": self.config.interval_s,
                  "sampler": f"aifinops {aifinops.__version__}"}
        path = self.writer.flush(header, self.now())
        if path is not None:
            self.summary.files.append(path)
        return path

    # -- one sampling ---------------------------------------------------------------------

    def sample_once(self) -> None:
        mono = self.monotonic()
        gap = self.config.interval_s if self._last_tick is None else mono - self._last_tick
        self._last_tick = mono
        interval = round(min(gap, 2 * self.config.interval_s), 3)
        ts = iso(self.now())
        alive: set[int] = set()
        for device in self.devices:
            if device.lost:
                continue
            try:
                self._sample_device(device, ts, interval, alive)
            except GpuLost as exc:
                self._lose(device, exc)
            except Exception as exc:  # one GPU's surprise must not stop the others
                self._report(device, "sample", exc)
        if self.config.processes:
            self.proc.forget_except(alive)
        self.summary.ticks += 1

    def _sample_device(self, device: Device, ts: str, interval: float, alive: set[int]) -> None:
        nvml, h = self.nvml, device.handle
        util = self._field(device, "utilization", lambda: nvml.utilization(h))
        memory = self._field(device, "memory", lambda: nvml.memory_bytes(h))
        power = self._field(device, "power", lambda: nvml.power_mw(h))
        limit = self._field(device, "power_limit", lambda: nvml.power_limit_mw(h))
        self.writer.add(
            "gpu", ts=ts, gpu_uuid=device.uuid, gpu_index=device.index, gpu_name=device.name,
            pci_bus_id=device.pci_bus_id,
            util_pct=util[0] if util else None, mem_util_pct=util[1] if util else None,
            mem_used_mib=round(memory[0] / MIB, 1) if memory else None,
            mem_total_mib=round(memory[1] / MIB, 1) if memory else None,
            power_w=round(power / 1000, 3) if power is not None else None,
            power_limit_w=round(limit / 1000, 3) if limit is not None else None,
            temp_c=self._field(device, "temperature", lambda: nvml.temperature_c(h)),
            sm_clock_mhz=self._field(device, "sm_clock", lambda: nvml.sm_clock_mhz(h)),
            interval_s=interval,
        )
        if not self.config.processes:
            return
        for pid, used in self._field(device, "processes", lambda: nvml.processes(h)) or []:
            alive.add(pid)
            info = self.proc.describe(pid)
            self.writer.add(
                "proc", ts=ts, gpu_uuid=device.uuid, pid=pid,
                process_name=info.name or nvml.process_name(pid),
                command_line=info.command_line,
                used_mem_mib=round(used / MIB, 1) if used is not None else None,
                k8s_namespace=info.k8s_namespace, k8s_pod=info.k8s_pod,
                k8s_container=info.k8s_container)

    def _field(self, device: Device, name: str, read: Callable[[], Any]) -> Any:
        """A field's value, or None when unsupported or failing (reported once per GPU)."""
        try:
            return read()
        except NotSupported:
            return None
        except GpuLost:
            raise
        except NvmlError as exc:
            self._report(device, name, exc)
            return None

    def _report(self, device: Device, name: str, exc: Exception) -> None:
        if name in device.reported:
            return
        device.reported.add(name)
        self._event(device.uuid, device.index, "field_error",
                    f"GPU {device.index} ({device.uuid}): reading {name} failed: {exc}; "
                    "stored as null")

    def _lose(self, device: Device, exc: Exception) -> None:
        device.lost = True
        self.summary.lost.append(device.uuid)
        self._event(device.uuid, device.index, "gpu_lost",
                    f"GPU {device.index} ({device.uuid}) is lost ({exc}); no more samples from "
                    "it until the sampler restarts")

    def _event(self, uuid: str | None, index: int | None, event: str, detail: str) -> None:
        self.log(detail)
        self.writer.add("event", ts=iso(self.now()), gpu_uuid=uuid, gpu_index=index,
                        event=event, detail=detail)
