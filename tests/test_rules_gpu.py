"""Rules that read GPU telemetry (gpu_hourly rows inserted directly): idle instance, oversized
GPU, autoscaling floor, model efficiency, and the GPU signal of idle endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rule_fixtures import World, days_before, instance
from tests.test_rules_cost import ENDPOINT, endpoint

P5 = {"instance_type": "p5.48xlarge", "usage_type": "USE1-BoxUsage:p5.48xlarge"}


def test_idle_gpu_instance(tmp_path: Path) -> None:
    world = World(tmp_path).bill(
        instance("i-idle", days=14, hourly=2.0, tags={"user_model": "llama", "user_team": "ml"}),
        instance("i-busy", days=14, hourly=2.0),
        instance("i-onebusy", days=14, hourly=2.0),
        instance("i-short", days=14, hourly=2.0),
        instance("i-stopped", days=4, hourly=2.0, end=days_before(3)),
    ).telemetry("gpu-idle", "i-idle", start=days_before(7), hours=168, activity_pct=1.0, gpus=2
    ).telemetry("gpu-busy", "i-busy", start=days_before(7), hours=168, activity_pct=50.0
    # one GPU busy out of two: the busiest GPU decides, so the instance is not idle
    ).telemetry("gpu-onebusy", "i-onebusy", start=days_before(7), hours=168, activity_pct=0,
                gpus=2, gpu_activity=[1.0, 40.0]
    # idle, but only 3 days of telemetry out of 7: not enough to judge
    ).telemetry("gpu-short", "i-short", start=days_before(3), hours=72, activity_pct=1.0
    # idle, but billing stopped 3 days ago: nothing left to stop
    ).telemetry("gpu-stopped", "i-stopped", start=days_before(7), hours=168, activity_pct=1.0,
    ).build()
    world.run("idle_gpu_instance")
    recs = world.recs()
    assert set(recs) == {"i-idle"}
    rec = recs["i-idle"]
    # 2.00/h for the whole 7-day window → 2.00 × 730
    assert rec.monthly_saving_usd == pytest.approx(1460.0, abs=0.01)
    assert rec.evidence["idle_hours"] == 168 and rec.evidence["observed_hours"] == 168
    assert rec.evidence["suggest_terminate"] is False
    assert rec.confidence == pytest.approx(0.9)  # 0.5 + 0.4 × full coverage
    assert rec.signals_used == ["gpu_activity:utilization_gpu", "billed_hours"]
    assert rec.signals_missing == ["cpu_utilisation", "network_io"]
    assert rec.action_kind == "stop_instance"
    assert rec.action_params == {"instance_ids": ["i-idle"], "region": "us-east-1",
                                 "suggest_terminate": False}
    assert (rec.model, rec.team) == ("llama", "ml")


def test_idle_for_a_month_suggests_terminating(tmp_path: Path) -> None:
    world = World(tmp_path).bill(instance("i-old", days=31, hourly=1.0)).telemetry(
        "gpu-old", "i-old", start=days_before(30), hours=720, activity_pct=0.0,
        signal="dcgm_gr_engine_active").build()
    world.run("idle_gpu_instance")
    rec = world.recs()["i-old"]
    assert rec.evidence["suggest_terminate"] is True
    assert "consider terminating" in rec.title
    assert rec.signals_used[0] == "gpu_activity:dcgm_gr_engine_active"


def test_oversized_gpu(tmp_path: Path) -> None:
    world = World(tmp_path).bill(
        instance("i-big", days=14, hourly=55.04, **P5),
        instance("i-full", days=14, hourly=55.04, **P5),
        instance("i-asleep", days=14, hourly=55.04, **P5),
    # one H100 of eight does the work (30%, 20,000 MiB peak), the rest tick over at 2%
    ).telemetry("gpu-big", "i-big", start=days_before(14), hours=336, activity_pct=0, gpus=8,
                gpu_activity=[30.0] + [2.0] * 7, gpu_mem_used_mib=[20_000] + [1_000] * 7,
                mem_total_mib=81_559
    ).telemetry("gpu-full", "i-full", start=days_before(14), hours=336, activity_pct=80.0, gpus=8,
                mem_used_mib=70_000, mem_total_mib=81_559
    # idle is idle_gpu_instance's business, not a resize
    ).telemetry("gpu-asleep", "i-asleep", start=days_before(14), hours=336, activity_pct=1.0,
                gpus=8, mem_total_mib=81_559
    ).build()
    world.run("oversized_gpu")
    recs = world.recs()
    assert set(recs) == {"i-big"}
    rec = recs["i-big"]
    ev = rec.evidence
    # compute needed: (0.30 + 7 × 0.02) × 989 TFLOPS = 435.2, × 1.2 = 522 → one H100 (989) fits;
    # memory: 20,000 MiB × 1.2 = 24,000 per GPU and (20,000 + 7 × 1,000) × 1.2 = 32,400 in all,
    # both ≤ 80 GiB. p5.4xlarge (6.88/h) is the cheapest such type.
    assert ev["to_type"] == "p5.4xlarge" and ev["to_gpus"] == 1
    assert ev["used_tflops"] == pytest.approx(0.44 * 989, abs=0.01)
    # saving: 55.04/h × 730 × (1 − 6.88 / 55.04) = (55.04 − 6.88) × 730
    assert rec.monthly_saving_usd == pytest.approx((55.04 - 6.88) * 730, abs=0.01)
    assert rec.confidence == pytest.approx(0.7)  # same GPU model, full coverage
    assert rec.action_params == {"instance_id": "i-big", "region": "us-east-1",
                                 "from_type": "p5.48xlarge", "to_type": "p5.4xlarge"}


def test_autoscaling_floor(tmp_path: Path) -> None:
    chat = {"user_model": "chat", "user_env": "prod", "user_team": "applied-ai"}
    busy = {"user_model": "busy", "user_env": "prod"}
    world = World(tmp_path)
    for i in range(4):
        world.bill(instance(f"i-chat{i}", days=14, hourly=1.212, tags=chat))
        world.telemetry(f"chat-{i}", f"i-chat{i}", start=days_before(14), hours=336,
                        activity_pct=10.0)
        world.bill(instance(f"i-busy{i}", days=14, hourly=1.212, tags=busy))
        world.telemetry(f"busy-{i}", f"i-busy{i}", start=days_before(14), hours=336,
                        activity_pct=60.0)
    world.bill(instance("i-alone", days=14, hourly=1.212, tags={"user_model": "solo"}))
    world.telemetry("alone", "i-alone", start=days_before(14), hours=336, activity_pct=1.0)
    world.build()
    world.run("autoscaling_floor")
    recs = world.recs()
    key = "fleet:aws:us-east-1:chat/prod"
    assert set(recs) == {key}
    rec = recs[key]
    # demand 4 × 0.10 = 0.4 instance-equivalents; × 1.2 ÷ 0.60 = 0.8 → 1 instance is enough.
    # (busy: 4 × 0.6 × 1.2 ÷ 0.6 = 4.8 → 5 > 4, quiet; solo: one instance is not a fleet.)
    assert rec.evidence["floor_instances"] == 4
    assert rec.action_params["min_size"] == 1
    assert rec.action_params["instance_ids"] == ["i-chat0", "i-chat1", "i-chat2", "i-chat3"]
    # (4 − 1) instances × 1.212/h × 730
    assert rec.monthly_saving_usd == pytest.approx(3 * 1.212 * 730, abs=0.01)
    assert rec.confidence == pytest.approx(0.6)


def test_model_efficiency(tmp_path: Path) -> None:
    chat = {"user_model": "chat"}
    world = World(tmp_path).bill(
        instance("i-fp16", days=14, hourly=1.212, tags=chat),
        instance("i-small", days=14, hourly=1.212, tags={"user_model": "small"}),
    ).telemetry("fp16", "i-fp16", start=days_before(14), hours=336, activity_pct=30.0,
                mem_used_mib=20_000
    # 8,000 MiB already fits a 16 GiB T4 unquantised: oversized_gpu's case, not this one
    ).telemetry("small", "i-small", start=days_before(14), hours=336, activity_pct=30.0,
                mem_used_mib=8_000).build()
    world.run("model_efficiency")
    recs = world.recs()
    assert set(recs) == {"model:chat"}
    rec = recs["model:chat"]
    # 20,000 MiB × 0.5 × 1.2 = 12,000 ≤ 16,384 (T4) < 24,000; compute 0.3 × 70 × 1.2 = 25 ≤ 65.
    assert [h["to_type"] for h in rec.evidence["hosts"]] == ["g4dn.xlarge"]
    assert rec.action_params["instance_ids"] == ["i-fp16"]
    # (1.212 − 0.526) × 730
    assert rec.monthly_saving_usd == pytest.approx((1.212 - 0.526) * 730, abs=0.01)
    assert rec.confidence == 0.25 and rec.action_kind == "quantize_model"


def test_idle_endpoint_from_gpu_alone_and_busy_gpu_vetoes(tmp_path: Path) -> None:
    other = "arn:aws:sagemaker:us-east-1:345678901234:endpoint/other"
    world = World(tmp_path).bill(
        endpoint(ENDPOINT, instances=1, hourly=1.408, model="summarizer"),
        endpoint(other, instances=1, hourly=1.408, model="other"),
    ).telemetry("summ-host", ENDPOINT, start=days_before(7), hours=168, activity_pct=0.5
    # low traffic, but its GPU is busy (batch transform behind it?): say nothing
    ).telemetry("other-host", other, start=days_before(7), hours=168, activity_pct=70.0
    ).traffic("other", start=days_before(7), hours=168, requests=1).build()
    world.run("idle_endpoint")
    recs = world.recs()
    assert set(recs) == {ENDPOINT}
    rec = recs[ENDPOINT]
    assert rec.signals_used == ["billed_instance_hours", "gpu_activity"]
    assert rec.signals_missing == ["model_requests", "endpoint_invocations_metric"]
    assert rec.confidence == 0.6
    assert rec.monthly_saving_usd == pytest.approx(1.408 * 730, abs=0.01)
