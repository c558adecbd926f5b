"""nvidia-smi logs: real captures, every format variant, bad input, several hosts, time zones."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aifinops.config import Settings
from aifinops.errors import ConfigError, InputError
from aifinops.ingest.gpu_load import GpuSettings, LoadReport
from aifinops.ingest.nvidia_smi import NvidiaSmiOptions, ingest_nvidia_smi
from aifinops.store import Store, open_store

FIXTURES = Path(__file__).parent / "fixtures" / "gpu"
H100 = "linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01"
L40S = "linux-x86_64__nvidia-l40s__595.80"
NOW = datetime(2026, 11, 29, tzinfo=UTC)
KEEP_RAW = 10_000.0  # days: keep every raw sample of the July captures
HEADER = ("timestamp, index, uuid, name, utilization.gpu [%], memory.used [MiB], "
          "memory.total [MiB], power.draw [W]")


def uuid(index: int) -> str:
    return f"GPU-{index:08d}-1111-2222-3333-444444444444"


def row(ts: str, index: int, util: str | int, mem: int = 1000, power: float = 100.0) -> str:
    value = util if isinstance(util, str) else f"{util} %"
    return (f"{ts}, {index}, {uuid(index)}, NVIDIA H100 80GB HBM3, {value}, {mem} MiB, "
            f"81559 MiB, {power:.2f} W")


def write(path: Path, lines: list[str], *, end_newline: bool = True) -> Path:
    path.write_text("\n".join(lines) + ("\n" if end_newline else ""))
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(Settings(db_path=tmp_path / "gpu.duckdb"))
    yield store
    store.close()


def gpu(**overrides: object) -> GpuSettings:
    values: dict[str, object] = {"now": NOW, "raw_retention_days": KEEP_RAW, **overrides}
    return GpuSettings(**values)  # type: ignore[arg-type]


def load(store: Store, path: Path, settings: GpuSettings | None = None,
         **options: object) -> LoadReport:
    opts = NvidiaSmiOptions(**{"host": "node-1", **options})  # type: ignore[arg-type]
    return ingest_nvidia_smi(store, path, settings or gpu(), opts)


def samples(store: Store, columns: str = "host, gpu_uuid, util_pct, mem_used_mib") -> list:
    return store.conn.execute(f"SELECT {columns} FROM gpu_samples ORDER BY ts, host, gpu_uuid"
                              ).fetchall()


def count(store: Store, table: str) -> int:
    row_ = store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row_ is not None
    return int(row_[0])


# -- real captures ---------------------------------------------------------------------------


def test_real_h100_capture_every_field(store: Store) -> None:
    report = load(store, FIXTURES / f"{H100}__load__query-gpu-subset.csv")
    assert (report.rows_read, report.rows_loaded, report.skips) == (1, 1, [])
    assert report.ignored_columns == []
    got = store.conn.execute(
        "SELECT strftime(ts, '%Y-%m-%d %H:%M:%S.%g'), host, gpu_uuid, gpu_index, gpu_name, "
        "pci_bus_id, util_pct, mem_util_pct, mem_used_mib, mem_total_mib, power_w, "
        "power_limit_w, temp_c, sm_clock_mhz, source FROM gpu_samples").fetchall()
    assert got == [("2026-07-14 08:12:53.353", "node-1", "GPU-00000000-0000-0000-0000-000000000000",
                    0, "NVIDIA H100 80GB HBM3", "00000000:00:09.0", 100.0, 11.0, 19818.0,
                    81559.0, 631.95, 700.0, 59.0, 1980.0, "nvidia-smi")]


def test_full_capture_maps_canonical_names_and_ignores_the_rest(store: Store) -> None:
    """212 fields; power.draw wins over power.draw.average/instant; the rest are ignored.
    The last one, `hostname` (the GPU's own hostname setting), is [N/A]: --host applies."""
    full = load(store, FIXTURES / f"{H100}__load__query-gpu-full.csv", gpu(), host="full")
    subset = load(store, FIXTURES / f"{H100}__load__query-gpu-subset.csv", gpu(), host="subset")
    header = (FIXTURES / f"{H100}__load__query-gpu-full.csv").read_text().splitlines()[0]
    assert len(full.ignored_columns) == len(header.split(", ")) - 14  # 13 + hostname
    assert {"fan.speed [%]", "pstate", "power.draw.average [W]", "driver_version"} <= set(
        full.ignored_columns)
    columns = ("gpu_index, gpu_name, pci_bus_id, util_pct, mem_util_pct, mem_used_mib, "
               "mem_total_mib, power_w, power_limit_w, temp_c, sm_clock_mhz")
    rows = store.conn.execute(f"SELECT host, {columns} FROM gpu_samples ORDER BY host").fetchall()
    assert [r[1:] for r in rows if r[0] == "full"] == [r[1:] for r in rows if r[0] == "subset"]
    assert full.rows_loaded == subset.rows_loaded == 1


def test_real_l40s_idle_and_load(store: Store) -> None:
    load(store, FIXTURES / f"{L40S}__idle__query-gpu-subset.csv", interval_s=15)
    load(store, FIXTURES / f"{L40S}__load__query-gpu-subset.csv", interval_s=15)
    hour = store.conn.execute(
        "SELECT samples, observed_seconds, util_mean_pct, util_max_pct, mem_used_max_mib, "
        "mem_total_mib, activity_signal, idle_seconds FROM gpu_hourly").fetchall()
    assert hour == [(2, 30.0, 54.5, 100.0, 1235.0, 46068.0, "utilization_gpu", 0.0)]


def test_real_compute_apps_captures(store: Store) -> None:
    report = load(store, FIXTURES / f"{H100}__load__query-compute-apps.csv")
    assert report.source == "nvidia-smi-apps" and report.rows_loaded == 3
    assert report.ignored_columns == ["gpu_serial"]
    got = store.conn.execute(
        "SELECT pid, process_name, used_mem_mib, gpu_uuid FROM gpu_processes ORDER BY pid"
    ).fetchall()
    assert got == [(11327, "/root/tools/memhog", 2566.0, "GPU-00000000-0000-0000-0000-000000000000"),
                   (11328, "/root/tools/memhog", 1542.0, "GPU-00000000-0000-0000-0000-000000000000"),
                   (11345, "./gpu_burn", 15690.0, "GPU-00000000-0000-0000-0000-000000000000")]
    hourly = store.conn.execute(
        "SELECT pid, samples, used_mem_max_mib FROM gpu_process_hourly ORDER BY pid").fetchall()
    assert hourly == [(11327, 1, 2566.0), (11328, 1, 1542.0), (11345, 1, 15690.0)]
    idle = load(store, FIXTURES / f"{H100}__idle__query-compute-apps.csv")  # header only
    assert (idle.rows_read, idle.rows_loaded, idle.skips) == (0, 0, [])


# -- format variants -------------------------------------------------------------------------


def test_units_nounits_and_bracketed_sentinels(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.csv", [
        HEADER,
        "2026/11/20 10:00:00.000, 0, GPU-a, NVIDIA H100 80GB HBM3, 45, 1234, 81559, 250.5",
        "2026/11/20 10:00:00.000, 1, GPU-b, NVIDIA H100 80GB HBM3, [N/A], [Not Supported], "
        "81559 MiB, [Unknown Error]",
        "2026/11/20 10:00:00.000, 2, GPU-c, [N/A], 7 %, [Insufficient Permissions], 81559 MiB, "
        "[GPU requires reset]",
    ])
    load(store, path)
    assert samples(store, "gpu_uuid, gpu_name, util_pct, mem_used_mib, power_w") == [
        ("GPU-a", "NVIDIA H100 80GB HBM3", 45.0, 1234.0, 250.5),
        ("GPU-b", "NVIDIA H100 80GB HBM3", None, None, None),
        ("GPU-c", None, 7.0, None, None),
    ]


