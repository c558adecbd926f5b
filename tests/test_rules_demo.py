"""Every rule on the demo world: it fires where the world has the pattern (sample_data/README.md)
and stays quiet where it does not; a few savings by hand from the world's prices."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aifinops.analysis.recommend import list_recommendations, run_recommendations
from aifinops.analysis.refresh import refresh
from aifinops.config import Settings, load_settings
from aifinops.demo import world
from aifinops.demo.build import build_demo, sample_data_root
from aifinops.store import open_store

SP_PAYER, LEGACY = world.PAYER_ACCOUNT, world.LEGACY_PAYER_ACCOUNT
HOST = {h.hostname: h.instance_id for h in world.HOSTS}
ENDPOINT = {e.name: e.arn for e in world.ENDPOINTS}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database with its GPU telemetry, built once; tests run on copies."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    settings = load_settings(db=path, config=sample_data_root() / "aifinops.toml")
    build_demo(settings)
    with open_store(settings) as store:
        hours = store.conn.execute("select count(*) from gpu_hourly").fetchone()
        if not hours or not hours[0]:
            from aifinops.demo import gpu_gen

            gpu_gen.ingest_demo(store, settings, sample_data_root())
            refresh(store, settings)
    return path


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path) -> Iterator[Settings]:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    yield load_settings(db=copy, config=sample_data_root() / "aifinops.toml")


def fired(settings: Settings, as_of: datetime | None = None,
          provider: str = "aws") -> dict[str, dict[str, float]]:
    """rule → {resource_id: monthly saving} of one run, for one provider's recommendations."""
    with open_store(settings) as store:
        report = run_recommendations(store, settings, as_of=as_of)
        assert report.rules_failed == {}
        out: dict[str, dict[str, float]] = {}
        for rec in list_recommendations(store.conn, None):
            if rec.provider in (provider, None):
                out.setdefault(rec.rule, {})[rec.resource_id] = rec.monthly_saving_usd
    return out


def test_rules_on_the_demo_world(demo: Settings) -> None:
    got = fired(demo)
    # training on on-demand GPUs → spot; gpu-train-02 already runs on spot, serving hosts do not
    # match the workload patterns
    assert set(got["spot_candidate"]) == {HOST["gpu-train-01"], HOST["gpu-train-03"]}
    assert got["spot_candidate"][HOST["gpu-train-01"]] == pytest.approx((55.04 - 22.02) * 730, abs=0.01)
    # one plan per payer and plan kind; the research org is billed apart
    assert set(got["commitment"]) == {f"aws:{SP_PAYER}:compute_savings_plan",
                                      f"aws:{SP_PAYER}:sagemaker_savings_plan",
                                      f"aws:{LEGACY}:compute_savings_plan"}
    # checkpoint and scratch buckets grow in STANDARD; datasets (not checkpoints) and model
    # artifacts (10 GB/day) do not qualify
    assert set(got["storage_lifecycle"]) == {"acme-llama-checkpoints", "acme-recsys-checkpoints",
                                             "acme-research-scratch"}
    # 100,200 GB growing 900/day: 73,200 GB older than 30 days, 19,200 older than 90 →
    # 54,000 × (0.023 − 0.0125) + 19,200 × (0.023 − 0.004)
    assert got["storage_lifecycle"]["acme-llama-checkpoints"] == pytest.approx(931.80, abs=0.01)
    # the inter-region replication is among the top transfer sources; small ones are not
    assert "acme-llama-checkpoints" in got["egress_hotspot"]
    assert len(got["egress_hotspot"]) == 5
    assert HOST["gpu-research-01"] not in got["egress_hotspot"]
    # the near-idle staging endpoint, not the busy production one
    assert set(got["idle_endpoint"]) == {ENDPOINT["summarizer-staging"]}
    assert got["idle_endpoint"][ENDPOINT["summarizer-staging"]] == pytest.approx(1.408 * 730, abs=0.01)
    # the steady-low production inference fleet (3 hosts; gpu-infer-04 is staging)
    assert set(got["autoscaling_floor"]) == {"fleet:aws:us-east-1:support-chat-7b/prod"}
    # low, flat use on A10G → L4; busy training and the research host (~70%) stay as they are
    assert set(got["oversized_gpu"]) == {HOST["gpu-infer-01"], HOST["gpu-infer-02"],
                                         HOST["gpu-infer-03"]}
    assert set(got["model_efficiency"]) == {"model:support-chat-7b", "model:vision-diffusion"}
    # gpu-train-03's idle week ended on 2026-11-16: at the end of the data its job runs again
    assert "idle_gpu_instance" not in got
    # the world has no spend spike
    assert "spend_anomaly" not in got


def test_gcp_part_of_the_demo_world(demo: Settings) -> None:
    """The GCP export (when the demo loads one): Compute Engine and Vertex AI by the same rules."""
    with open_store(demo) as store:
        gcp = store.conn.execute("select count(*) from cost_daily where provider = 'Google Cloud'"
                                 ).fetchone()
    if not gcp or not gcp[0]:
        pytest.skip("this demo build has no GCP bill")
    got = fired(demo, provider="gcp")
    spot = [r for r in got.get("spot_candidate", {}) if r.endswith("/instances/gcp-train-01")]
    assert len(spot) == 1
    assert any(r.endswith("/endpoints/summarizer-3b-staging") for r in got["idle_endpoint"])
    assert any(r.startswith("gcp:") and r.endswith(":committed_use_discount")
               for r in got["commitment"])


def test_idle_week_as_of_its_last_day(demo: Settings) -> None:
    got = fired(demo, as_of=datetime(2026, 11, 16, tzinfo=UTC))
    assert set(got["idle_gpu_instance"]) == {HOST["gpu-train-03"]}
    # p4d.24xlarge on demand at 21.96/h, billed every hour of the idle week
    assert got["idle_gpu_instance"][HOST["gpu-train-03"]] == pytest.approx(21.96 * 730, abs=0.01)
    # and a week later the job is back: the next run resolves it
    got = fired(demo)
    with open_store(demo) as store:
        (rec,) = list_recommendations(store.conn, ("resolved",), rule="idle_gpu_instance")
    assert rec.resource_id == HOST["gpu-train-03"]
