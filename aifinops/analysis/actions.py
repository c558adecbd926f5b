"""Actions are plans first: what a recommendation would change, shown before anything runs.

`render_plan` turns a recommendation into the exact AWS CLI commands, boto3 calls and Terraform
change (gcloud commands for GCP) that carry it out; the CLI and the TUI show it as it is.
`apply_recommendation` runs the AWS ones, and only when

- the recommendation is *accepted* (never open, dismissed, snoozed, failed or resolved),
- its kind can be applied (advice such as "buy a Savings Plan" is a plan a person follows),
- the caller confirmed (`--yes`, or the TUI's own dialog) — a dry run needs no confirmation,

runs the API's own dry run first where there is one (EC2 `DryRun=True`; read-only checks for
S3, SageMaker and Auto Scaling, which have none), and writes every call it made and what came
back to `recommendation_actions`, and the new state (applied or failed) to the audit trail.

Clients are real boto3 clients built from `AwsOptions` (profile, region, endpoint URL), so the
credentials that work for the AWS CLI work here and tests point them at a moto server.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from aifinops.analysis.recommend import (
    Recommendation,
    RecommendationError,
    current_actor,
    get_recommendation,
    normalise_id,
    record_outcome,
)
from aifinops.analysis.rules import APPLICABLE_KINDS
from aifinops.store import Store, transaction

LIFECYCLE_RULE_PREFIX = "aifinops-"


@dataclass(frozen=True)
class Step:
    """One call a plan makes, in every spelling a person might run it."""

    description: str
    service: str | None = None      # boto3 service name
    operation: str | None = None    # boto3 method name
    params: dict[str, Any] = field(default_factory=dict)
    aws_cli: str | None = None
    gcloud: str | None = None
    az: str | None = None

    def boto3(self) -> str | None:
        if not self.service or not self.operation:
            return None
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"boto3.client({self.service!r}).{self.operation}({args})"


@dataclass(frozen=True)
class Plan:
    rec_id: str
    kind: str
    provider: str
    summary: str
    applicable: bool
    steps: list[Step]
    terraform: str | None = None
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        how = (f"apply with `aifinops recs apply {self.rec_id} --yes` once accepted"
               if self.applicable else "a plan to follow by hand: `recs apply` does not run it")
        lines = [f"Plan for {self.rec_id} ({self.kind}, {self.provider}): {how}",
                 f"  {self.summary}"]
        if self.steps:
            lines.append("Steps")
            for n, step in enumerate(self.steps, 1):
                lines.append(f"  {n}. {step.description}")
                for label, text in (("", step.aws_cli), ("", step.gcloud), ("", step.az),
                                    ("boto3: ", step.boto3())):
                    if text:
                        lines.extend(f"     {label}{line}" for line in text.splitlines())
        if self.terraform:
            lines.append("Terraform")
            lines.extend(f"  {line}" for line in self.terraform.splitlines())
        if self.notes:
            lines.append("Notes")
            lines.extend(f"  - {note}" for note in self.notes)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "rec_id": self.rec_id, "kind": self.kind, "provider": self.provider,
            "summary": self.summary, "applicable": self.applicable,
            "steps": [{"description": s.description, "aws_cli": s.aws_cli, "gcloud": s.gcloud,
                       "az": s.az,
                       "boto3": s.boto3(), "service": s.service, "operation": s.operation,
                       "params": s.params} for s in self.steps],
            "terraform": self.terraform, "notes": self.notes,
        }


# ---- plans -----------------------------------------------------------------------------------

def _q(value: object) -> str:
    return shlex.quote(str(value))


def _region_flag(region: str | None) -> str:
    return f" --region {_q(region)}" if region else ""


def _tf_name(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_").lower() or "this"


def _gcp_parts(resource_id: str) -> tuple[str, str, str]:
    """(project, zone or region, name) from a GCP resource name; placeholders where absent."""
    parts = resource_id.strip("/").split("/")

    def after(key: str, default: str) -> str:
        return parts[parts.index(key) + 1] if key in parts and parts.index(key) + 1 < len(parts) \
            else default

    location = after("zones", after("regions", after("locations", "ZONE")))
    return after("projects", "PROJECT"), location, parts[-1] if parts else "NAME"


def _lifecycle_rule(rec: Recommendation) -> dict[str, Any]:
    p = rec.action_params
    rule: dict[str, Any] = {
        "ID": f"{LIFECYCLE_RULE_PREFIX}{rec.id}",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Transitions": [{"Days": int(t["days"]), "StorageClass": t["storage_class"]}
                        for t in p.get("transitions", [])],
    }
    if p.get("abort_incomplete_multipart_days"):
        rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(p["abort_incomplete_multipart_days"])}
    return rule


def _plan_stop(rec: Recommendation) -> Plan:
    p = rec.action_params
    ids = [str(i) for i in p.get("instance_ids", [])]
    notes = ["Stopping keeps EBS volumes (and bills them); instance-store data is lost",
             "Start it again with `aws ec2 start-instances` when it is needed"]
    if p.get("suggest_terminate"):
        notes.append("Idle for a month: snapshot its volumes and terminate it instead "
                     "(`aws ec2 terminate-instances`), which this tool does not do for you")
    if rec.provider == "gcp":
        project, zone, name = _gcp_parts(ids[0] if ids else rec.resource_id)
        return Plan(rec.id, rec.action_kind, "gcp", f"Stop instance {name}", False, [
            Step(f"Stop {name}", gcloud=f"gcloud compute instances stop {_q(name)} "
                                        f"--zone={_q(zone)} --project={_q(project)}")],
            notes=notes)
    steps = [Step(f"Stop {', '.join(ids)}", "ec2", "stop_instances", {"InstanceIds": ids},
                  aws_cli=f"aws ec2 stop-instances{_region_flag(p.get('region'))} "
                          f"--instance-ids {' '.join(_q(i) for i in ids)}")]
    terraform = "\n".join(
        f'resource "aws_ec2_instance_state" "{_tf_name(i)}" {{\n'
        f'  instance_id = "{i}"\n  state       = "stopped"\n}}' for i in ids)
    return Plan(rec.id, rec.action_kind, "aws", rec.title, True, steps, terraform, notes)


def _plan_change_type(rec: Recommendation) -> Plan:
    p = rec.action_params
    iid, to_type, region = str(p["instance_id"]), str(p["to_type"]), p.get("region")
    notes = ["The instance stops while its type changes: plan a few minutes of downtime",
             "The new type must be available in the instance's zone and support its AMI "
             "(ENA, NVMe drivers; a different GPU may need a different driver)"]
    if rec.provider == "gcp":
        project, zone, name = _gcp_parts(iid)
        where = f"--zone={_q(zone)} --project={_q(project)}"
        return Plan(rec.id, rec.action_kind, "gcp", f"Change {name} to {to_type}", False, [
            Step("Stop it", gcloud=f"gcloud compute instances stop {_q(name)} {where}"),
            Step(f"Set the machine type to {to_type}",
                 gcloud=f"gcloud compute instances set-machine-type {_q(name)} "
                        f"--machine-type={_q(to_type)} {where}"),
            Step("Start it", gcloud=f"gcloud compute instances start {_q(name)} {where}")],
            notes=notes)
    rf = _region_flag(region)
    steps = [
        Step(f"Stop {iid}", "ec2", "stop_instances", {"InstanceIds": [iid]},
             aws_cli=f"aws ec2 stop-instances{rf} --instance-ids {_q(iid)}"),
        Step("Wait until it has stopped", "ec2", "get_waiter('instance_stopped').wait",
             {"InstanceIds": [iid]}, aws_cli=f"aws ec2 wait instance-stopped{rf} --instance-ids {_q(iid)}"),
        Step(f"Change its type from {p.get('from_type')} to {to_type}", "ec2",
             "modify_instance_attribute", {"InstanceId": iid, "InstanceType": {"Value": to_type}},
             aws_cli=f"aws ec2 modify-instance-attribute{rf} --instance-id {_q(iid)} "
                     f"--instance-type Value={_q(to_type)}"),
        Step(f"Start {iid} (if it was running)", "ec2", "start_instances", {"InstanceIds": [iid]},
             aws_cli=f"aws ec2 start-instances{rf} --instance-ids {_q(iid)}"),
    ]
    terraform = (f'resource "aws_instance" "{_tf_name(iid)}" {{\n'
                 f'  # ...\n  instance_type = "{to_type}"  # was {p.get("from_type")}\n}}')
    return Plan(rec.id, rec.action_kind, "aws", rec.title, True, steps, terraform, notes)


def _plan_lifecycle(rec: Recommendation) -> Plan:
    p = rec.action_params
    bucket = str(p["bucket"])
    rule = _lifecycle_rule(rec)
    notes = ["PutBucketLifecycleConfiguration replaces the whole configuration: apply reads the "
             f"bucket's rules first and keeps every rule not named {rule['ID']}",
             "Objects smaller than 128 KiB are not moved to *_IA or Glacier IR (and are billed "
             "as 128 KiB there)"]
    if rec.provider == "gcp":
        classes = {t["StorageClass"]: t["Days"] for t in rule["Transitions"]}
        doc = {"rule": [{"action": {"type": "SetStorageClass", "storageClass": cls},
                         "condition": {"age": days}} for cls, days in classes.items()]}
        return Plan(rec.id, rec.action_kind, "gcp", rec.title, False, [
            Step("Write the lifecycle rules to lifecycle.json",
                 gcloud=f"cat > lifecycle.json <<'EOF'\n{json.dumps(doc, indent=2)}\nEOF"),
            Step(f"Set them on gs://{bucket}",
                 gcloud=f"gcloud storage buckets update gs://{bucket} --lifecycle-file=lifecycle.json")],
            notes=["gcloud replaces the bucket's lifecycle configuration: merge existing rules first"])
    config = {"Rules": [rule]}
    steps = [Step(f"Add lifecycle rule {rule['ID']} to s3://{bucket}", "s3",
                  "put_bucket_lifecycle_configuration",
                  {"Bucket": bucket, "LifecycleConfiguration": config},
                  aws_cli=(f"cat > lifecycle.json <<'EOF'\n{json.dumps(config, indent=2)}\nEOF\n"
                           f"aws s3api put-bucket-lifecycle-configuration{_region_flag(p.get('region'))} "
                           f"--bucket {_q(bucket)} --lifecycle-configuration file://lifecycle.json"))]
    transitions = "\n".join(
        f'    transition {{\n      days          = {t["Days"]}\n'
        f'      storage_class = "{t["StorageClass"]}"\n    }}' for t in rule["Transitions"])
    abort = rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation")
    terraform = (f'resource "aws_s3_bucket_lifecycle_configuration" "{_tf_name(bucket)}" {{\n'
                 f'  bucket = "{bucket}"\n  rule {{\n    id     = "{rule["ID"]}"\n'
                 f'    status = "Enabled"\n    filter {{}}\n{transitions}\n'
                 + (f'    abort_incomplete_multipart_upload {{\n'
                    f'      days_after_initiation = {abort}\n    }}\n' if abort else "")
                 + "  }\n}")
    return Plan(rec.id, rec.action_kind, "aws", rec.title, True, steps, terraform, notes)


def _plan_endpoint(rec: Recommendation) -> Plan:
    p = rec.action_params
    name, count = str(p["endpoint_name"]), int(p["desired_instance_count"])
    variant = p.get("variant_name") or "AllTraffic"
    notes = [str(rec.evidence.get("advice", ""))] if rec.evidence.get("advice") else []
    if rec.provider == "gcp":
        _, region, endpoint = _gcp_parts(rec.resource_id)
        return Plan(rec.id, rec.action_kind, "gcp", rec.title, False, [
            Step(f"Set the deployed model's min replicas to {count}",
                 gcloud=f"gcloud ai endpoints mutate-deployed-model {_q(endpoint)} "
                        f"--region={_q(region)} --deployed-model-id=DEPLOYED_MODEL_ID "
                        f"--min-replica-count={count}")], notes=notes)
    steps = [Step(f"Set endpoint {name} variant {variant} to {count} instance(s)", "sagemaker",
                  "update_endpoint_weights_and_capacities",
                  {"EndpointName": name, "DesiredWeightsAndCapacities": [
                      {"VariantName": variant, "DesiredInstanceCount": count}]},
                  aws_cli=f"aws sagemaker update-endpoint-weights-and-capacities"
                          f"{_region_flag(p.get('region'))} --endpoint-name {_q(name)} "
                          f"--desired-weights-and-capacities "
                          f"VariantName={_q(variant)},DesiredInstanceCount={count}")]
    if not p.get("variant_name"):
        notes.append("The variant is read from DescribeEndpoint at apply time (AllTraffic is the "
                     "SDK's default name)")
    terraform = (f'resource "aws_sagemaker_endpoint_configuration" "{_tf_name(name)}" {{\n'
                 f'  production_variants {{\n    variant_name           = "{variant}"\n'
                 f'    initial_instance_count = {count}\n    # ...\n  }}\n}}')
    return Plan(rec.id, rec.action_kind, "aws", rec.title, True, steps, terraform, notes)


def _plan_asg(rec: Recommendation) -> Plan:
    p = rec.action_params
    size = int(p["min_size"])
    ids = [str(i) for i in p.get("instance_ids", [])]
    group = p.get("asg_name")
    if rec.provider == "gcp":
        return Plan(rec.id, rec.action_kind, "gcp", rec.title, False, [
            Step(f"Set the managed instance group's autoscaler minimum to {size}",
                 gcloud=f"gcloud compute instance-groups managed update-autoscaling GROUP "
                        f"--min-num-replicas={size} --region={_q(p.get('region') or 'REGION')}")])
    rf = _region_flag(p.get("region"))
    steps = []
    if not group:
        steps.append(Step("Find the Auto Scaling group of the fleet's instances", "autoscaling",
                          "describe_auto_scaling_instances", {"InstanceIds": ids},
                          aws_cli=f"aws autoscaling describe-auto-scaling-instances{rf} "
                                  f"--instance-ids {' '.join(_q(i) for i in ids)} --query "
                                  "'AutoScalingInstances[].AutoScalingGroupName'"))
    steps.append(Step(f"Set its min size to {size}", "autoscaling", "update_auto_scaling_group",
                      {"AutoScalingGroupName": group or "<group>", "MinSize": size},
                      aws_cli=f"aws autoscaling update-auto-scaling-group{rf} "
                              f"--auto-scaling-group-name {_q(group or '<group>')} --min-size {size}"))
    terraform = (f'resource "aws_autoscaling_group" "{_tf_name(group or "fleet")}" {{\n'
                 f'  # ...\n  min_size = {size}  # observed floor {p.get("observed_floor")}\n}}')
    return Plan(rec.id, rec.action_kind, "aws", rec.title, True, steps, terraform,
                ["Scaling policies keep adding instances when traffic needs them; only the floor "
                 "moves"])


def _plan_spot(rec: Recommendation) -> Plan:
    p = rec.action_params
    caveat = str(rec.evidence.get("caveat", ""))
    if rec.provider == "gcp":
        return Plan(rec.id, rec.action_kind, "gcp", rec.title, False, [
            Step("Recreate the VM (or its instance template) as a Spot VM",
                 gcloud="gcloud compute instances create NAME --provisioning-model=SPOT "
                        "--instance-termination-action=STOP "
                        f"--machine-type={_q(p.get('instance_type'))} ...")],
            notes=[caveat])
    return Plan(rec.id, rec.action_kind, "aws", rec.title, False, [
        Step("Launch the job's next instance on spot (or set the launch template's market type)",
             aws_cli=f"aws ec2 run-instances{_region_flag(p.get('region'))} --instance-type "
                     f"{_q(p.get('instance_type'))} --instance-market-options "
                     "'MarketType=spot,SpotOptions={InstanceInterruptionBehavior=stop,"
                     "SpotInstanceType=persistent}' ...")],
        'resource "aws_instance" "trainer" {\n  # ...\n  instance_market_options {\n'
        '    market_type = "spot"\n    spot_options {\n      instance_interruption_behavior = "stop"\n'
        '      spot_instance_type             = "persistent"\n    }\n  }\n}',
        [caveat, "SageMaker training jobs: set EnableManagedSpotTraining and a checkpoint S3 URI"])


def _plan_commitment(rec: Recommendation) -> Plan:
    p = rec.action_params
    amount = p.get("commitment_usd_per_hour")
    ev = rec.evidence
    notes = [str(ev.get("note", "")),
             f"Break-even: the plan pays for itself while covered usage stays above "
             f"{100 * float(ev.get('break_even_utilisation', 0)):.0f}% of the baseline"]
    if rec.provider == "gcp":
        return Plan(rec.id, rec.action_kind, "gcp", rec.title, False, [
            Step("Buy a 1-year committed use discount for the GPUs, vCPUs and memory behind the "
                 "baseline", gcloud="gcloud compute commitments create NAME --plan=12-month "
                                    "--region=REGION --resources=vcpu=N,memory=NGB "
                                    "--resources-accelerator=type=GPU_TYPE,count=N")], notes=notes)
    plan_type = "SageMaker" if p.get("plan") == "sagemaker_savings_plan" else "Compute"
    return Plan(rec.id, rec.action_kind, "aws", rec.title, False, [
        Step(f"Find the 1-year No Upfront {plan_type} Savings Plan offering",
             aws_cli=f"aws savingsplans describe-savings-plans-offerings --plan-types {plan_type} "
                     "--durations 31536000 --payment-options 'No Upfront' --currencies USD"),
        Step(f"Buy it with a commitment of {amount} USD/hour (from the payer account)",
             aws_cli=f"aws savingsplans create-savings-plan --savings-plan-offering-id OFFERING_ID "
                     f"--commitment {_q(amount)}")], notes=notes)


def _plan_advice(rec: Recommendation) -> Plan:
    notes = [str(v) for k, v in rec.evidence.items() if k in ("advice", "caveat", "method", "note")]
    if rec.action_kind == "investigate_spend":
        notes.append("Compare the top resources of that day with the days before in "
                     "`aifinops query \"select * from cost_daily where day >= ...\"`")
    if rec.action_kind == "budget_overrun":
        notes.append("Raise the budget in [budgets] of aifinops.toml, or act on this team's or "
                     "model's other recommendations")
    return Plan(rec.id, rec.action_kind, rec.provider or "any", rec.title, False, [], None,
                [n for n in notes if n])


_PLANNERS: dict[str, Callable[[Recommendation], Plan]] = {
    "stop_instance": _plan_stop,
    "change_instance_type": _plan_change_type,
    "storage_lifecycle": _plan_lifecycle,
    "endpoint_instance_count": _plan_endpoint,
    "autoscaling_min_size": _plan_asg,
    "use_spot": _plan_spot,
    "buy_commitment": _plan_commitment,
}


_AZURE = {
    "stop_instance": "az vm deallocate --ids {id}",
    "change_instance_type": "az vm resize --ids {id} --size {to_type}",
    "use_spot": "recreate the VM with --priority Spot --eviction-policy Deallocate",
    "buy_commitment": "buy an Azure savings plan for compute or a reservation in the portal",
}


def _plan_azure(rec: Recommendation) -> Plan:
    """Azure arrives through FOCUS exports: say what to run; aifinops runs nothing there."""
    plan = _plan_advice(rec)
    hint = _AZURE.get(rec.action_kind)
    steps = []
    if hint:
        text = hint.format(id=_q(rec.resource_id), to_type=_q(rec.action_params.get("to_type", "SIZE")))
        steps = [Step(rec.title, az=text)] if text.startswith("az ") else []
        if not steps:
            plan.notes.insert(0, text)
    return Plan(plan.rec_id, plan.kind, "azure", plan.summary, False, steps, None, plan.notes)


def render_plan(rec: Recommendation) -> Plan:
    """The plan for any recommendation, whatever its state (a plan changes nothing)."""
    if rec.provider == "azure":
        return _plan_azure(rec)
    return _PLANNERS.get(rec.action_kind, _plan_advice)(rec)


# ---- applying --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AwsOptions:
    """What the AWS CLI's --profile, --region and --endpoint-url mean, for every client."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    wait_delay_s: int = 5
    wait_attempts: int = 120