def test_mig_gpu_without_utilisation_has_no_idle_signal(store: Store, tmp_path: Path) -> None:
    """A MIG-enabled H100 prints utilization.gpu as [N/A]: the hour says it cannot tell."""
    lines = [HEADER] + [row(f"2026/11/20 10:{m:02d}:00.000", 0, "[N/A]") for m in range(0, 60, 5)]
    load(store, write(tmp_path / "mig.csv", lines))
    got = store.conn.execute("SELECT samples, coverage, activity_mean_pct, activity_signal, "
                             "idle_seconds FROM gpu_hourly").fetchall()
    assert got == [(12, 1.0, None, None, None)]


def test_headerless_log_needs_columns(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "noheader.csv", [
        "2026/11/20 10:00:00.000, GPU-a, 45, 1234",
        "2026/11/20 10:00:05.000, GPU-a, 46, 1240",
    ])
    with pytest.raises(InputError, match=r"noheader\.csv \(line 1\): no header line.*--columns"):
        load(store, path)
    assert count(store, "gpu_loads") == 0
    report = load(store, path, columns="timestamp, uuid, utilization.gpu [%], memory.used")
    assert report.rows_loaded == 2
    assert samples(store) == [("node-1", "GPU-a", 45.0, 1234.0), ("node-1", "GPU-a", 46.0, 1240.0)]


