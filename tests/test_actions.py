"""Plans and apply: real boto3 clients against the session's moto server on 127.0.0.1; each test
reads the changed state back from the server, and the audit from the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aifinops.analysis.actions import (
    AwsOptions,
    action_log,
    apply_recommendation,
    render_plan,
)
from aifinops.analysis.recommend import (
    RecommendationError,
    change_status,
    get_recommendation,
    history,
)
from aifinops.config import Settings, load_settings
from aifinops.ingest.s3 import new_boto3_session
from aifinops.store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    settings: Settings = load_settings(db=tmp_path / "a.duckdb", config=None)
    with open_store(settings) as opened:
        yield opened


def add_rec(store: Store, rec_id: str, kind: str, params: dict[str, Any], *,
            provider: str = "aws", resource: str | None = None, status: str = "open",
            evidence: dict[str, Any] | None = None) -> str:
    """A stored recommendation as the engine would leave it (the engine has its own tests)."""
    now = datetime.now(UTC)
    store.conn.execute(
        "insert into recommendations values (?, 'test_rule', ?, ?, null, null, ?, ?, 100.0, 0.9, "
        "?, ?, ['x'], [], ?, null, null, null, true, ?, ?, ?)",
        [rec_id, resource or rec_id, provider, f"do {kind}", json.dumps(evidence or {}), kind,
         json.dumps(params), status, now, now, now])
    return rec_id


def client(endpoint: str, service: str) -> Any:
    return new_boto3_session(region="us-east-1").client(service, endpoint_url=endpoint)


def ec2_instance(endpoint: str, instance_type: str = "p5.48xlarge") -> str:
    ec2 = client(endpoint, "ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    out = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType=instance_type)
    return str(out["Instances"][0]["InstanceId"])


def opts(endpoint: str) -> AwsOptions:
    return AwsOptions(endpoint_url=endpoint, wait_delay_s=1, wait_attempts=5)


def test_refuses_unless_accepted_and_confirmed(store: Store, moto_s3: str) -> None:
    iid = ec2_instance(moto_s3)
    add_rec(store, "R-0001", "stop_instance", {"instance_ids": [iid], "region": "us-east-1"})
    for dry in (True, False):
        with pytest.raises(RecommendationError, match="only an accepted recommendation"):
            apply_recommendation(store, "R-0001", dry_run=dry, confirmed=True, aws=opts(moto_s3))
    change_status(store, "R-0001", "accept", by="alice")
    with pytest.raises(RecommendationError, match="pass --yes"):
        apply_recommendation(store, "R-0001", aws=opts(moto_s3))
    state = client(moto_s3, "ec2").describe_instances(InstanceIds=[iid])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"
    assert action_log(store, "R-0001") == []  # nothing was called, nothing recorded


def test_stop_instance_dry_run_then_apply(store: Store, moto_s3: str) -> None:
    iid = ec2_instance(moto_s3)
    add_rec(store, "R-0002", "stop_instance", {"instance_ids": [iid], "region": "us-east-1"})
    plan = render_plan(get_recommendation(store.conn, "R-0002"))
    assert plan.applicable
    assert f"aws ec2 stop-instances --region us-east-1 --instance-ids {iid}" in plan.render()
    assert f"boto3.client('ec2').stop_instances(InstanceIds=['{iid}'])" in plan.render()
    assert 'resource "aws_ec2_instance_state"' in (plan.terraform or "")

    change_status(store, "R-0002", "accept", by="alice")
    dry = apply_recommendation(store, "R-0002", dry_run=True, by="alice", aws=opts(moto_s3))
    assert (dry.outcome, dry.status) == ("ok", "accepted")
    assert dry.calls[-1]["dry_run"] == "would succeed"
    ec2 = client(moto_s3, "ec2")
    assert ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
        "State"]["Name"] == "running"

    done = apply_recommendation(store, "R-0002", confirmed=True, by="alice", aws=opts(moto_s3))
    assert (done.outcome, done.status) == ("ok", "applied")
    assert ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
        "State"]["Name"] == "stopped"
    # the dry run comes first even on apply, and everything is on record
    ops = [(c["operation"], c["params"].get("DryRun", False)) for c in done.calls]
    assert ops == [("describe_instances", False), ("stop_instances", True),
                   ("stop_instances", False), ("describe_instances", False)]
    log = action_log(store, "R-0002")
    assert [(a["mode"], a["outcome"], a["actor"]) for a in log] == [
        ("dry-run", "ok", "alice"), ("apply", "ok", "alice")]
    assert log[1]["request"][2] == {"service": "ec2", "operation": "stop_instances",
                                    "params": {"InstanceIds": [iid]}}
    trail = [(e.from_status, e.to_status, e.actor) for e in history(store.conn, "R-0002")]
    assert trail == [("open", "accepted", "alice"), ("accepted", "applied", "alice")]
    with pytest.raises(RecommendationError, match="is applied"):
        apply_recommendation(store, "R-0002", confirmed=True, aws=opts(moto_s3))


def test_failed_apply_is_recorded(store: Store, moto_s3: str) -> None:
    add_rec(store, "R-0003", "stop_instance",
            {"instance_ids": ["i-0123456789abcdef0"], "region": "us-east-1"})
    change_status(store, "R-0003", "accept")
    result = apply_recommendation(store, "R-0003", confirmed=True, by="bob", aws=opts(moto_s3))
    assert (result.outcome, result.status) == ("failed", "failed")
    assert "InvalidInstanceID" in (result.error or "")
    assert history(store.conn, "R-0003")[-1].to_status == "failed"
    assert action_log(store, "R-0003")[0]["outcome"] == "failed"
    # failed → accept again → apply is allowed (after fixing whatever failed)
    change_status(store, "R-0003", "accept")


def test_change_instance_type(store: Store, moto_s3: str) -> None:
    iid = ec2_instance(moto_s3, "p5.48xlarge")
    add_rec(store, "R-0004", "change_instance_type",
            {"instance_id": iid, "region": "us-east-1", "from_type": "p5.48xlarge",
             "to_type": "p5.4xlarge"})
    text = render_plan(get_recommendation(store.conn, "R-0004")).render()
    assert f"aws ec2 wait instance-stopped --region us-east-1 --instance-ids {iid}" in text
    assert "--instance-type Value=p5.4xlarge" in text
    change_status(store, "R-0004", "accept")
    result = apply_recommendation(store, "R-0004", confirmed=True, aws=opts(moto_s3))
    assert result.outcome == "ok", result.error
    got = client(moto_s3, "ec2").describe_instances(InstanceIds=[iid])["Reservations"][0][
        "Instances"][0]
    assert (got["InstanceType"], got["State"]["Name"]) == ("p5.4xlarge", "running")
    assert [c["operation"] for c in result.calls] == [
        "describe_instances", "stop_instances", "modify_instance_attribute",  # the dry runs
        "describe_instances", "stop_instances", "wait instance_stopped",
        "modify_instance_attribute", "start_instances", "describe_instances"]


def test_put_lifecycle_keeps_other_rules(store: Store, moto_s3: str) -> None:
    s3 = client(moto_s3, "s3")
    s3.create_bucket(Bucket="acme-ckpt")
    s3.put_bucket_lifecycle_configuration(Bucket="acme-ckpt", LifecycleConfiguration={"Rules": [
        {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
         "Expiration": {"Days": 3}}]})
    add_rec(store, "R-0005", "storage_lifecycle", {
        "bucket": "acme-ckpt", "region": "us-east-1", "abort_incomplete_multipart_days": 7,
        "transitions": [{"days": 30, "storage_class": "STANDARD_IA"},
                        {"days": 90, "storage_class": "GLACIER_IR"}]})
    plan = render_plan(get_recommendation(store.conn, "R-0005"))
    assert "put-bucket-lifecycle-configuration --region us-east-1 --bucket acme-ckpt" in plan.render()
    assert 'storage_class = "GLACIER_IR"' in (plan.terraform or "")
    change_status(store, "R-0005", "accept")
    dry = apply_recommendation(store, "R-0005", dry_run=True, aws=opts(moto_s3))
    assert [r["ID"] for r in dry.state["dry_run"]["would_put"]] == ["expire-tmp", "aifinops-R-0005"]
    assert len(s3.get_bucket_lifecycle_configuration(Bucket="acme-ckpt")["Rules"]) == 1
    result = apply_recommendation(store, "R-0005", confirmed=True, aws=opts(moto_s3))
    assert result.outcome == "ok", result.error
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket="acme-ckpt")["Rules"]}
    assert set(rules) == {"expire-tmp", "aifinops-R-0005"}
    assert [(t["Days"], t["StorageClass"]) for t in rules["aifinops-R-0005"]["Transitions"]] == [
        (30, "STANDARD_IA"), (90, "GLACIER_IR")]
    assert rules["aifinops-R-0005"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}


def test_sagemaker_endpoint_instance_count(store: Store, moto_s3: str) -> None:
    sm = client(moto_s3, "sagemaker")
    sm.create_model(ModelName="summ", ExecutionRoleArn="arn:aws:iam::123456789012:role/sm",
                    PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"})
    sm.create_endpoint_config(EndpointConfigName="summ-cfg", ProductionVariants=[
        {"VariantName": "AllTraffic", "ModelName": "summ", "InitialInstanceCount": 2,
         "InstanceType": "ml.g4dn.xlarge"}])
    sm.create_endpoint(EndpointName="summ", EndpointConfigName="summ-cfg")
    add_rec(store, "R-0006", "endpoint_instance_count", {
        "endpoint_name": "summ", "region": "us-east-1", "current_instance_count": 2,
        "desired_instance_count": 1, "variant_name": None})
    assert ("update-endpoint-weights-and-capacities --region us-east-1 --endpoint-name summ "
            "--desired-weights-and-capacities VariantName=AllTraffic,DesiredInstanceCount=1"
            in render_plan(get_recommendation(store.conn, "R-0006")).render())
    change_status(store, "R-0006", "accept")
    result = apply_recommendation(store, "R-0006", confirmed=True, aws=opts(moto_s3))
    assert result.outcome == "ok", result.error
    variant = sm.describe_endpoint(EndpointName="summ")["ProductionVariants"][0]
    assert variant["DesiredInstanceCount"] == 1


def test_autoscaling_min_size_finds_the_group(store: Store, moto_s3: str) -> None:
    ec2, asg = client(moto_s3, "ec2"), client(moto_s3, "autoscaling")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="chat", LaunchTemplateData={
        "ImageId": image, "InstanceType": "g5.2xlarge"})
    asg.create_auto_scaling_group(AutoScalingGroupName="chat-fleet", MinSize=4, MaxSize=8,
                                  DesiredCapacity=4, AvailabilityZones=["us-east-1a"],
                                  LaunchTemplate={"LaunchTemplateName": "chat"})
    ids = [i["InstanceId"] for i in asg.describe_auto_scaling_groups(
        AutoScalingGroupNames=["chat-fleet"])["AutoScalingGroups"][0]["Instances"]]
    add_rec(store, "R-0007", "autoscaling_min_size", {
        "instance_ids": ids, "asg_name": None, "region": "us-east-1", "min_size": 1,
        "observed_floor": 4})
    change_status(store, "R-0007", "accept")
    dry = apply_recommendation(store, "R-0007", dry_run=True, aws=opts(moto_s3))
    assert dry.state["dry_run"]["group"] == "chat-fleet"
    assert dry.state["dry_run"]["before"]["MinSize"] == 4
    result = apply_recommendation(store, "R-0007", confirmed=True, aws=opts(moto_s3))
    assert result.outcome == "ok", result.error
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["chat-fleet"])
    assert group["AutoScalingGroups"][0]["MinSize"] == 1


def test_advice_and_gcp_are_plans_only(store: Store, moto_s3: str) -> None:
    add_rec(store, "R-0008", "buy_commitment", {
        "plan": "compute_savings_plan", "commitment_usd_per_hour": 60.475},
        evidence={"break_even_utilisation": 0.72, "note": "right-size first"})
    plan = render_plan(get_recommendation(store.conn, "R-0008"))
    assert not plan.applicable
    assert "aws savingsplans create-savings-plan --savings-plan-offering-id OFFERING_ID " \
           "--commitment 60.475" in plan.render()
    assert "Break-even" in plan.render()
    change_status(store, "R-0008", "accept")
    with pytest.raises(RecommendationError, match="advice"):
        apply_recommendation(store, "R-0008", confirmed=True, aws=opts(moto_s3))

    add_rec(store, "R-0009", "stop_instance", {"instance_ids": [
        "//compute.googleapis.com/projects/acme/zones/us-central1-a/instances/gpu-dev"]},
        provider="gcp")
    text = render_plan(get_recommendation(store.conn, "R-0009")).render()
    assert "gcloud compute instances stop gpu-dev --zone=us-central1-a --project=acme" in text
    change_status(store, "R-0009", "accept")
    with pytest.raises(RecommendationError, match="AWS actions only"):
        apply_recommendation(store, "R-0009", confirmed=True, aws=opts(moto_s3))

    vm = "/subscriptions/s1/resourceGroups/ml/providers/Microsoft.Compute/virtualMachines/gpu-az"
    add_rec(store, "R-000b", "stop_instance", {"instance_ids": [vm]}, provider="azure",
            resource=vm)
    plan = render_plan(get_recommendation(store.conn, "R-000b"))
    assert not plan.applicable and f"az vm deallocate --ids {vm}" in plan.render()


def test_missing_permission_fails_the_dry_run(store: Store, moto_iam_auth: Any,
                                              moto_s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With moto's IAM checks on, a key that may only use S3 fails EC2's DryRun: nothing stops."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto_iam_auth.reader[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto_iam_auth.reader[1])
    add_rec(store, "R-000a", "stop_instance", {"instance_ids": ["i-0123456789abcdef0"],
                                               "region": "us-east-1"})
    change_status(store, "R-000a", "accept")
    result = apply_recommendation(store, "R-000a", dry_run=True, aws=opts(moto_s3))
    assert result.outcome == "failed" and result.status == "accepted"
    assert "UnauthorizedOperation" in (result.error or "") or "AccessDenied" in (result.error or "")
