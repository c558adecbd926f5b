"""Hourly rollups checked by hand, re-ingest idempotence, retention, and linking hosts to the bill."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aifinops.analysis.refresh import refresh
from aifinops.config import Settings
from aifinops.ingest.gpu_load import GpuLoad, GpuSettings, HostMapping, LoadReport
from aifinops.ingest.loader import costs_insert_sql
from aifinops.ingest.nvidia_smi import NvidiaSmiOptions, ingest_nvidia_smi
from aifinops.store import Store, open_store, transaction

HEADER = "timestamp, index, uuid, utilization.gpu [%], memory.used [MiB], power.draw [W]"
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def line(minute: int, second: int, util: float, mem: int, power: float, gpu: int = 0,
         hour: int = 10) -> str:
    return (f"2026/11/20 {hour:02d}:{minute:02d}:{second:02d}.000, {gpu}, GPU-{gpu}, {util:g} %, "
            f"{mem} MiB, {power:.2f} W")


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(Settings(db_path=tmp_path / "gpu.duckdb"))
    yield store
    store.close()


def load(store: Store, path: Path, **settings: object) -> LoadReport:
    values: dict[str, object] = {"now": NOW, **settings}
    return ingest_nvidia_smi(store, path, GpuSettings(**values),  # type: ignore[arg-type]
                             NvidiaSmiOptions(host="h"))


def hourly(store: Store, columns: str = "*") -> list[tuple[object, ...]]:
    return store.conn.execute(f"SELECT {columns} FROM gpu_hourly ORDER BY host, gpu_uuid, hour"
                              ).fetchall()


# One GPU, one hour, every 5 minutes: 12 samples, utilisation below 5% in four of them.
UTILS = [0, 0, 3, 4, 5, 50, 100, 100, 80, 20, 10, 8]
MEMS = [100 * (i + 1) for i in range(12)]
POWERS = [60.0 + 10 * i for i in range(12)]


def test_an_hour_by_hand(store: Store, tmp_path: Path) -> None:
    lines = [line(5 * i, 0, u, m, p) for i, (u, m, p) in enumerate(zip(UTILS, MEMS, POWERS,
                                                                           strict=True))]
    lines.append(line(0, 0, 100, 5000, 700.0, hour=11))  # next hour: its own row
    load(store, write(tmp_path / "h.csv", lines))
    got = hourly(store, "strftime(hour, '%H'), samples, observed_seconds, coverage, "
                        "util_mean_pct, util_max_pct, activity_mean_pct, activity_signal, "
                        "idle_seconds, idle_util_pct, mem_used_mean_mib, mem_used_max_mib, "
                        "power_mean_w, power_max_w, raw_kept")
    # mean util = 380 / 12; idle = 4 samples (0, 0, 3, 4) × 300 s; mean mem = 650; power 115
    assert got[0] == ("10", 12, 3600.0, 1.0, pytest.approx(380 / 12), 100.0,
                      pytest.approx(380 / 12), "utilization_gpu", 1200.0, 5.0, 650.0, 1200.0,
                      115.0, 170.0, True)
    assert got[1][:4] == ("11", 1, 300.0, pytest.approx(300 / 3600))


def test_idle_threshold_is_configurable(store: Store, tmp_path: Path) -> None:
    lines = [line(5 * i, 0, u, 1, 1.0) for i, u in enumerate(UTILS)]
    load(store, write(tmp_path / "h.csv", lines), idle_util_pct=25.0)
    assert hourly(store, "idle_seconds, idle_util_pct") == [(8 * 300.0, 25.0)]  # 0,0,3,4,5,20,10,8


def test_gaps_and_overlaps_in_coverage(store: Store, tmp_path: Path) -> None:
    """A 20-minute gap is not observed time; two loggers at once do not make 7200 s."""
    first = [line(m, 0, 1, 1, 1.0) for m in range(0, 40, 5)]  # 8 samples, then nothing
    load(store, write(tmp_path / "a.csv", first))
    assert hourly(store, "samples, observed_seconds") == [(8, 2400.0)]
    second = [line(m, 30, 50, 1, 1.0) for m in range(0, 60, 5)]  # another logger, offset 30 s
    load(store, write(tmp_path / "b.csv", second))
    samples, observed, idle = hourly(store, "samples, observed_seconds, idle_seconds")[0]
    assert (samples, observed) == (20, 3600.0)
    assert idle == pytest.approx(3600.0 * 2400 / 6000)  # idle share of the capped time


def test_reingest_identical_and_overlapping_logs(store: Store, tmp_path: Path) -> None:
    part1 = [line(m, 0, m, m, float(m)) for m in range(0, 40)]            # 10:00-10:39
    part2 = [line(m, 0, m, m, float(m)) for m in range(20, 60)]           # 10:20-10:59
    first = load(store, write(tmp_path / "a.csv", part1))
    again = load(store, write(tmp_path / "a.csv", part1))
    assert (first.rows_loaded, again.rows_loaded, again.rows_duplicate) == (40, 0, 40)
    before = hourly(store, "samples, util_mean_pct")
    overlap = load(store, write(tmp_path / "b.csv", part2))
    assert (overlap.rows_loaded, overlap.rows_duplicate) == (20, 20)
    after = hourly(store, "samples, observed_seconds, util_mean_pct, util_max_pct")
    assert before == [(40, 19.5)]
    assert after == [(60, 3600.0, 29.5, 59.0)]  # recomputed from all 60, not added to

    other = open_store(Settings(db_path=tmp_path / "once.duckdb"))
    load(other, write(tmp_path / "all.csv", [line(m, 0, m, m, float(m)) for m in range(60)]))
    columns = ("host, gpu_uuid, hour, samples, observed_seconds, util_mean_pct, idle_seconds, "
               "mem_used_mean_mib, power_mean_w")
    assert hourly(store, columns) == hourly(other, columns)
    other.close()


def test_retention_prunes_raw_and_seals_hours(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "old.csv", [line(m, 0, 1, 1, 1.0) for m in range(0, 60, 5)])
    later = datetime(2026, 12, 20, tzinfo=UTC)  # 30 days on
    load(store, path, raw_retention_days=14.0, now=later)
    assert store.conn.execute("SELECT count(*) FROM gpu_samples").fetchall() == [(0,)]
    assert hourly(store, "samples, raw_kept") == [(12, False)]
    # the same log again, or one more sample for that hour: set aside, the hour is untouched
    again = load(store, path, raw_retention_days=14.0, now=later)
    late = load(store, write(tmp_path / "late.csv", [line(57, 30, 99, 1, 1.0)]),
                raw_retention_days=14.0, now=later)
    for report in (again, late):
        assert [s.reason for s in report.skips] == [
            "hour already rolled up and past raw retention"]
    assert hourly(store, "samples, util_max_pct") == [(12, 1.0)]
    # within the window the raw rows stay, and a later load past the window seals them
    recent = write(tmp_path / "recent.csv", [line(m, 0, 1, 1, 1.0) for m in range(0, 60, 5)])
    load(store, recent, now=NOW, raw_retention_days=14.0)
    assert store.conn.execute("SELECT count(*) FROM gpu_samples").fetchall() == [(0,)]  # sealed
    fresh = open_store(Settings(db_path=tmp_path / "fresh.duckdb"))
    load(fresh, recent, now=NOW, raw_retention_days=14.0)
    assert fresh.conn.execute("SELECT count(*) FROM gpu_samples").fetchall() == [(12,)]
    fresh.close()


def test_failed_load_leaves_nothing(store: Store, tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", [line(0, 0, 1, 1, 1.0)])
    load(store, good)
    snapshot = [store.conn.execute(f"SELECT count(*) FROM {t}").fetchall()
                for t in ("gpu_samples", "gpu_hourly", "gpu_loads")]
    bad = tmp_path / "bad.csv"
    bad.write_text("not, a, gpu, log\n")
    with pytest.raises(Exception, match="not an nvidia-smi log"):
        load(store, bad)
    assert snapshot == [store.conn.execute(f"SELECT count(*) FROM {t}").fetchall()
                        for t in ("gpu_samples", "gpu_hourly", "gpu_loads")]


# -- linking hosts to the bill ---------------------------------------------------------------


def add_cost(store: Store, resource: str, *, name: str | None = None, cost: float = 24.0,
             provider: str = "AWS") -> None:
    """One Usage row of `cost` over 2026-11-20 (24 hours). Ingest puts an instance's Name tag
    (CUR 2.0 user_name, legacy user:Name) in ResourceName, which is what the link reads."""
    columns = {
        "BilledCost": cost, "BillingAccountId": "1", "BillingCurrency": "USD",
        "BillingPeriodEnd": "2026-12-01 00:00:00+00", "BillingPeriodStart": "2026-11-01 00:00:00+00",
        "ChargeCategory": "Usage", "ChargePeriodEnd": "2026-11-21 00:00:00+00",
        "ChargePeriodStart": "2026-11-20 00:00:00+00", "ContractedCost": cost,
        "EffectiveCost": cost, "InvoiceIssuerName": provider, "ListCost": cost,
        "ProviderName": provider, "PublisherName": provider, "ServiceCategory": "Compute",
        "ServiceName": "Compute", "ResourceId": resource, "ResourceName": name,
        "x_source": "test", "x_source_key": "t", "x_billing_period": "2026-11", "x_load_id": 1,
        "x_instance_type": "p4d.24xlarge",
    }
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    store.conn.execute("CREATE OR REPLACE TEMP TABLE incoming AS FROM focus_costs LIMIT 0")
    store.conn.execute(f"INSERT INTO incoming ({names}) VALUES ({marks})", list(columns.values()))
    store.conn.execute(costs_insert_sql("FROM incoming"))


def record_bill_load(store: Store) -> None:
    """The ledger row an ingest writes, so `refresh` rolls the period up."""
    store.conn.execute(
        "INSERT INTO loads (load_id, source, source_key, unit, uri, billing_period, started_at, "
        "outcome) VALUES (1, 'test', 't', 't/2026-11', 'test://', '2026-11', now(), 'loaded')")


def test_hosts_link_to_bill_resources_by_every_route(store: Store, tmp_path: Path) -> None:
    add_cost(store, "i-0aaa", name="gpu-cur2")                  # Name tag
    add_cost(store, "i-0bbb", name="GPU-LEGACY")                # Name tag, other case
    add_cost(store, "i-0ccc", name="gpu-plain")                 # Name tag of an FQDN host
    add_cost(store, "arn:aws:ec2:us-east-1:1:instance/i-0ddd")  # ARN, from config
    add_cost(store, "i-0eee")                                   # from the sampler
    add_cost(store, "//compute.googleapis.com/projects/p/zones/z/instances/gcp-node",
             provider="Google Cloud")                           # GCP instance name in the URI
    record_bill_load(store)
    for host in ("gpu-cur2", "gpu-legacy", "gpu-plain.example.com", "gpu-config", "gpu-sampler",
                 "gcp-node", "gpu-unknown"):
        path = write(tmp_path / f"{host}.csv", [line(m, 0, 2, 1, 1.0) for m in range(0, 60, 5)])
        ingest_nvidia_smi(store, path, GpuSettings(now=NOW), NvidiaSmiOptions(host=host))
    config = GpuSettings(now=NOW, hosts=(HostMapping("gpu-config", "i-0ddd"),))
    load(store, write(tmp_path / "again.csv", [line(0, 0, 1, 1, 1.0)]), hosts=config.hosts)
    with transaction(store.conn):  # what a spool load records for its host
        GpuLoad(store.conn, config, "spool", "x", "sampler").map_hosts(
            [HostMapping("gpu-sampler", "i-0eee", None, "aws", "sampler"),
             HostMapping("gpu-config", "i-0zzz", None, "aws", "sampler")])  # config wins
    refresh(store, Settings(db_path=store.path))  # rolls the bill up, as after any cost ingest
    got = store.conn.execute("SELECT host, resource_id, matched_by, in_bill FROM "
                             "gpu_host_resources ORDER BY host").fetchall()
    assert got == [
        ("gcp-node", "//compute.googleapis.com/projects/p/zones/z/instances/gcp-node",
         "instance_name", True),
        ("gpu-config", "arn:aws:ec2:us-east-1:1:instance/i-0ddd", "config", True),
        ("gpu-cur2", "i-0aaa", "name_tag", True),
        ("gpu-legacy", "i-0bbb", "name_tag", True),
        ("gpu-plain.example.com", "i-0ccc", "name_tag", True),
        ("gpu-sampler", "i-0eee", "sampler", True),
        ("gpu-unknown", None, None, False),
        ("h", None, None, False),
    ]
    # a GPU hour beside what its instance cost in that hour: 24 USD over 24 h = 1 USD/h
    cost = store.conn.execute(
        "SELECT gpus, idle_gpu_hours, effective_cost FROM gpu_host_hourly_cost "
        "WHERE host = 'gpu-cur2' AND hour = '2026-11-20 10:00:00+00'").fetchall()
    assert cost == [(1, 1.0, pytest.approx(1.0))]


def test_each_gpu_keeps_its_own_logging_interval(store: Store, tmp_path: Path) -> None:
    lines = [line(m, s, 1, 1, 1.0, gpu=0) for m in range(10) for s in (0, 30)]  # every 30 s
    lines += [line(m, 0, 1, 1, 1.0, gpu=1) for m in range(10)]                  # every 60 s
    load(store, write(tmp_path / "two.csv", sorted(lines)))
    got = store.conn.execute("SELECT gpu_uuid, min(interval_s), max(interval_s) FROM gpu_samples "
                             "GROUP BY 1 ORDER BY 1").fetchall()
    assert got == [("GPU-0", 30.0, 30.0), ("GPU-1", 60.0, 60.0)]
    assert hourly(store, "gpu_uuid, observed_seconds") == [("GPU-0", 600.0), ("GPU-1", 600.0)]
