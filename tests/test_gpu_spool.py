"""Sampler spool → `ingest spool`: samples, processes, host identity, events; files cleared."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aifinops.config import Settings
from aifinops.errors import InputError
from aifinops.ingest.gpu_load import GpuSettings
from aifinops.ingest.spool import ingest_spool
from aifinops.store import Store, open_store
from aifinops.telemetry.nvml import GpuLost
from aifinops.telemetry.procinfo import ProcReader
from aifinops.telemetry.sampler import Sampler, SamplerConfig
from aifinops.telemetry.spool import spool_files
from tests.test_gpu_sampler import IDENTITY, MIB, FakeNvml


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(Settings(db_path=tmp_path / "gpu.duckdb"))
    yield store
    store.close()


def gpu() -> GpuSettings:
    return GpuSettings(now=datetime.now(UTC))


def sample(spool: Path, ticks: int, tmp_path: Path, nvml: FakeNvml | None = None) -> Sampler:
    root = tmp_path / "proc"
    (root / "77").mkdir(parents=True, exist_ok=True)
    (root / "77" / "cmdline").write_bytes(b"torchrun\0train.py\0--model\0llama-ft-70b\0")
    nvml = nvml or FakeNvml(2)
    nvml.processes_on = {0: [(77, 30_000 * MIB)]}
    start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    sampler = Sampler(nvml, spool, IDENTITY, SamplerConfig(interval_s=5, rotate_s=3600),
                      proc=ProcReader(root), log=lambda _: None,
                      now=lambda: start + timedelta(seconds=5 * sampler.summary.ticks))
    sampler.start()
    for i in range(ticks):
        sampler.sample_once()
        if i % 2 == 1:
            sampler.flush()  # several files
    sampler.flush()
    return sampler


def test_spool_loads_everything_and_deletes_files(store: Store, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    nvml = FakeNvml(2)
    nvml.fail[(1, "utilization")] = GpuLost("off the bus")
    nvml.fail_from[(1, "utilization")] = 2
    sample(spool, 5, tmp_path, nvml)
    files = spool_files(spool)
    assert len(files) == 3
    report = ingest_spool(store, spool, gpu())
    assert report.load is not None and report.files == files and report.rejected == []
    load = report.load
    assert (load.rows_loaded, load.rows_duplicate, load.gpus, load.hosts) == (
        5 + 2 + 5, 0, 2, ["gpu-test-01"])  # 7 GPU samples + 5 process rows
    assert spool_files(spool) == []
    host = store.conn.execute("SELECT host, instance_id, provider, source FROM gpu_hosts"
                              ).fetchall()
    assert host == [("gpu-test-01", "i-0123456789abcdef0", "aws", "sampler")]
    procs = store.conn.execute("SELECT pid, command_line, samples, used_mem_max_mib FROM "
                               "gpu_process_hourly").fetchall()
    assert procs == [(77, "torchrun train.py --model llama-ft-70b", 5, 30000.0)]
    events = store.conn.execute("SELECT host, gpu_uuid, event FROM gpu_events").fetchall()
    assert events == [("gpu-test-01", "GPU-fake-1", "gpu_lost")]
    assert len(report.events) == 1 and "is lost (off the bus)" in report.events[0]
    assert len(report.overhead) == 1 and report.overhead[0].startswith("gpu-test-01: ")
    samples = store.conn.execute("SELECT source, interval_s, mem_used_mib, power_w FROM "
                                 "gpu_samples LIMIT 1").fetchall()
    assert samples == [("sampler", 5.0, 2048.0, 250.5)]


def test_archive_keep_and_reload(store: Store, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    sample(spool, 3, tmp_path)
    kept = ingest_spool(store, spool, gpu(), keep=True)
    assert kept.load is not None and len(spool_files(spool)) == 2
    again = ingest_spool(store, spool, gpu(), archive=tmp_path / "done")
    assert again.load is not None
    assert (again.load.rows_loaded, again.load.rows_duplicate) == (0, 9)  # 6 samples, 3 procs
    assert spool_files(spool) == [] and len(list((tmp_path / "done").iterdir())) == 2
    empty = ingest_spool(store, spool, gpu())
    assert empty.load is None and empty.files == []


def test_unreadable_file_is_set_aside_and_the_rest_load(store: Store, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    sample(spool, 2, tmp_path)
    bad = spool / "20261120T000000-x-1-000009.jsonl"
    bad.write_text('{"kind":"gpu","ts":"2026-11-20T10:00:00Z","util_pct":"lots"}\n')
    (spool / ".20261120T000001-x-1-000010.jsonl.tmp").write_text('{"kind":')  # being written
    gz = spool / "20261120T000002-x-1-000011.jsonl.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(json.dumps({"kind": "gpu", "ts": "2026-11-20T10:00:00Z", "host": "other",
                                 "gpu_uuid": "GPU-9", "util_pct": 1.0, "interval_s": 5}) + "\n")
    report = ingest_spool(store, spool, gpu())
    assert [p.name for p, _ in report.rejected] == [bad.name]
    assert "Failed to cast value" in report.rejected[0][1]
    assert (spool / "rejected" / bad.name).exists()
    assert report.load is not None and report.load.hosts == ["gpu-test-01", "other"]
    assert [p.name for p in spool.iterdir() if p.is_file()] == [
        ".20261120T000001-x-1-000010.jsonl.tmp"]


def test_missing_folder(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such spool folder"):
        ingest_spool(store, tmp_path / "nope", gpu())
