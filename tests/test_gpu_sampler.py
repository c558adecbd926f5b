"""The NVML sampler through its seam: a fake NVML, a fake /proc, a fake metadata service.

No GPU and no network: the fake backend stands in for NVML, `PynvmlBackend` is driven by a fake
`pynvml` module, and the instance metadata service is a local server on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from aifinops.telemetry import host as hostmod
from aifinops.telemetry.host import HostIdentity, ec2_instance_id, resolve_identity
from aifinops.telemetry.nvml import GpuLost, NoDriver, NotSupported, NvmlError, PynvmlBackend
from aifinops.telemetry.procinfo import ProcReader
from aifinops.telemetry.sampler import Sampler, SamplerConfig, SamplerError
from aifinops.telemetry.spool import SpoolWriter, spool_files

MIB = 1024 * 1024
IDENTITY = HostIdentity("gpu-test-01", "i-0123456789abcdef0", "aws", "config")


class FakeNvml:
    """NVML as the sampler sees it. `fail[(gpu, field)]` is an exception to raise (from tick
    `fail_from[(gpu, field)]`, default 0); `processes[gpu]` lists (pid, bytes)."""

    def __init__(self, gpus: int = 2, *, no_driver: bool = False) -> None:
        self.gpus = gpus
        self.no_driver = no_driver
        self.fail: dict[tuple[int, str], Exception] = {}
        self.fail_from: dict[tuple[int, str], int] = {}
        self.processes_on: dict[int, list[tuple[int, int | None]]] = {}
        self.calls: dict[tuple[int, str], int] = {}
        self.shut = False

    def _read(self, handle: int, field: str, value: Any) -> Any:
        key = (handle, field)
        self.calls[key] = self.calls.get(key, 0) + 1
        if key in self.fail and self.calls[key] > self.fail_from.get(key, 0):
            raise self.fail[key]
        return value

    def init(self) -> None:
        if self.no_driver:
            raise NoDriver("NVML Shared Library Not Found")

    def shutdown(self) -> None:
        self.shut = True

    def device_count(self) -> int:
        return self.gpus

    def handle(self, index: int) -> int:
        return int(self._read(index, "handle", index))

    def uuid(self, handle: int) -> str:
        return str(self._read(handle, "uuid", f"GPU-fake-{handle}"))

    def name(self, handle: int) -> str:
        return "NVIDIA H100 80GB HBM3"

    def pci_bus_id(self, handle: int) -> str:
        return f"00000000:{0x10 + handle:02X}:00.0"

    def utilization(self, handle: int) -> tuple[float, float]:
        return self._read(handle, "utilization", (40.0 + handle, 10.0))  # type: ignore[no-any-return]

    def memory_bytes(self, handle: int) -> tuple[int, int]:
        return self._read(handle, "memory", (2048 * MIB, 81559 * MIB))  # type: ignore[no-any-return]

    def power_mw(self, handle: int) -> float:
        return float(self._read(handle, "power", 250_500))

    def power_limit_mw(self, handle: int) -> float:
        return float(self._read(handle, "power_limit", 700_000))

    def temperature_c(self, handle: int) -> float:
        return float(self._read(handle, "temperature", 55))

    def sm_clock_mhz(self, handle: int) -> float:
        return float(self._read(handle, "sm_clock", 1980))

    def processes(self, handle: int) -> list[tuple[int, int | None]]:
        return self._read(handle, "processes", self.processes_on.get(handle, []))  # type: ignore[no-any-return]

    def process_name(self, pid: int) -> str | None:
        return f"proc-{pid}"


def records(folder: Path) -> list[dict[str, Any]]:
    out = []
    for path in spool_files(folder):
        out += [json.loads(line) for line in path.read_text().splitlines()]
    return out


def run(nvml: FakeNvml, spool: Path, ticks: int, **kwargs: Any) -> tuple[Sampler, list[str]]:
    logged: list[str] = []
    config = SamplerConfig(interval_s=0.01, rotate_s=3600, duration_s=None)
    sampler = Sampler(nvml, spool, IDENTITY, config, log=logged.append, **kwargs)
    sampler.start()
    for _ in range(ticks):
        sampler.sample_once()
    sampler.flush()
    return sampler, logged


@pytest.fixture
def fake_proc(tmp_path: Path) -> ProcReader:
    root = tmp_path / "proc"
    (root / "4101").mkdir(parents=True)
    (root / "4101" / "cmdline").write_bytes(
        b"python3\0-m\0vllm.entrypoints.openai.api_server\0--model\0acme/embed-small\0")
    (root / "4101" / "comm").write_text("python3\n")
    (root / "4101" / "cgroup").write_text("0::/kubepods.slice/kubepods-pod1234.slice/cri-x\n")
    (root / "4101" / "environ").write_bytes(b"HOSTNAME=embed-7d9-abc\0POD_NAMESPACE=serving\0")
    return ProcReader(root)


def test_no_driver_is_one_clear_sentence(tmp_path: Path) -> None:
    sampler = Sampler(FakeNvml(no_driver=True), tmp_path / "spool", IDENTITY)
    with pytest.raises(SamplerError, match=r"^no NVIDIA driver found on this machine \(NVML could "
                                           r"not be loaded: NVML Shared Library Not Found\), so "
                                           r"there are no GPUs to sample$"):
        sampler.run()
    assert spool_files(tmp_path / "spool") == []


def test_real_pynvml_on_a_machine_without_driver(tmp_path: Path) -> None:
    backend = PynvmlBackend()
    try:
        backend.init()
    except NoDriver:
        return  # as expected on CI: the real binding reports LibraryNotFound as NoDriver
    backend.shutdown()
    pytest.skip("this machine has an NVIDIA driver")


def test_samples_units_processes_and_host_identity(tmp_path: Path,
                                                   fake_proc: ProcReader) -> None:
    nvml = FakeNvml(2)
    nvml.processes_on = {0: [(4101, 1500 * MIB)], 1: [(999, None)]}
    sampler, logged = run(nvml, tmp_path / "spool", 3, proc=fake_proc)
    recs = records(tmp_path / "spool")
    assert recs[0] == {"kind": "host", "host": "gpu-test-01", "instance_id": "i-0123456789abcdef0",
                       "provider": "aws", "identity_source": "config", "interval_s": 0.01,
                       "sampler": "aifinops 0.1.0"}
    gpu0 = [r for r in recs if r["kind"] == "gpu" and r["gpu_index"] == 0]
    assert len(gpu0) == 3
    assert {k: gpu0[0][k] for k in ("gpu_uuid", "util_pct", "mem_util_pct", "mem_used_mib",
                                    "mem_total_mib", "power_w", "power_limit_w", "temp_c",
                                    "sm_clock_mhz", "pci_bus_id")} == {
        "gpu_uuid": "GPU-fake-0", "util_pct": 40.0, "mem_util_pct": 10.0, "mem_used_mib": 2048.0,
        "mem_total_mib": 81559.0, "power_w": 250.5, "power_limit_w": 700.0, "temp_c": 55.0,
        "sm_clock_mhz": 1980.0, "pci_bus_id": "00000000:10:00.0"}
    procs = [r for r in recs if r["kind"] == "proc"]
    assert procs[0] == {"kind": "proc", "host": "gpu-test-01", "ts": procs[0]["ts"],
                        "gpu_uuid": "GPU-fake-0", "pid": 4101, "process_name": "python3",
                        "command_line": "python3 -m vllm.entrypoints.openai.api_server --model "
                                        "acme/embed-small",
                        "used_mem_mib": 1500.0, "k8s_namespace": "serving",
                        "k8s_pod": "embed-7d9-abc", "k8s_container": None}
    assert procs[1]["process_name"] == "proc-999" and procs[1]["used_mem_mib"] is None
    stats = [r for r in recs if r["kind"] == "stats"]
    assert len(stats) == 1 and stats[0]["ticks"] == 3 and stats[0]["gpus"] == 2
    assert logged == [] and sampler.summary.lost == []


def test_unsupported_fields_are_null_without_noise(tmp_path: Path) -> None:
    nvml = FakeNvml(2)
    nvml.fail[(1, "utilization")] = NotSupported("MIG")  # a MIG GPU
    nvml.fail[(1, "power")] = NotSupported("no sensor")
    _sampler, logged = run(nvml, tmp_path / "spool", 2)
    gpu1 = [r for r in records(tmp_path / "spool") if r["kind"] == "gpu" and r["gpu_index"] == 1]
    assert [(r["util_pct"], r["mem_util_pct"], r["power_w"], r["temp_c"]) for r in gpu1] == [
        (None, None, None, 55.0)] * 2
    assert logged == []


def test_a_failing_field_is_reported_once(tmp_path: Path) -> None:
    nvml = FakeNvml(1)
    nvml.fail[(0, "temperature")] = NvmlError("Unknown Error")
    _sampler, logged = run(nvml, tmp_path / "spool", 4)
    recs = records(tmp_path / "spool")
    assert [r["temp_c"] for r in recs if r["kind"] == "gpu"] == [None] * 4
    events = [r for r in recs if r["kind"] == "event"]
    assert [e["event"] for e in events] == ["field_error"]
    assert logged == ["GPU 0 (GPU-fake-0): reading temperature failed: Unknown Error; stored as "
                      "null"]


def test_a_lost_gpu_is_reported_once_and_the_others_go_on(tmp_path: Path) -> None:
    nvml = FakeNvml(3)
    nvml.fail[(1, "utilization")] = GpuLost("GPU is lost")
    nvml.fail_from[(1, "utilization")] = 2  # fine twice, then off the bus
    sampler, logged = run(nvml, tmp_path / "spool", 5)
    recs = records(tmp_path / "spool")
    per_gpu = {i: sum(1 for r in recs if r["kind"] == "gpu" and r["gpu_index"] == i)
               for i in range(3)}
    assert per_gpu == {0: 5, 1: 2, 2: 5}
    assert [r["event"] for r in recs if r["kind"] == "event"] == ["gpu_lost"]
    assert len(logged) == 1 and "GPU 1 (GPU-fake-1) is lost (GPU is lost)" in logged[0]
    assert sampler.summary.lost == ["GPU-fake-1"]
    assert nvml.calls[(1, "utilization")] == 3  # never asked again after it was lost


def test_a_gpu_that_cannot_be_opened_is_skipped(tmp_path: Path) -> None:
    nvml = FakeNvml(2)
    nvml.fail[(0, "uuid")] = GpuLost("GPU requires reset")
    sampler, logged = run(nvml, tmp_path / "spool", 1)
    assert [d.uuid for d in sampler.devices] == ["GPU-fake-1"]
    assert logged == ["GPU 0 cannot be opened: GPU requires reset"]
    only_lost = FakeNvml(1)
    only_lost.fail[(0, "uuid")] = GpuLost("gone")
    with pytest.raises(SamplerError, match="nothing to sample"):
        Sampler(only_lost, tmp_path / "s2", IDENTITY, log=lambda _: None).start()


def test_sigterm_ends_the_loop_with_a_final_flush(tmp_path: Path) -> None:
    nvml = FakeNvml(2)
    config = SamplerConfig(interval_s=0.02, rotate_s=3600)  # no rotation before the signal
    sampler = Sampler(nvml, tmp_path / "spool", IDENTITY, config, log=lambda _: None)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    previous = signal.getsignal(signal.SIGTERM)
    timer.start()
    try:
        summary = sampler.run()
    finally:
        timer.cancel()
    assert summary.stopped_by == "SIGTERM" and nvml.shut
    assert signal.getsignal(signal.SIGTERM) is previous
    recs = records(tmp_path / "spool")
    assert len(summary.files) == 1 and summary.ticks >= 3
    assert sum(1 for r in recs if r["kind"] == "gpu") == 2 * summary.ticks


def test_duration_and_rotation(tmp_path: Path) -> None:
    config = SamplerConfig(interval_s=0.01, rotate_s=0.05, duration_s=0.3)
    summary = Sampler(FakeNvml(1), tmp_path / "spool", IDENTITY, config,
                      log=lambda _: None).run()
    assert summary.stopped_by == "duration"
    files = spool_files(tmp_path / "spool")
    assert len(files) >= 3 and files == summary.files
    assert all(json.loads(f.read_text().splitlines()[0])["kind"] == "host" for f in files)


def test_a_late_sampler_skips_the_missed_samplings_instead_of_bursting(tmp_path: Path) -> None:
    clock = [0.0]

    class Stop:  # waits pass on the fake clock, instantly
        def is_set(self) -> bool:
            return False

        def wait(self, timeout: float) -> bool:
            clock[0] += timeout
            return False

    config = SamplerConfig(interval_s=1.0, rotate_s=3600, duration_s=10.0)
    sampler = Sampler(FakeNvml(1), tmp_path / "spool", IDENTITY, config, log=lambda _: None,
                      monotonic=lambda: clock[0],
                      now=lambda: datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=clock[0]))
    sampler.stop = Stop()  # type: ignore[assignment]
    sampled: list[float] = []
    take = sampler.sample_once

    def sample_once() -> None:
        sampled.append(clock[0])
        take()
        clock[0] += 3.5 if len(sampled) == 3 else 0.001  # the third sampling stalls for 3.5 s

    sampler.sample_once = sample_once  # type: ignore[method-assign]
    sampler.run()
    # ticks 0, 1, 2, then the stall ends at 5.501: the next sampling waits for tick 6
    assert [round(t, 3) for t in sampled] == [0.0, 1.0, 2.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    stamps = [r["ts"] for r in records(tmp_path / "spool") if r["kind"] == "gpu"]
    assert len(stamps) == len(set(stamps)) == len(sampled)


def test_spool_files_appear_whole_by_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    writer = SpoolWriter(tmp_path, "h")
    writer.add("gpu", ts="2026-11-20T10:00:00.000Z")
    seen: list[tuple[str, str, bool]] = []
    real_replace = os.replace

    def spy(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append((Path(src).name, Path(src).read_text(), Path(dst).exists()))
        assert spool_files(tmp_path) == []  # the half-way state is invisible to ingest
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    path = writer.flush({"instance_id": None}, __import__("datetime").datetime(2026, 11, 20))
    assert path is not None and seen[0][0] == f".{path.name}.tmp" and not seen[0][2]
    assert seen[0][1] == path.read_text() and len(path.read_text().splitlines()) == 2
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    (tmp_path / f".{path.name}.tmp").write_text("{half")  # a crash mid-write leaves only this
    assert spool_files(tmp_path) == [path]


def test_sampler_overhead_per_sampling_of_8_gpus(tmp_path: Path, fake_proc: ProcReader) -> None:
    """The sampler's own Python work per sampling of 8 GPUs (NVML's cost comes on top)."""
    nvml = FakeNvml(8)
    nvml.processes_on = {i: [(4101, 1000 * MIB)] for i in range(8)}
    sampler = Sampler(nvml, tmp_path / "spool", IDENTITY,
                      SamplerConfig(interval_s=1.0, rotate_s=60), proc=fake_proc,
                      log=lambda _: None)
    sampler.start()
    cpu0 = time.process_time()
    for tick in range(300):
        sampler.sample_once()
        if tick % 60 == 59:
            sampler.flush()
    per_tick = (time.process_time() - cpu0) / 300
    assert per_tick < 0.005, f"{per_tick * 1000:.2f} ms CPU per sampling"  # < 0.5% at 1 s


# -- PynvmlBackend over a fake pynvml module -------------------------------------------------


class FakeNVMLError(Exception):
    def __init__(self, value: int) -> None:
        super().__init__(f"NVML error {value}")
        self.value = value


def fake_pynvml(**raises: int) -> SimpleNamespace:
    def maybe(name: str, result: Any) -> Any:
        def call(*_args: Any) -> Any:
            if name in raises:
                raise FakeNVMLError(raises[name])
            return result
        return call

    return SimpleNamespace(
        NVMLError=FakeNVMLError,
        nvmlInit=maybe("nvmlInit", None), nvmlShutdown=maybe("nvmlShutdown", None),
        nvmlDeviceGetCount=maybe("count", 1), nvmlDeviceGetHandleByIndex=maybe("handle", "h0"),
        nvmlDeviceGetUUID=maybe("uuid", b"GPU-abc"), nvmlDeviceGetName=maybe("name", "NVIDIA L4"),
        nvmlDeviceGetPciInfo=maybe("pci", SimpleNamespace(busId=b"00000000:00:1E.0")),
        nvmlDeviceGetUtilizationRates=maybe("util", SimpleNamespace(gpu=7, memory=3)),
        nvmlDeviceGetMemoryInfo=maybe("mem", SimpleNamespace(used=5 * MIB, total=100 * MIB)),
        nvmlDeviceGetPowerUsage=maybe("power", 16_000),
        nvmlDeviceGetEnforcedPowerLimit=maybe("limit", 72_000),
        nvmlDeviceGetTemperature=maybe("temp", 40), nvmlDeviceGetClockInfo=maybe("clock", 2040),
        nvmlDeviceGetComputeRunningProcesses=maybe(
            "procs", [SimpleNamespace(pid=7, usedGpuMemory=None)]),
        nvmlSystemGetProcessName=maybe("pname", b"python3"),
    )


def test_pynvml_backend_reads_and_translates_errors() -> None:
    backend = PynvmlBackend(fake_pynvml())
    backend.init()
    h = backend.handle(0)
    assert (backend.uuid(h), backend.name(h), backend.pci_bus_id(h)) == (
        "GPU-abc", "NVIDIA L4", "00000000:00:1E.0")
    assert backend.utilization(h) == (7.0, 3.0) and backend.memory_bytes(h) == (5 * MIB, 100 * MIB)
    assert (backend.power_mw(h), backend.power_limit_mw(h)) == (16000.0, 72000.0)
    assert backend.processes(h) == [(7, None)] and backend.process_name(7) == "python3"
    for code, error in ((3, NotSupported), (15, GpuLost), (12, NoDriver), (9, NoDriver),
                        (999, NvmlError)):
        with pytest.raises(error):
            PynvmlBackend(fake_pynvml(util=code)).utilization("h0")
    assert PynvmlBackend(fake_pynvml(pname=3)).process_name(1) is None


# -- host identity ---------------------------------------------------------------------------


@pytest.fixture
def imds() -> Iterator[tuple[str, list[str]]]:
    """An EC2 metadata service stand-in on 127.0.0.1 speaking IMDSv2 (token, then GET)."""
    calls: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _reply(self, code: int, body: str) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def do_PUT(self) -> None:
            calls.append(f"PUT {self.path} ttl={self.headers['X-aws-ec2-metadata-token-ttl-seconds']}")
            self._reply(200, "token-123")

        def do_GET(self) -> None:
            calls.append(f"GET {self.path} token={self.headers['X-aws-ec2-metadata-token']}")
            if self.headers["X-aws-ec2-metadata-token"] != "token-123":
                self._reply(401, "")
                return
            self._reply(200, "i-0feedfacecafe0001")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls
    finally:
        server.shutdown()
        server.server_close()


def test_instance_id_from_imdsv2(imds: tuple[str, list[str]],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    url, calls = imds
    monkeypatch.delenv(hostmod.METADATA_ENV, raising=False)
    identity = resolve_identity({"name": "gpu-x", "metadata_url": url})
    assert identity == HostIdentity("gpu-x", "i-0feedfacecafe0001", "aws", "ec2-metadata")
    assert calls == ["PUT /latest/api/token ttl=60",
                     "GET /latest/meta-data/instance-id token=token-123"]


def test_identity_from_config_and_lookup_switched_off(imds: tuple[str, list[str]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url, calls = imds
    monkeypatch.delenv(hostmod.METADATA_ENV, raising=False)
    assert resolve_identity({"name": "a", "instance_id": "i-0abc", "metadata_url": url}) == \
        HostIdentity("a", "i-0abc", "aws", "config")
    assert resolve_identity({"name": "b", "metadata": False, "metadata_url": url}).source == \
        "hostname"
    monkeypatch.setenv(hostmod.METADATA_ENV, "off")
    assert resolve_identity({"name": "c", "metadata_url": url}).instance_id is None
    assert calls == []


def test_metadata_service_that_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    silent = __import__("socket").socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never replies
    try:
        started = time.monotonic()
        assert ec2_instance_id(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.2) is None
        assert time.monotonic() - started < 2
    finally:
        silent.close()