def test_any_subset_and_order_of_fields(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "order.csv", [
        "memory.used [MiB], uuid, clocks.current.sm [MHz], timestamp, utilization.gpu [%]",
        "512 MiB, GPU-z, 1410 MHz, 2026/11/20 10:00:00.000, 12 %",
    ])
    load(store, path)
    assert samples(store, "gpu_uuid, mem_used_mib, sm_clock_mhz, util_pct, power_w") == [
        ("GPU-z", 512.0, 1410.0, 12.0, None)]


def test_gpu_identity_falls_back_to_bus_id_then_index(store: Store, tmp_path: Path) -> None:
    load(store, write(tmp_path / "a.csv", ["timestamp, pci.bus_id, utilization.gpu [%]",
                                           "2026/11/20 10:00:00.000, 00000000:10:1C.0, 1 %"]))
    load(store, write(tmp_path / "b.csv", ["timestamp, index, utilization.gpu [%]",
                                           "2026/11/20 10:00:00.000, 3, 2 %"]))
    assert [r[1] for r in samples(store)] == ["index:3", "pci:00000000:10:1C.0"]


def test_repeated_header_of_a_restarted_logger(store: Store, tmp_path: Path) -> None:
    lines = [HEADER, row("2026/11/20 10:00:00.000", 0, 10), HEADER,
             row("2026/11/20 10:00:05.000", 0, 20)]
    report = load(store, write(tmp_path / "restart.csv", lines))
    assert (report.rows_read, report.rows_loaded, report.skips) == (2, 2, [])


def test_header_that_changes_mid_file(store: Store, tmp_path: Path) -> None:
    lines = [
        "timestamp, uuid, utilization.gpu [%]",
        "2026/11/20 10:00:00.000, GPU-a, 10 %",
        "timestamp, uuid, memory.used [MiB], utilization.gpu [%], power.draw [W], "
        "temperature.gpu, clocks.current.sm [MHz]",
        "2026/11/20 10:00:05.000, GPU-a, 800 MiB, 20 %, 99.00 W, 40, 1980 MHz",
        "timestamp, utilization.gpu [%], uuid",
        "2026/11/20 10:00:10.000, 30 %, GPU-a",
    ]
    report = load(store, write(tmp_path / "changed.csv", lines))
    assert report.rows_loaded == 3 and report.skips == []
    assert samples(store, "util_pct, mem_used_mib, power_w, sm_clock_mhz") == [
        (10.0, None, None, None), (20.0, 800.0, 99.0, 1980.0), (30.0, None, None, None)]