@dataclass
class ActionResult:
    rec_id: str
    mode: str            # dry-run | apply
    outcome: str         # ok | failed
    status: str          # the recommendation's status afterwards
    calls: list[dict[str, Any]]
    state: dict[str, Any]  # what was read back (or what would change, for a dry run)
    error: str | None = None


class ActionFailed(Exception):
    """An API call failed; the message says which and why."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


class _Calls:
    """Makes API calls and remembers each (params, response or error) for the audit."""

    def __init__(self, options: AwsOptions, region: str | None) -> None:
        from aifinops.ingest.s3 import new_boto3_session

        self.options = options
        self.session = new_boto3_session(profile=options.profile, region=options.region or region)
        self.clients: dict[str, Any] = {}
        self.log: list[dict[str, Any]] = []

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = self.session.client(
                service, endpoint_url=self.options.endpoint_url)
        return self.clients[service]

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        entry: dict[str, Any] = {"service": service, "operation": operation,
                                 "params": _jsonable(params)}
        self.log.append(entry)
        try:
            response = getattr(self.client(service), operation)(**params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            entry["error"] = {"code": code, "message": str(exc)}
            if params.get("DryRun") and code == "DryRunOperation":
                entry["dry_run"] = "would succeed"
                return {}
            raise ActionFailed(f"{service} {operation}: {exc}") from exc
        except BotoCoreError as exc:
            entry["error"] = {"code": type(exc).__name__, "message": str(exc)}
            raise ActionFailed(f"{service} {operation}: {exc}") from exc
        result: dict[str, Any] = _jsonable(response)
        entry["response"] = result
        if params.get("DryRun"):
            entry["dry_run"] = "the API did not answer DryRunOperation"
        return result

    def dry_run(self, service: str, operation: str, **params: Any) -> None:
        """The API's own dry run: DryRunOperation means permissions and parameters are fine."""
        self.call(service, operation, DryRun=True, **params)


