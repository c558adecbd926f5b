"""Cost-only rules: each fires where a tiny bill has its pattern, stays quiet where it does not,
and its saving equals the hand computation written next to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rule_fixtures import AS_OF, Usage, World, bucket, days_before, instance

TRAIN = {"user_name": "gpu-train-01", "user_model": "llama-ft-70b", "user_team": "research"}
SERVE = {"user_name": "gpu-serve-01", "user_model": "chat", "user_team": "applied-ai",
         "user_env": "prod"}


def test_spot_candidate(tmp_path: Path) -> None:
    world = World(tmp_path).bill(
        instance("i-train", days=14, hourly=55.04, instance_type="p5.48xlarge",
                 usage_type="USE1-BoxUsage:p5.48xlarge", tags=TRAIN),
        # serving work: not interruptible by its names and tags
        instance("i-serve", days=14, hourly=1.212, tags=SERVE),
        # already on spot
        instance("i-spot", days=14, hourly=8.0, instance_type="p4d.24xlarge", term="Spot",
                 usage_type="USE1-SpotUsage:p4d.24xlarge",
                 tags={"user_name": "gpu-train-02", "user_model": "llama-ft-70b"}),
    ).build()
    report = world.run("spot_candidate")
    assert report.rules_failed == {}
    recs = world.recs()
    assert set(recs) == {"i-train"}
    rec = recs["i-train"]
    # 55.04/h on demand all window; catalog spot 22.02/h → (55.04 − 22.02) × 730
    assert rec.monthly_saving_usd == pytest.approx((55.04 - 22.02) * 730, abs=0.01)
    assert rec.evidence["matched_patterns"] == ["*train*", "*-ft-*"]
    assert rec.evidence["discount"] == pytest.approx(1 - 22.02 / 55.04, abs=1e-4)
    assert "2-minute warning" in rec.evidence["caveat"]
    assert rec.action_kind == "use_spot" and rec.confidence == 0.5
    assert (rec.model, rec.team) == ("llama-ft-70b", "research")


def test_commitment_sized_at_low_percentile(tmp_path: Path) -> None:
    world = World(tmp_path).bill(
        instance("i-steady", days=30, hourly=10.0, instance_type="p4d.24xlarge",
                 usage_type="USE1-BoxUsage:p4d.24xlarge"),
        # 4/h for the first 12 hours of every day: above the baseline, not part of it
        *[Usage("i-daytime", days_before(30 - d), 12, 4.0) for d in range(30)],
        # spot is not counted
        instance("i-spot", days=30, hourly=7.0, term="Spot", usage_type="USE1-SpotUsage:g5.2xlarge"),
    ).build()
    world.run("commitment")
    recs = world.recs()
    assert set(recs) == {"aws:111122223333:compute_savings_plan"}
    rec = recs["aws:111122223333:compute_savings_plan"]
    ev = rec.evidence
    # hours are 14 (half) or 10 (half): p10 = 10. A plan of 10 × (1 − 0.28) = 7.20/h covers 10
    # of on-demand every hour, so each hour saves 10 − 7.20 = 2.80 → 2.80 × 730.
    assert ev["baseline_on_demand_usd_per_hour"] == pytest.approx(10.0)
    assert ev["commitment_usd_per_hour"] == pytest.approx(7.2)
    assert ev["window_hours"] == 720
    assert rec.monthly_saving_usd == pytest.approx(2.8 * 730, abs=0.01)
    assert ev["break_even_utilisation"] == pytest.approx(0.72)
    assert rec.confidence == pytest.approx(0.5 + 0.3 * 10 / 12, abs=0.001)


def test_commitment_quiet_without_a_month_of_data(tmp_path: Path) -> None:
    world = World(tmp_path).bill(instance("i-new", days=20, hourly=10.0)).build()
    world.run("commitment")
    assert world.recs() == {}


def test_storage_lifecycle(tmp_path: Path) -> None:
    world = World(tmp_path).bill(
        bucket("acme-llm-checkpoints", start_gb=10_000, growth_gb_per_day=100),
        bucket("acme-datasets", start_gb=50_000, growth_gb_per_day=500),  # not checkpoints
        bucket("acme-model-artifacts", start_gb=2_000, growth_gb_per_day=5),  # barely grows
    ).build()
    world.run("storage_lifecycle")
    recs = world.recs()
    assert set(recs) == {"acme-llm-checkpoints"}
    rec = recs["acme-llm-checkpoints"]
    ev = rec.evidence
    # last day: 10,000 + 29 × 100 = 12,900 GB, growing 100 GB/day; older than 30 days:
    # 12,900 − 3,000 = 9,900 GB; older than 90: 3,900 GB.
    assert ev["size_gb"] == pytest.approx(12_900)
    assert ev["growth_gb_per_day"] == pytest.approx(100)
    assert ev["older_than_ia_gb"] == pytest.approx(9_900)
    assert ev["older_than_archive_gb"] == pytest.approx(3_900)
    # (9,900 − 3,900) × (0.023 − 0.0125) + 3,900 × (0.023 − 0.004) = 63.00 + 74.10
    assert rec.monthly_saving_usd == pytest.approx(137.10, abs=0.01)
    assert rec.action_kind == "storage_lifecycle"
    assert rec.action_params["transitions"] == [
        {"days": 30, "storage_class": "STANDARD_IA"}, {"days": 90, "storage_class": "GLACIER_IR"}]
    assert "Keep the last 5" in ev["keep_last_n_advice"]


def test_egress_hotspot(tmp_path: Path) -> None:
    def transfer(resource: str, usage_type: str, per_day: float) -> Usage:
        return Usage(resource, days_before(30), 30, per_day, step_hours=24, amount=per_day / 0.02,
                     product="AWSDataTransfer", usage_type=usage_type, instance_type="", unit="GB")

    world = World(tmp_path).bill(
        transfer("acme-replicated", "USE1-USW2-AWS-Out-Bytes", 20.0),
        transfer("i-web", "USE1-DataTransfer-Out-Bytes", 1.0),  # ~30 USD a month: too small
    ).build()
    world.run("egress_hotspot")
    recs = world.recs()
    assert set(recs) == {"acme-replicated"}
    rec = recs["acme-replicated"]
    # 20 × 30 = 600 USD in 720 h → 600 / 720 × 730 = 608.33 a month; 25% assumed reducible
    assert rec.evidence["monthly_run_rate_usd"] == pytest.approx(608.33, abs=0.01)
    assert rec.monthly_saving_usd == pytest.approx(600 / 720 * 730 * 0.25, abs=0.01)
    assert rec.evidence["paths"][0]["path"] == "us-east-1 → us-west-2"
    assert rec.evidence["rank"] == 1
    assert rec.confidence == 0.3


ENDPOINT = "arn:aws:sagemaker:us-east-1:345678901234:endpoint/summarizer"
BUSY_ENDPOINT = "arn:aws:sagemaker:us-east-1:345678901234:endpoint/chat"


def endpoint(arn: str, *, instances: int, hourly: float, model: str) -> Usage:
    return Usage(arn, days_before(7), 7 * 24, hourly * instances, amount=float(instances),
                 product="AmazonSageMaker", usage_type="USE1-Host:ml.g5.xlarge",
                 instance_type="ml.g5.xlarge", tags={"user_model": model})


def test_idle_endpoint_from_traffic(tmp_path: Path) -> None:
    world = World(tmp_path).bill(
        endpoint(ENDPOINT, instances=1, hourly=1.408, model="summarizer"),
        endpoint(BUSY_ENDPOINT, instances=2, hourly=1.408, model="chat"),
    ).traffic("summarizer", start=days_before(7), hours=168, requests=2
    ).traffic("chat", start=days_before(7), hours=168, requests=500).build()
    world.run("idle_endpoint")
    recs = world.recs()
    assert set(recs) == {ENDPOINT}
    rec = recs[ENDPOINT]
    # 1.408/h for 168 h → 1.408 × 730 a month, all of it saved at 0 instances
    assert rec.monthly_saving_usd == pytest.approx(1.408 * 730, abs=0.01)
    assert rec.evidence["requests_per_instance_hour"] == pytest.approx(2.0)
    assert rec.action_params == {"endpoint_name": "summarizer", "region": "us-east-1",
                                 "current_instance_count": 1, "desired_instance_count": 0,
                                 "variant_name": None}
    assert rec.signals_used == ["billed_instance_hours", "model_requests"]
    assert "gpu_activity" in rec.signals_missing and rec.confidence == 0.65


def test_idle_endpoint_quiet_without_any_signal(tmp_path: Path) -> None:
    # no traffic and no telemetry: near-zero use cannot be shown, so nothing is said
    world = World(tmp_path).bill(endpoint(ENDPOINT, instances=1, hourly=1.408, model="x")).build()
    world.run("idle_endpoint")
    assert world.recs() == {}


def test_spend_anomaly(tmp_path: Path) -> None:
    world = World(tmp_path).bill(
        Usage("i-x", days_before(30), 28 * 24, 1.0),  # 24 USD a day ...
        Usage("i-x", days_before(2), 2 * 24, 5.0),    # ... then 120 a day for the last two
        instance("i-steady", days=30, hourly=3.0, account="345678901234"),
        Usage("", days_before(28), 1, 900.0, type="Tax", instance_type="", usage_type=""),
    ).build()
    world.run("spend_anomaly")
    recs = world.recs()
    key = "aws:210987654321:Amazon Elastic Compute Cloud"
    assert set(recs) == {key}
    ev = recs[key].evidence
    # the last day: 120 against a median of 24 over the 14 days before it (one of them 120)
    assert ev["day"] == (AS_OF.date().fromordinal(AS_OF.date().toordinal() - 1)).isoformat()
    assert ev["baseline_median_usd"] == pytest.approx(24.0)
    assert ev["anomalous_days"] == ["2026-11-27", "2026-11-28"]
    assert ev["top_resources_that_day"] == [{"resource_id": "i-x", "cost_usd": 120.0}]
    # (120 − 24) × 730 / 24
    assert recs[key].monthly_saving_usd == pytest.approx(96 * 730 / 24, abs=0.01)


def test_budget_overrun(tmp_path: Path) -> None:
    config = '[budgets.team]\nresearch = 1000\n[budgets.model]\n"llama-ft-70b" = 5000\n'
    world = World(tmp_path, config).bill(
        instance("i-r", days=28, hourly=2.0, tags=TRAIN)).build()  # Nov 1–28, 48 USD a day
    world.run("budget_overrun")
    recs = world.recs()
    assert set(recs) == {"budget:team:research"}
    rec = recs["budget:team:research"]
    # month to date 28 × 48 = 1,344; run-rate 48/day × 2 days left → 1,440 forecast
    assert rec.evidence["forecast_usd"] == pytest.approx(1440)
    assert rec.monthly_saving_usd == pytest.approx(440, abs=0.01)
    assert rec.team == "research" and rec.model is None