def test_gzip_log(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "node-7.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join([HEADER, row("2026/11/20 10:00:00.000", 0, 33)]) + "\n")
    report = ingest_nvidia_smi(store, path, gpu())
    assert (report.hosts, report.host_origin, report.rows_loaded) == (["node-7"], "file name", 1)


# -- bad input -------------------------------------------------------------------------------


def test_bad_lines_are_skipped_counted_and_located(store: Store, tmp_path: Path) -> None:
    lines = [
        HEADER,                                                     # 1
        row("2026/11/20 10:00:00.000", 0, 10),                      # 2
        "",                                                         # 3 blank: not a row
        "### logger restarted by cron ###",                         # 4 garbage
        row("2026/11/20 10:00:05.000", 0, 20) + ", surplus",        # 5 too many fields
        row("2026/11/20 10:00:10.000", 0, 30),                      # 6
        row("2026/11/20 10:00:07.000", 0, 99),                      # 7 clock stepped back
        row("2026/11/20 10:00:10.000", 0, 98),                      # 8 repeated timestamp
        row("2099/01/01 00:00:00.000", 0, 50),                      # 9 clock far ahead
        "2026/13/45 25:61:00.000, 0, GPU-x, x, 1 %, 1 MiB, 2 MiB, 3 W",  # 10 bad timestamp
        row("2026/11/20 10:00:15.000", 0, 40),                      # 11
        "2026/11/20 10:00:20.000, 0, " + uuid(0) + ", NVIDIA H100 80GB HBM3, 45 %, 12 Mi",  # 12
    ]
    report = load(store, write(tmp_path / "messy.csv", lines, end_newline=False))
    assert report.rows_loaded == 3
    assert {s.reason: (s.rows, s.first_lines) for s in report.skips} == {
        "incomplete line (fewer fields than the header)": (2, [4, 12]),
        "too many fields": (1, [5]),
        "clock jump back (timestamp before an earlier sample of the GPU)": (2, [7, 8]),
        "timestamp in the future": (1, [9]),
        "unreadable timestamp": (1, [10]),
    }
    assert report.rows_read == 10 and report.rows_skipped == 7
    assert [r[2] for r in samples(store)] == [10.0, 30.0, 40.0]
    ledger = store.conn.execute("SELECT reason, rows, first_lines FROM gpu_load_skips "
                                "ORDER BY reason").fetchall()
    assert ("too many fields", 1, [5]) in ledger


def test_truncated_last_line_is_skipped_even_when_it_parses(store: Store, tmp_path: Path) -> None:
    lines = [HEADER, row("2026/11/20 10:00:00.000", 0, 10),
             row("2026/11/20 10:00:05.000", 0, 20)[:-4]]  # '...100.' cut inside power.draw
    report = load(store, write(tmp_path / "killed.csv", lines, end_newline=False))
    assert report.rows_loaded == 1
    assert [(s.reason, s.first_lines) for s in report.skips] == [
        ("truncated last line (no newline at the end: the logger stopped mid-write)", [3])]


@pytest.mark.parametrize(("content", "message"), [
    ("identity/LineItemId,lineItem/UnblendedCost\nabc,1.0\n",
     r"cur\.csv \(line 1\): not an nvidia-smi log: expected a header"),
    ("timestamp, pid, process_name\n", r"a --query-compute-apps log needs a 'gpu_uuid' field"),
    ("uuid, utilization.gpu [%]\nGPU-a, 1 %\n", r"not an nvidia-smi log: no 'timestamp' field"),
    ("", r"empty file"),
    (HEADER + "\nthis is, not, a, sample, at, all, really, no\n", r"no usable rows.*line 2"),
])
def test_not_a_gpu_log_loads_nothing(store: Store, tmp_path: Path, content: str,
                                     message: str) -> None:
    path = tmp_path / "cur.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load(store, path)
    assert count(store, "gpu_samples") == count(store, "gpu_loads") == 0


def test_binary_file_is_not_a_log(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match=r"weights\.bin: not an nvidia-smi log: this is not a "
                                         "text file"):
        load(store, path)


# -- hosts and time zones --------------------------------------------------------------------


def test_hosts_from_option_column_and_file_name(store: Store, tmp_path: Path) -> None:
    by_name = write(tmp_path / "gpu-node-03_2026-11-20.csv",
                    [HEADER, row("2026/11/20 10:00:00.000", 0, 1)])
    report = ingest_nvidia_smi(store, by_name, gpu())
    assert (report.hosts, report.host_origin) == (["gpu-node-03"], "file name")
    multi = write(tmp_path / "fleet.csv", [
        "hostname, timestamp, uuid, utilization.gpu [%]",
        "gpu-a, 2026/11/20 10:00:00.000, GPU-1, 5 %",
        "gpu-b, 2026/11/20 09:59:00.000, GPU-1, 6 %",  # another host: its own clock, no jump
        "gpu-a, 2026/11/20 10:00:05.000, GPU-1, 7 %",
    ])
    report = ingest_nvidia_smi(store, multi, gpu())
    assert (report.hosts, report.rows_loaded) == (["gpu-a", "gpu-b"], 3)
    assert report.host_origin == "host column, else file name"
    forced = load(store, write(tmp_path / "x.csv", [HEADER, row("2026/11/20 10:00:00.000", 0, 1)]),
                  host="given-host")
    assert (forced.hosts, forced.host_origin) == (["given-host"], "--host")
    hosts = store.conn.execute("SELECT host, source FROM gpu_hosts ORDER BY host").fetchall()
    assert hosts == [("given-host", "telemetry"), ("gpu-a", "telemetry"), ("gpu-b", "telemetry"),
                     ("gpu-node-03", "telemetry")]


def test_file_name_without_a_host_needs_host_option(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "_.csv", [HEADER, row("2026/11/20 10:00:00.000", 0, 1)])
    with pytest.raises(InputError, match="pass --host"):
        ingest_nvidia_smi(store, path, gpu())


def test_local_timestamps_with_tz_across_dst(store: Store, tmp_path: Path) -> None:
    lines = [HEADER, row("2026/07/01 12:00:00.000", 0, 1), row("2026/11/20 12:00:00.000", 0, 2)]
    load(store, write(tmp_path / "ny.csv", lines), gpu(timezone="America/New_York"))
    got = store.conn.execute("SELECT strftime(ts, '%Y-%m-%d %H:%M') FROM gpu_samples "
                             "ORDER BY ts").fetchall()
    assert got == [("2026-07-01 16:00",), ("2026-11-20 17:00",)]  # EDT, then EST
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        gpu(timezone="Mars/Olympus").check()


def test_settings_from_config(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "x.duckdb", config_path=tmp_path / "aifinops.toml",
                        raw={"gpu": {"idle_util_pct": 10, "raw_retention_days": 3,
                                     "timezone": "Europe/Berlin"},
                             "hosts": {"gpu-a": "i-0123456789abcdef0",
                                       "gpu-b": {"resource_id": "projects/p/zones/z/instances/b"}}})
    values = GpuSettings.from_settings(settings, timezone="UTC")
    assert (values.idle_util_pct, values.raw_retention_days, values.timezone) == (10.0, 3.0, "UTC")
    assert [(h.host, h.instance_id, h.resource_id, h.provider) for h in values.hosts] == [
        ("gpu-a", "i-0123456789abcdef0", None, "aws"),
        ("gpu-b", None, "projects/p/zones/z/instances/b", "gcp")]
    bad = Settings(db_path=tmp_path / "x.duckdb", raw={"gpu": {"idle_util_pct": "five"}})
    with pytest.raises(ConfigError, match="idle_util_pct must be a number"):
        GpuSettings.from_settings(bad)


def test_a_lone_word_is_garbage_not_a_header(store: Store, tmp_path: Path) -> None:
    lines = [HEADER, row("2026/11/20 10:00:00.000", 0, 10), "oops", "fan.speed, pstate",
             row("2026/11/20 10:00:05.000", 0, 20)]
    report = load(store, write(tmp_path / "words.csv", lines))
    assert report.rows_loaded == 2
    assert [(s.reason, s.first_lines) for s in report.skips] == [
        ("incomplete line (fewer fields than the header)", [3, 4])]


# -- the fast path and the exact path agree --------------------------------------------------

CASES = {
    "clean": [HEADER] + [row(f"2026/11/20 10:{m:02d}:00.000", i, m + i)
                         for m in range(0, 60, 5) for i in range(2)],
    "garbage, short and long lines, blank lines, repeated header": [
        HEADER, row("2026/11/20 10:00:00.000", 0, 1), "", "### restarted ###",
        row("2026/11/20 10:00:05.000", 0, 2) + ", extra", HEADER,
        "2026/11/20 10:00:10.000, 0, " + uuid(0), row("2026/11/20 10:00:15.000", 0, 3), ""],
    "nounits": ["timestamp, index, uuid, utilization.gpu [%], memory.used [MiB]",
                "2026/11/20 10:00:00.000, 0, GPU-a, 45, 1234",
                "2026/11/20 10:00:05.000, 0, GPU-a, [N/A], 1240"],
    "clock jump (exact path only)": [HEADER, row("2026/11/20 10:00:10.000", 0, 1),
                                     row("2026/11/20 10:00:05.000", 0, 2)],
}


def _everything(store: Store) -> tuple[list, list, list]:
    sql = ("SELECT ts, host, gpu_uuid, gpu_index, gpu_name, util_pct, mem_used_mib, power_w, "
           "interval_s FROM gpu_samples ORDER BY ALL")
    hourly = ("SELECT host, gpu_uuid, hour, samples, observed_seconds, util_mean_pct, "
              "idle_seconds FROM gpu_hourly ORDER BY ALL")
    skips = "SELECT reason, rows, first_lines FROM gpu_load_skips ORDER BY ALL"
    return tuple(store.conn.execute(q).fetchall() for q in (sql, hourly, skips))  # type: ignore[return-value]


@pytest.mark.parametrize("case", list(CASES))
def test_fast_and_exact_paths_give_the_same_result(tmp_path: Path, case: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import aifinops.ingest.nvidia_smi as module

    path = write(tmp_path / "node.csv", CASES[case])
    taken: list[bool] = []
    real_fast = module.load_fast

    def spy(*args: object) -> bool:
        taken.append(real_fast(*args))  # type: ignore[arg-type]
        return taken[-1]

    results = []
    for mode in ("auto", "exact"):
        monkeypatch.setattr(module, "load_fast", spy if mode == "auto" else lambda *a: False)
        store = open_store(Settings(db_path=tmp_path / f"{mode}.duckdb"))
        report = load(store, path)
        results.append((_everything(store), report.rows_read, report.rows_loaded,
                        [s.describe() for s in report.skips], report.ignored_columns))
        store.close()
    assert taken == [not case.startswith("clock jump")]
    assert results[0] == results[1]


def test_reingest_takes_the_exact_path_and_adds_nothing(store: Store, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import aifinops.ingest.nvidia_smi as module

    path = write(tmp_path / "node.csv", CASES["clean"])
    taken: list[bool] = []
    real_fast = module.load_fast
    monkeypatch.setattr(module, "load_fast",
                        lambda *a: taken.append(real_fast(*a)) or taken[-1])  # type: ignore[func-returns-value]
    first, again = load(store, path), load(store, path)
    assert taken == [True, False]
    assert (first.rows_loaded, again.rows_loaded, again.rows_duplicate) == (24, 0, 24)