class _Executor:
    """preflight: checks that change nothing; apply: the change, then the state read back."""

    def __init__(self, rec: Recommendation, calls: _Calls, options: AwsOptions) -> None:
        self.rec = rec
        self.p = rec.action_params
        self.calls = calls
        self.options = options

    def preflight(self) -> dict[str, Any]:
        raise NotImplementedError

    def apply(self) -> dict[str, Any]:
        raise NotImplementedError


def _instance_states(calls: _Calls, ids: list[str]) -> dict[str, dict[str, Any]]:
    out = calls.call("ec2", "describe_instances", InstanceIds=ids)
    return {i["InstanceId"]: {"state": i["State"]["Name"], "instance_type": i["InstanceType"]}
            for r in out.get("Reservations", []) for i in r.get("Instances", [])}


class _StopInstances(_Executor):
    def ids(self) -> list[str]:
        return [str(i) for i in self.p["instance_ids"]]

    def preflight(self) -> dict[str, Any]:
        before = _instance_states(self.calls, self.ids())
        self.calls.dry_run("ec2", "stop_instances", InstanceIds=self.ids())
        return {"before": before, "would_stop": self.ids()}

    def apply(self) -> dict[str, Any]:
        self.calls.call("ec2", "stop_instances", InstanceIds=self.ids())
        after = _instance_states(self.calls, self.ids())
        bad = {i: s["state"] for i, s in after.items() if s["state"] not in ("stopping", "stopped")}
        if bad:
            raise ActionFailed(f"instances not stopping after StopInstances: {bad}")
        return {"after": after}


