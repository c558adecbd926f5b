"""DCGM exporter scrapes from a file and over HTTP (a local server on 127.0.0.1 only)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aifinops.config import Settings
from aifinops.errors import InputError
from aifinops.ingest.dcgm import ingest_dcgm, parse_labels, parse_scrape
from aifinops.ingest.gpu_load import GpuSettings
from aifinops.store import Store, open_store

NOW = datetime(2026, 11, 29, tzinfo=UTC)
AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
UUID0 = "GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52"
UUID1 = "GPU-11111111-2222-3333-4444-555555555555"


def series(name: str, value: str, uuid: str, *, gpu: str = "0", host_label: str = "Hostname",
           host: str = "k8s-node-1", extra: str = "", ts: str = "") -> str:
    labels = (f'gpu="{gpu}",UUID="{uuid}",pci_bus_id="00000000:00:1E.0",device="nvidia{gpu}",'
              f'modelName="NVIDIA L4",{host_label}="{host}",DCGM_FI_DRIVER_VERSION="570.172.08"'
              f"{extra}")
    return f"{name}{{{labels}}} {value}{' ' + ts if ts else ''}"


POD = ',container="vllm",namespace="chat",pod="chat-7b-6d9f8-x2x7q"'
SCRAPE = "\n".join([
    "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).",
    "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
    series("DCGM_FI_DEV_GPU_UTIL", "100", UUID0, extra=POD),
    series("DCGM_FI_DEV_GPU_UTIL", "3", UUID1, gpu="1", extra=',container="",namespace="",pod=""'),
    series("DCGM_FI_DEV_FB_USED", "20000", UUID0, extra=POD),
    series("DCGM_FI_DEV_FB_FREE", "3034", UUID0, extra=POD),
    series("DCGM_FI_DEV_FB_USED", "0", UUID1, gpu="1"),
    series("DCGM_FI_DEV_POWER_USAGE", "61.503", UUID0, extra=POD),
    series("DCGM_FI_DEV_MEMORY_TEMP", "9223372036854775794", UUID0, extra=POD),  # sentinel
    series("DCGM_FI_DEV_GPU_TEMP", "9223372036854775794", UUID1, gpu="1"),
    series("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "0.120000", UUID0, extra=POD),
    series("DCGM_FI_PROF_SM_ACTIVE", "0.050000", UUID0, extra=POD),
    series("DCGM_FI_PROF_SM_ACTIVE", "0.020000", UUID1, gpu="1"),
    'DCGM_FI_DEV_XID_ERRORS{gpu="0",UUID="' + UUID0 + '"} 0',  # a metric we do not use
    "this line is not prometheus text",
    'go_goroutines 42',
]) + "\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(Settings(db_path=tmp_path / "gpu.duckdb"))
    yield store
    store.close()


def gpu() -> GpuSettings:
    return GpuSettings(now=NOW, raw_retention_days=30)


def test_labels_with_escapes() -> None:
    assert parse_labels('a="x",b="say \\"hi\\"\\n",c="back\\\\slash"') == {
        "a": "x", "b": 'say "hi"\n', "c": "back\\slash"}


def test_scrape_file_samples_pods_and_sentinels(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "node.prom"
    path.write_text(SCRAPE)
    report = ingest_dcgm(store, str(path), gpu(), at=AT, interval_s=60)
    assert report.hosts == ["k8s-node-1"] and report.gpus == 2
    assert [(s.reason, s.first_lines) for s in report.skips] == [("unreadable line", [15])]
    got = store.conn.execute(
        "SELECT ts, gpu_uuid, gpu_index, gpu_name, util_pct, mem_used_mib, mem_total_mib, "
        "power_w, temp_c, gr_engine_active, sm_active, interval_s, source FROM gpu_samples "
        "ORDER BY gpu_index").fetchall()
    assert got == [
        (AT, UUID0, 0, "NVIDIA L4", 100.0, 20000.0, 23034.0, 61.503, None, 0.12, 0.05, 60.0, "dcgm"),
        (AT, UUID1, 1, "NVIDIA L4", 3.0, 0.0, None, None, None, None, 0.02, 60.0, "dcgm"),
    ]
    pods = store.conn.execute("SELECT gpu_uuid, pid, k8s_namespace, k8s_pod, k8s_container, "
                              "used_mem_mib FROM gpu_processes").fetchall()
    assert pods == [(UUID0, None, "chat", "chat-7b-6d9f8-x2x7q", "vllm", 20000.0)]
    # the idle signal prefers GR_ENGINE_ACTIVE, then SM_ACTIVE, over GPU_UTIL (100% here!)
    hours = store.conn.execute("SELECT gpu_uuid, activity_mean_pct, activity_signal, idle_seconds "
                               "FROM gpu_hourly ORDER BY gpu_uuid").fetchall()
    assert hours == [(UUID1, pytest.approx(2.0), "dcgm_sm_active", 60.0),
                     (UUID0, pytest.approx(12.0), "dcgm_gr_engine_active", 0.0)]
    again = ingest_dcgm(store, str(path), gpu(), at=AT, interval_s=60)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 3)


def test_lowercase_hostname_timestamps_and_mig(store: Store, tmp_path: Path) -> None:
    """Newer exporters write `hostname`; samples may carry their own ms timestamps."""
    ms = str(int(AT.timestamp() * 1000))
    mig = ',GPU_I_PROFILE="1g.10gb",GPU_I_ID="3"'
    text = "\n".join([
        series("DCGM_FI_DEV_GPU_UTIL", "7", UUID0, host_label="hostname", host="new", ts=ms),
        series("DCGM_FI_DEV_GPU_UTIL", "9", UUID0, host_label="hostname", host="new", ts=ms,
               extra=mig),
    ])
    path = tmp_path / "new.prom"
    path.write_text(text)
    report = ingest_dcgm(store, str(path), gpu())
    assert report.hosts == ["new"]
    got = store.conn.execute("SELECT ts, gpu_uuid, util_pct FROM gpu_samples ORDER BY util_pct"
                             ).fetchall()
    assert got == [(AT, UUID0, 7.0), (AT, f"{UUID0}/mig3", 9.0)]


def test_scrape_without_host_label_needs_host(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bare.prom"
    path.write_text('DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="' + UUID0 + '"} 5\n')
    with pytest.raises(InputError, match=r"bare\.prom: cannot tell which host.*--host"):
        ingest_dcgm(store, str(path), gpu())
    report = ingest_dcgm(store, str(path), gpu(), host="given", at=AT)
    assert report.hosts == ["given"] and report.rows_loaded == 1
    assert report.notes == ["no profiling metrics (DCGM_FI_PROF_*): the idle signal falls back "
                            "to DCGM_FI_DEV_GPU_UTIL"]


def test_not_a_dcgm_scrape(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "node_exporter.prom"
    path.write_text("# TYPE node_load1 gauge\nnode_load1 0.5\n")
    with pytest.raises(InputError, match=r"node_exporter\.prom: not a DCGM exporter scrape"):
        ingest_dcgm(store, str(path), gpu())
    assert store.conn.execute("SELECT count(*) FROM gpu_loads").fetchall() == [(0,)]


@pytest.fixture
def exporter() -> Iterator[str]:
    """A DCGM exporter stand-in on 127.0.0.1 (port chosen by the OS) serving SCRAPE."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/metrics":
                self.send_error(404)
                return
            body = SCRAPE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_scrape_over_http(store: Store, exporter: str) -> None:
    before = datetime.now(UTC)
    report = ingest_dcgm(store, f"{exporter}/metrics", gpu())
    assert report.rows_loaded == 3 and report.hosts == ["k8s-node-1"]  # 2 samples + 1 pod
    (ts,), = store.conn.execute("SELECT DISTINCT ts FROM gpu_samples").fetchall()
    assert before <= ts <= datetime.now(UTC)
    with pytest.raises(InputError, match=r"/nothing: could not fetch the metrics: .*Not Found"):
        ingest_dcgm(store, f"{exporter}/nothing", gpu())


def test_unreachable_exporter(store: Store) -> None:
    with pytest.raises(InputError, match="could not fetch the metrics"):
        ingest_dcgm(store, "http://127.0.0.1:9/metrics", gpu())  # port 9: discard, never open


def test_parse_groups_series_per_gpu() -> None:
    scrape = parse_scrape(SCRAPE)
    assert scrape.dcgm_series == 12 and scrape.bad_lines == [15]
    assert {key[1] for key in scrape.samples} == {UUID0, UUID1}
