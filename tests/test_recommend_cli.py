"""`aifinops recs ...` as a user types it, on a tiny world, with apply against moto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

# importing the command modules registers them on the root group
import aifinops.commands.prices
import aifinops.commands.recs
from aifinops.commands.base import cli
from tests.rule_fixtures import World, bucket, days_before
from tests.test_rules_cost import ENDPOINT, endpoint


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path).bill(
        bucket("acme-llm-checkpoints", start_gb=10_000, growth_gb_per_day=100),
        endpoint(ENDPOINT, instances=1, hourly=1.408, model="summarizer"),
    ).traffic("summarizer", start=days_before(7), hours=168, requests=2).build()


def aifinops(world: World, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(world.settings.config_path), *args])
    return result.exit_code, result.stdout, result.stderr


def listed(world: World, *args: str) -> list[dict[str, Any]]:
    code, out, err = aifinops(world, "recs", "--format", "json", *args)
    assert code == 0, err
    items: list[dict[str, Any]] = json.loads(out)
    return items


def test_list_show_and_decide(world: World) -> None:
    code, out, _ = aifinops(world, "recs")
    assert code == 0 and "no recommendations yet" in out
    code, out, err = aifinops(world, "recs", "run")
    assert code == 0, err
    assert "2 new" in out and "on data through 2026-11-28" in out

    items = listed(world)
    assert [i["rule"] for i in items] == ["idle_endpoint", "storage_lifecycle"]  # by saving
    endpoint_id, storage_id = items[0]["id"], items[1]["id"]
    assert items[0]["monthly_saving_usd"] == pytest.approx(1027.84)
    assert items[0]["status"] == "open" and items[0]["confidence_label"] == "medium"

    code, out, _ = aifinops(world, "recs")
    assert code == 0 and endpoint_id in out and "1,027.84" in out

    code, out, _ = aifinops(world, "recs", "show", storage_id.lower())
    assert code == 0
    for text in ("137.10 USD/month", "checked     daily_storage_gb_months",
                 "not checked object_ages", '"older_than_ia_gb": 9900.0',
                 "aws s3api put-bucket-lifecycle-configuration", "aifinops: - → open"):
        assert text in out, text
    code, out, _ = aifinops(world, "recs", "show", storage_id, "--format", "json")
    shown = json.loads(out)
    assert shown["plan"]["applicable"] and shown["history"][0]["to_status"] == "open"

    assert aifinops(world, "recs", "accept", storage_id, "--by", "alice")[0] == 0
    code, _, err = aifinops(world, "recs", "dismiss", endpoint_id)
    assert code == 2 and "--reason" in err
    code, out, _ = aifinops(world, "recs", "dismiss", endpoint_id, "--reason", "demo endpoint")
    assert code == 0 and "dismissed" in out
    assert [i["id"] for i in listed(world)] == [storage_id]
    assert {i["status"] for i in listed(world, "--status", "all")} == {"accepted", "dismissed"}

    code, _, err = aifinops(world, "recs", "snooze", storage_id, "--until", "2020-01-01")
    assert code == 1 and "not in the future" in err
    code, _, err = aifinops(world, "recs", "accept", "R-zzzz")
    assert code == 1 and "no recommendation R-zzzz" in err

    # the next run keeps every decision
    assert aifinops(world, "recs", "run")[0] == 0
    assert {i["id"]: i["status"] for i in listed(world, "--status", "all")} == {
        storage_id: "accepted", endpoint_id: "dismissed"}


def test_apply_through_the_cli(world: World, moto_s3: str, s3_client: Any) -> None:
    s3_client.create_bucket(Bucket="acme-llm-checkpoints")
    aifinops(world, "recs", "run")
    storage_id = listed(world, "--rule", "storage_lifecycle")[0]["id"]

    code, out, err = aifinops(world, "recs", "apply", storage_id, "--yes",
                              "--endpoint-url", moto_s3)
    assert code == 1 and "only an accepted recommendation" in err
    assert "Plan for" in out  # the plan is shown even when refused

    aifinops(world, "recs", "accept", storage_id)
    code, out, err = aifinops(world, "recs", "apply", storage_id, "--endpoint-url", moto_s3)
    assert code == 1 and "re-run with --yes" in err
    code, out, err = aifinops(world, "recs", "apply", storage_id, "--dry-run",
                              "--endpoint-url", moto_s3)
    assert code == 0, err
    assert "dry run passed" in out
    with pytest.raises(s3_client.exceptions.ClientError):
        s3_client.get_bucket_lifecycle_configuration(Bucket="acme-llm-checkpoints")

    code, out, err = aifinops(world, "recs", "apply", storage_id, "--yes", "--by", "ops-bot",
                              "--endpoint-url", moto_s3)
    assert code == 0, err
    assert "applied" in out and "status applied" in out
    rules = s3_client.get_bucket_lifecycle_configuration(Bucket="acme-llm-checkpoints")["Rules"]
    assert [r["ID"] for r in rules] == [f"aifinops-{storage_id}"]
    code, out, _ = aifinops(world, "recs", "show", storage_id)
    assert "ops-bot: accepted → applied" in out and "ops-bot: apply ok" in out


def test_prices_show(world: World) -> None:
    code, out, _ = aifinops(world, "prices", "show", "--type", "p5.48xlarge", "--format", "json")
    assert code == 0
    (row,) = json.loads(out)
    assert row["on_demand_usd_per_hour"] == 55.04 and row["as_of"] == "2026-07-01"
    assert row["source"].startswith("catalog: AWS EC2")
