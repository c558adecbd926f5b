"""The demo world's GPU telemetry: committed files match the generator, and tell its story."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aifinops.config import Settings, load_settings
from aifinops.demo import gpu_gen, world
from aifinops.demo.build import build_demo
from aifinops.store import Store, open_store

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    settings = Settings(db_path=tmp_path_factory.mktemp("demo") / "gpu.duckdb")
    store = open_store(settings)
    gpu_gen.ingest_demo(store, settings, SAMPLE)
    yield store
    store.close()


def q(store: Store, sql: str) -> list[tuple[object, ...]]:
    return store.conn.execute(sql).fetchall()


def test_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    written = gpu_gen.generate(tmp_path)
    committed = sorted(p.relative_to(SAMPLE) for p in (SAMPLE / "gpu").rglob("*")
                       if p.is_file() and p.name != "README.md")
    assert sorted(p.relative_to(tmp_path) for p in written) == committed
    for rel in committed:
        assert (tmp_path / rel).read_bytes() == (SAMPLE / rel).read_bytes(), rel
    assert sum(p.stat().st_size for p in written) < 6 * 2**20


def test_every_host_reports_its_catalog_gpus(demo: Store) -> None:
    types = gpu_gen.catalog()
    devices = dict(q(demo, "SELECT host, count(*) FROM gpu_devices GROUP BY host"))
    assert devices == {h.hostname: types[h.instance_type][0] for h in world.HOSTS}
    uuids = {r[0] for r in q(demo, "SELECT gpu_uuid FROM gpu_devices")}
    assert uuids == {u for h in world.HOSTS for u in h.gpu_uuids(types[h.instance_type][0])}


def test_telemetry_only_while_the_bill_says_the_instance_ran(demo: Store) -> None:
    for host in world.HOSTS:
        hours = {int(r[0]) for r in q(demo, "SELECT DISTINCT epoch(hour)::BIGINT // 3600 FROM "
                                            f"gpu_hourly WHERE host = '{host.hostname}'")}
        assert hours == gpu_gen.running_hours(host), host.hostname
    dev = q(demo, "SELECT DISTINCT isodow(hour), hour(hour) FROM gpu_hourly "
                  "WHERE host = 'gpu-dev-01'")
    assert {d for d, _ in dev} == {1, 2, 3, 4, 5} and {h for _, h in dev} == set(range(8, 20))


def test_idle_week_diurnal_and_steady_low_patterns(demo: Store) -> None:
    idle_week = q(demo, """
        SELECT hour >= '2026-11-09' AND hour < '2026-11-16' AS idle_week,
               min(activity_mean_pct), max(activity_mean_pct),
               sum(idle_seconds) / sum(observed_seconds)
        FROM gpu_hourly WHERE host = 'gpu-train-03' GROUP BY ALL ORDER BY 1""")
    assert idle_week[0][0] is False and idle_week[0][1] >= 70 and idle_week[0][3] == 0  # type: ignore[operator]
    assert idle_week[1] == (True, 0.0, 0.0, 1.0)
    train = dict(q(demo, """
        SELECT CASE WHEN isodow(hour) > 5 THEN 'weekend' WHEN hour(hour) BETWEEN 13 AND 22
                    THEN 'workday' ELSE 'night' END, round(avg(activity_mean_pct))
        FROM gpu_hourly WHERE host = 'gpu-train-01' GROUP BY 1"""))
    assert train["weekend"] == train["night"] == 0 and train["workday"] >= 86
    low = q(demo, "SELECT min(activity_mean_pct), max(activity_mean_pct) FROM gpu_hourly "
                  "WHERE host LIKE 'gpu-infer-%'")
    assert low[0][0] >= 10 and low[0][1] <= 20  # type: ignore[operator]


def test_shared_host_names_its_two_models(demo: Store) -> None:
    rows = q(demo, """
        SELECT d.gpu_index, regexp_extract(p.command_line, '--model acme/([a-z-]+)', 1)
        FROM gpu_process_hourly p JOIN gpu_devices d USING (host, gpu_uuid)
        WHERE p.host = 'gpu-shared-01' GROUP BY ALL ORDER BY ALL""")
    assert rows == [(0, "embed-small"), (1, "embed-small"), (2, "rerank-base"),
                    (3, "rerank-base")]
    assert q(demo, "SELECT instance_id, source FROM gpu_hosts WHERE host = 'gpu-shared-01'") == [
        ("i-0c1b2c3d4e5f60021", "sampler")]


def test_dcgm_scrape_of_the_kubernetes_node(demo: Store) -> None:
    hour = q(demo, "SELECT samples, activity_signal FROM gpu_hourly WHERE host = 'gpu-infer-04' "
                   "AND hour = '2026-11-28 12:00:00+00'")
    assert hour == [(13, "mixed")]  # 12 nvidia-smi samples and one DCGM scrape
    pods = q(demo, "SELECT k8s_namespace, k8s_pod, k8s_container FROM gpu_processes "
                   "WHERE host = 'gpu-infer-04'")
    assert pods == [("support-chat", "support-chat-7b-staging-6d9f8b7c4-x2x7q", "vllm")]


def test_gpu_hours_join_the_demo_bill(tmp_path: Path) -> None:
    """`aifinops demo` loads the telemetry; [hosts] in its config names the untagged dev box."""
    settings = load_settings(db=tmp_path / "demo.duckdb", config=SAMPLE / "aifinops.toml")
    build_demo(settings, SAMPLE)
    with open_store(settings) as store:
        links = dict(q(store, "SELECT host, matched_by FROM gpu_host_resources WHERE in_bill"))
        assert links == {h.hostname: "config" if h.hostname == "gpu-dev-01" else
                         "sampler" if h.hostname == "gpu-shared-01" else "name_tag"
                         for h in world.HOSTS}
        unmatched = q(store, "SELECT host, count(*) FROM gpu_host_hourly_cost "
                             "WHERE gpus IS NULL OR effective_cost IS NULL GROUP BY host")
        assert unmatched == []
        idle_week = q(store, """
            SELECT count(*), sum(idle_gpu_hours), round(sum(effective_cost), 2)
            FROM gpu_host_hourly_cost WHERE host = 'gpu-train-03'
              AND hour >= '2026-11-09' AND hour < '2026-11-16'""")
        assert idle_week == [(168, 168 * 8.0, round(168 * 21.96, 2))]