class _ChangeInstanceType(_Executor):
    def preflight(self) -> dict[str, Any]:
        iid, to_type = str(self.p["instance_id"]), str(self.p["to_type"])
        before = _instance_states(self.calls, [iid])
        if before.get(iid, {}).get("instance_type") == to_type:
            raise ActionFailed(f"{iid} is already {to_type}")
        if before.get(iid, {}).get("state") == "running":
            self.calls.dry_run("ec2", "stop_instances", InstanceIds=[iid])
        self.calls.dry_run("ec2", "modify_instance_attribute", InstanceId=iid,
                           InstanceType={"Value": to_type})
        return {"before": before, "would_change_to": to_type}

    def apply(self) -> dict[str, Any]:
        iid, to_type = str(self.p["instance_id"]), str(self.p["to_type"])
        was = _instance_states(self.calls, [iid]).get(iid, {}).get("state")
        if was in ("running", "pending", "stopping"):
            if was != "stopping":
                self.calls.call("ec2", "stop_instances", InstanceIds=[iid])
            self.calls.log.append({"service": "ec2", "operation": "wait instance_stopped",
                                   "params": {"InstanceIds": [iid]}})
            try:
                self.calls.client("ec2").get_waiter("instance_stopped").wait(
                    InstanceIds=[iid], WaiterConfig={"Delay": self.options.wait_delay_s,
                                                     "MaxAttempts": self.options.wait_attempts})
            except Exception as exc:  # botocore WaiterError: a message is all we need
                raise ActionFailed(f"{iid} did not stop: {exc}") from exc
        self.calls.call("ec2", "modify_instance_attribute", InstanceId=iid,
                        InstanceType={"Value": to_type})
        if was in ("running", "pending", "stopping"):
            self.calls.call("ec2", "start_instances", InstanceIds=[iid])
        after = _instance_states(self.calls, [iid])
        if after.get(iid, {}).get("instance_type") != to_type:
            raise ActionFailed(f"{iid} is {after.get(iid)} after the change, not {to_type}")
        return {"after": after, "was": was}


