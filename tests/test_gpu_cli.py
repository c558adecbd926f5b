"""The GPU commands as users type them: ingest nvidia-smi / dcgm / spool, sample, query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from aifinops.cli import cli
from aifinops.telemetry import nvml as nvml_module
from tests.test_gpu_sampler import FakeNvml

HEADER = "timestamp, index, uuid, utilization.gpu [%], memory.used [MiB], fan.speed [%]"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AIFINOPS_METADATA_URL", "off")  # never 169.254.169.254 from tests
    path = tmp_path / "aifinops.toml"
    path.write_text(f'[database]\npath = "{tmp_path / "cli.duckdb"}"\n\n'
                    '[gpu]\nraw_retention_days = 100000\n\n'
                    '[host]\nname = "gpu-cli-01"\ninstance_id = "i-0c11c11c11c11c111"\n')
    return path


def test_ingest_nvidia_smi_reports_loads_and_skips(config: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "gpu-node-01.csv").write_text("\n".join([
        HEADER,
        "2026/11/20 10:00:00.000, 0, GPU-a, 10 %, 100 MiB, [N/A]",
        "garbage",
        "2026/11/20 10:00:05.000, 0, GPU-a, 12 %, 100 MiB, [N/A]",
    ]) + "\n")
    (logs / "gpu-node-02.csv").write_text("not, a, log\n")
    code, out, err = run("--config", str(config), "ingest", "nvidia-smi", str(logs))
    assert code == 1
    assert "gpu-node-02.csv (line 1): not an nvidia-smi log" in err
    assert "1 file(s) could not be loaded" in err
    assert (f"{logs / 'gpu-node-01.csv'}: 2 new samples, 0 already loaded, 1 skipped; host "
            "gpu-node-01 (from file name); 1 GPU(s); 1 hour(s) rolled up, 2026-11-20 10:00 → "
            "2026-11-20 10:00 UTC") in out
    assert "  skipped incomplete line (fewer fields than the header): 1 (line 3)" in out
    assert "  ignored 1 column(s) aifinops does not use: fan.speed [%]" in out
    assert "timestamps were read as UTC" in out
    code, out, _ = run("--config", str(config), "-q", "ingest", "nvidia-smi", "--tz", "UTC",
                       str(logs / "gpu-node-01.csv"))
    assert code == 0 and "0 new samples, 2 already loaded, 1 skipped" in out
    assert "skipped incomplete" not in out
    code, out, _ = run("--config", str(config), "query", "--format", "json",
                       "select host, samples, util_mean_pct from gpu_hourly")
    assert code == 0 and json.loads(out) == [
        {"host": "gpu-node-01", "samples": 2, "util_mean_pct": 11.0}]


def test_ingest_nvidia_smi_bad_options(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("2026/11/20 10:00:00.000, GPU-a, 10\n")
    code, _, err = run("--config", str(config), "ingest", "nvidia-smi", "--tz", "Nowhere/City",
                       str(path))
    assert code == 1 and "unknown time zone 'Nowhere/City'" in err
    code, out, err = run("--config", str(config), "ingest", "nvidia-smi", "--host", "h",
                         str(path))
    assert code == 1 and "no header line" in err and "--columns" in err
    code, out, _ = run("--config", str(config), "ingest", "nvidia-smi", "--host", "h",
                       "--columns", "timestamp,uuid,utilization.gpu", str(path))
    assert code == 0 and "1 new samples" in out
    code, _, err = run("--config", str(config), "ingest", "nvidia-smi", str(tmp_path / "no.csv"))
    assert code == 1 and "no.csv: no such file" in err


def test_ingest_dcgm_file(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "scrape.prom"
    path.write_text('DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-d",Hostname="k8s-1"} 0.5 '
                    "1795867200000\n")
    code, out, _ = run("--config", str(config), "ingest", "dcgm", str(path))
    assert code == 0 and "1 new samples" in out and "host k8s-1" in out


def test_sample_then_ingest_spool(config: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvml_module, "PynvmlBackend", lambda: FakeNvml(2))
    spool = tmp_path / "spool"
    code, _, err = run("--config", str(config), "sample", "--interval", "0.05", "--duration",
                       "0.3", "--rotate", "0.1", "--spool", str(spool))
    assert code == 0, err
    assert "sampling 2 GPU(s) on gpu-cli-01 (instance i-0c11c11c11c11c111, from config)" in err
    assert "% of one core)" in err
    code, out, _ = run("--config", str(config), "ingest", "spool", str(spool))
    assert code == 0 and "new samples, 0 already loaded, 0 skipped; host gpu-cli-01" in out
    assert "sampler overhead: gpu-cli-01: " in out and "loaded files deleted" in out
    code, out, _ = run("--config", str(config), "query", "--format", "json",
                       "select host, instance_id, source from gpu_hosts")
    assert json.loads(out) == [{"host": "gpu-cli-01", "instance_id": "i-0c11c11c11c11c111",
                                "source": "sampler"}]
    code, out, _ = run("--config", str(config), "ingest", "spool", str(spool))
    assert code == 0 and "no spool files to load" in out


def test_sample_without_a_driver(config: Path, tmp_path: Path) -> None:
    try:
        nvml_module.PynvmlBackend().init()
    except nvml_module.NoDriver:
        pass
    else:
        pytest.skip("this machine has an NVIDIA driver")
    code, _, err = run("--config", str(config), "sample", "--spool", str(tmp_path / "s"),
                       "--duration", "1")
    assert code == 1
    assert err.startswith("error: no NVIDIA driver found on this machine")
    assert err.strip().endswith("so there are no GPUs to sample") and err.count("\n") == 1