class _StorageLifecycle(_Executor):
    def merged(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        from botocore.exceptions import ClientError

        bucket = str(self.p["bucket"])
        self.calls.call("s3", "head_bucket", Bucket=bucket)
        try:
            existing = self.calls.client("s3").get_bucket_lifecycle_configuration(
                Bucket=bucket).get("Rules", [])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchLifecycleConfiguration":
                raise ActionFailed(f"s3 get_bucket_lifecycle_configuration: {exc}") from exc
            existing = []
        self.calls.log.append({"service": "s3", "operation": "get_bucket_lifecycle_configuration",
                               "params": {"Bucket": bucket}, "response": _jsonable(existing)})
        ours = _lifecycle_rule(self.rec)
        kept = [r for r in existing if r.get("ID") != ours["ID"]]
        return existing, [*kept, ours]

    def preflight(self) -> dict[str, Any]:
        existing, merged = self.merged()
        return {"before": existing, "would_put": merged}

    def apply(self) -> dict[str, Any]:
        bucket = str(self.p["bucket"])
        _, merged = self.merged()
        self.calls.call("s3", "put_bucket_lifecycle_configuration", Bucket=bucket,
                        LifecycleConfiguration={"Rules": merged})
        after = self.calls.call("s3", "get_bucket_lifecycle_configuration", Bucket=bucket)
        ids = [r.get("ID") for r in after.get("Rules", [])]
        if _lifecycle_rule(self.rec)["ID"] not in ids:
            raise ActionFailed(f"rule not found on s3://{bucket} after the put: {ids}")
        return {"after": after.get("Rules", [])}


class _EndpointCount(_Executor):
    def variant(self) -> tuple[str, dict[str, Any]]:
        name = str(self.p["endpoint_name"])
        described = self.calls.call("sagemaker", "describe_endpoint", EndpointName=name)
        variants = described.get("ProductionVariants", [])
        wanted = self.p.get("variant_name")
        chosen = [v for v in variants if not wanted or v.get("VariantName") == wanted]
        if not chosen:
            raise ActionFailed(f"endpoint {name} has no variant {wanted!r}")
        if len(chosen) > 1:
            raise ActionFailed(f"endpoint {name} has {len(chosen)} variants: name one in "
                               "action_params.variant_name")
        return str(chosen[0]["VariantName"]), described

    def preflight(self) -> dict[str, Any]:
        variant, described = self.variant()
        status = described.get("EndpointStatus")
        if status != "InService":
            raise ActionFailed(f"endpoint {self.p['endpoint_name']} is {status}, not InService")
        return {"before": described.get("ProductionVariants"), "variant": variant,
                "would_set_instances": int(self.p["desired_instance_count"])}

    def apply(self) -> dict[str, Any]:
        name, count = str(self.p["endpoint_name"]), int(self.p["desired_instance_count"])
        variant, _ = self.variant()
        self.calls.call("sagemaker", "update_endpoint_weights_and_capacities", EndpointName=name,
                        DesiredWeightsAndCapacities=[{"VariantName": variant,
                                                      "DesiredInstanceCount": count}])
        after = self.calls.call("sagemaker", "describe_endpoint", EndpointName=name)
        got = [v.get("DesiredInstanceCount", v.get("CurrentInstanceCount"))
               for v in after.get("ProductionVariants", []) if v.get("VariantName") == variant]
        if got != [count]:
            raise ActionFailed(f"endpoint {name} variant {variant} wants {got} instances, not {count}")
        return {"after": after.get("ProductionVariants")}


class _AsgMinSize(_Executor):
    def group(self) -> dict[str, Any]:
        name = self.p.get("asg_name")
        if not name:
            ids = [str(i) for i in self.p.get("instance_ids", [])]
            found = self.calls.call("autoscaling", "describe_auto_scaling_instances", InstanceIds=ids)
            groups = sorted({i["AutoScalingGroupName"] for i in found.get("AutoScalingInstances", [])})
            if len(groups) != 1:
                raise ActionFailed(f"instances {ids} belong to {len(groups)} Auto Scaling groups "
                                   f"({groups}): set action_params.asg_name")
            name = groups[0]
        out = self.calls.call("autoscaling", "describe_auto_scaling_groups",
                              AutoScalingGroupNames=[name])
        if not out.get("AutoScalingGroups"):
            raise ActionFailed(f"no Auto Scaling group {name}")
        group: dict[str, Any] = out["AutoScalingGroups"][0]
        return group

    def preflight(self) -> dict[str, Any]:
        group = self.group()
        return {"group": group["AutoScalingGroupName"],
                "before": {k: group.get(k) for k in ("MinSize", "MaxSize", "DesiredCapacity")},
                "would_set_min_size": int(self.p["min_size"])}

    def apply(self) -> dict[str, Any]:
        group = self.group()
        name, size = group["AutoScalingGroupName"], int(self.p["min_size"])
        self.calls.call("autoscaling", "update_auto_scaling_group", AutoScalingGroupName=name,
                        MinSize=size)
        after = self.calls.call("autoscaling", "describe_auto_scaling_groups",
                                AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
        if after.get("MinSize") != size:
            raise ActionFailed(f"group {name} has MinSize {after.get('MinSize')}, not {size}")
        return {"group": name,
                "after": {k: after.get(k) for k in ("MinSize", "MaxSize", "DesiredCapacity")}}


_EXECUTORS: dict[str, type[_Executor]] = {
    "stop_instance": _StopInstances,
    "change_instance_type": _ChangeInstanceType,
    "storage_lifecycle": _StorageLifecycle,
    "endpoint_instance_count": _EndpointCount,
    "autoscaling_min_size": _AsgMinSize,
}
assert set(_EXECUTORS) == set(APPLICABLE_KINDS)


def check_can_apply(rec: Recommendation) -> None:
    """Raise unless `apply` may touch the cloud for this recommendation."""
    if rec.status != "accepted":
        raise RecommendationError(
            f"{rec.id} is {rec.status}: only an accepted recommendation is applied "
            f"(`aifinops recs accept {rec.id}` first)")
    if rec.action_kind not in _EXECUTORS:
        raise RecommendationError(
            f"{rec.id} is advice ({rec.action_kind}): follow its plan by hand "
            f"(`aifinops recs show {rec.id}`)")
    if (rec.provider or "aws") != "aws":
        raise RecommendationError(
            f"{rec.id} is on {rec.provider}: aifinops applies AWS actions only; run the gcloud "
            "commands of its plan")


def apply_recommendation(
    store: Store,
    rec_id: str,
    *,
    dry_run: bool = False,
    confirmed: bool = False,
    by: str | None = None,
    aws: AwsOptions | None = None,
) -> ActionResult:
    """Dry-run or apply an accepted recommendation; record calls, outcome and new status."""
    options = aws or AwsOptions()
    rec = get_recommendation(store.conn, rec_id)
    check_can_apply(rec)
    if not dry_run and not confirmed:
        raise RecommendationError(f"applying {rec.id} changes your cloud: pass --yes (after "
                                  "reading the plan), or --dry-run to check it first")
    actor = current_actor(by)
    calls = _Calls(options, rec.action_params.get("region"))
    executor = _EXECUTORS[rec.action_kind](rec, calls, options)
    state: dict[str, Any] = {}
    error: str | None = None
    try:
        state = {"dry_run": executor.preflight()}
        if not dry_run:
            state["applied"] = executor.apply()
    except ActionFailed as exc:
        error = str(exc)
    mode = "dry-run" if dry_run else "apply"
    outcome = "failed" if error else "ok"
    status = rec.status
    with transaction(store.conn):
        store.conn.execute(
            "insert into recommendation_actions (rec_id, acted_at, actor, action_kind, mode, "
            "outcome, request, response, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [rec.id, datetime.now(UTC), actor, rec.action_kind, mode, outcome,
             json.dumps([{k: c[k] for k in ("service", "operation", "params")} for c in calls.log]),
             json.dumps({"calls": calls.log, "state": state}, default=str), error])
        if not dry_run:
            status = "failed" if error else "applied"
            record_outcome(store.conn, rec, status, actor=actor,
                           reason=error or f"{rec.action_kind} applied ({len(calls.log)} API calls)")
    return ActionResult(rec.id, mode, outcome, status, calls.log, state, error)


def action_log(store: Store, rec_id: str) -> list[dict[str, Any]]:
    """Every dry run and apply of a recommendation, oldest first."""
    rows = store.conn.execute(
        "select acted_at, actor, action_kind, mode, outcome, request, error "
        "from recommendation_actions where lower(rec_id) = lower(?) order by action_id",
        [normalise_id(rec_id)]).fetchall()
    return [{"acted_at": r[0], "actor": r[1], "action_kind": r[2], "mode": r[3], "outcome": r[4],
             "request": json.loads(r[5]) if r[5] else [], "error": r[6]} for r in rows]
