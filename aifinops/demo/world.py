"""The demo world, defined once: accounts, hosts, GPUs, models, teams, endpoints and buckets.

Every generator (CUR 2.0, legacy CUR, GCP, FOCUS, nvidia-smi, DCGM) reads this module, so the
same host, instance id and GPU UUID appear in every source. Nothing here is random: behaviour
that varies (load curves, idle weeks) is described as data and turned into numbers by seeded
generators.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

# The bill covers October 2026 in full and November up to the 28th (month to date).
WORLD_START = datetime(2026, 10, 1, tzinfo=UTC)
WORLD_END = datetime(2026, 11, 29, tzinfo=UTC)  # exclusive
BILLING_PERIODS = ("2026-10", "2026-11")
SEED = 20261129

PAYER_ACCOUNT = "111122223333"  # the main AWS organisation, exported as CUR 2.0
PAYER_NAME = "acme-ai"
LEGACY_PAYER_ACCOUNT = "009988776655"  # the research org, still on legacy CUR (leading zeros!)
LEGACY_PAYER_NAME = "acme-research"
CUR2_EXPORT_NAME = "ai-costs"
LEGACY_REPORT_NAME = "research-cur"

ACCOUNTS: dict[str, str] = {
    "210987654321": "ml-training",
    "345678901234": "ml-serving",
    "456789012345": "data-platform",
    "001234567890": "research-lab",  # under the legacy payer
}


@dataclass(frozen=True)
class Host:
    """A GPU instance: what the bill calls it and what its GPUs report."""

    hostname: str
    instance_id: str
    instance_type: str
    region: str
    account: str
    purchase: str  # on-demand | spot | savings-plan
    pattern: str  # diurnal | idle-week | steady-low | shared | off-hours-dev | legacy-steady
    tags: dict[str, str] = field(default_factory=dict)
    models: tuple[str, ...] = ()  # processes seen on its GPUs (two on a shared host)
    payer: str = PAYER_ACCOUNT

    def gpu_uuids(self, count: int) -> list[str]:
        """Stable GPU UUIDs in nvidia-smi's spelling, derived from the instance id."""
        return [
            "GPU-" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.instance_id}/gpu/{i}"))
            for i in range(count)
        ]


def _tags(model: str | None, team: str | None, env: str | None) -> dict[str, str]:
    tags = {"model": model, "team": team, "env": env}
    return {k: v for k, v in tags.items() if v is not None}


HOSTS: tuple[Host, ...] = (
    Host("gpu-train-01", "i-0a1b2c3d4e5f60001", "p5.48xlarge", "us-east-1", "210987654321",
         "on-demand", "diurnal", _tags("llama-ft-70b", "research", "prod"), ("llama-ft-70b",)),
    Host("gpu-train-02", "i-0a1b2c3d4e5f60002", "p4d.24xlarge", "us-east-1", "210987654321",
         "spot", "diurnal", _tags("llama-ft-70b", "research", "prod"), ("llama-ft-70b",)),
    Host("gpu-train-03", "i-0a1b2c3d4e5f60003", "p4d.24xlarge", "us-west-2", "210987654321",
         "on-demand", "idle-week", _tags("recsys-ranker", "recsys", "prod"), ("recsys-ranker",)),
    Host("gpu-infer-01", "i-0b1b2c3d4e5f60011", "g5.2xlarge", "us-east-1", "345678901234",
         "savings-plan", "steady-low", _tags("support-chat-7b", "applied-ai", "prod"),
         ("support-chat-7b",)),
    Host("gpu-infer-02", "i-0b1b2c3d4e5f60012", "g5.2xlarge", "us-east-1", "345678901234",
         "savings-plan", "steady-low", _tags("support-chat-7b", "applied-ai", "prod"),
         ("support-chat-7b",)),
    Host("gpu-infer-03", "i-0b1b2c3d4e5f60013", "g5.2xlarge", "us-east-1", "345678901234",
         "on-demand", "steady-low", _tags("support-chat-7b", "applied-ai", "prod"),
         ("support-chat-7b",)),
    Host("gpu-infer-04", "i-0b1b2c3d4e5f60014", "g6.2xlarge", "us-east-1", "345678901234",
         "on-demand", "steady-low", _tags("support-chat-7b", "applied-ai", "staging"),
         ("support-chat-7b",)),
    Host("gpu-shared-01", "i-0c1b2c3d4e5f60021", "g6.12xlarge", "us-east-1", "345678901234",
         "on-demand", "shared", _tags(None, "applied-ai", "prod"), ("embed-small", "rerank-base")),
    # Untagged: lands in the unattributed bucket unless a rule claims it.
    Host("gpu-dev-01", "i-0d1b2c3d4e5f60031", "g6e.xlarge", "us-east-1", "210987654321",
         "on-demand", "off-hours-dev", {}, ("jupyter",)),
    # The research org, billed through the legacy CUR.
    Host("gpu-research-01", "i-0e1b2c3d4e5f60041", "g5.12xlarge", "us-east-1", "001234567890",
         "on-demand", "legacy-steady", _tags("vision-diffusion", "research", "dev"),
         ("vision-diffusion",), payer=LEGACY_PAYER_ACCOUNT),
)


@dataclass(frozen=True)
class Endpoint:
    """A SageMaker real-time endpoint, billed per instance-hour."""

    name: str
    instance_type: str  # ml.* type
    instance_count: int
    account: str
    region: str
    tags: dict[str, str]
    busy: bool  # False: near-zero traffic, a scale-to-zero candidate

    @property
    def arn(self) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:endpoint/{self.name}"


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("support-chat-7b-prod", "ml.g5.2xlarge", 2, "345678901234", "us-east-1",
             _tags("support-chat-7b", "applied-ai", "prod"), busy=True),
    Endpoint("summarizer-staging", "ml.g5.xlarge", 1, "345678901234", "us-east-1",
             _tags("summarizer-3b", "applied-ai", "staging"), busy=False),
)


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket; checkpoint buckets grow every day in STANDARD storage."""

    name: str
    account: str
    region: str
    start_gb: float
    growth_gb_per_day: float
    tags: dict[str, str]
    payer: str = PAYER_ACCOUNT


BUCKETS: tuple[Bucket, ...] = (
    Bucket("acme-llama-checkpoints", "210987654321", "us-east-1", 48_000, 900,
           _tags("llama-ft-70b", "research", "prod")),
    Bucket("acme-recsys-checkpoints", "210987654321", "us-west-2", 12_000, 150,
           _tags("recsys-ranker", "recsys", "prod")),
    Bucket("acme-model-artifacts", "345678901234", "us-east-1", 3_500, 10,
           _tags(None, "applied-ai", "prod")),
    Bucket("acme-datasets", "456789012345", "us-east-1", 150_000, 200, {}),
    Bucket("acme-research-scratch", "001234567890", "us-east-1", 8_000, 40,
           _tags("vision-diffusion", "research", "dev"), payer=LEGACY_PAYER_ACCOUNT),
)

# Bedrock on-demand token spend, tagged through an application inference profile.
BEDROCK_PROFILES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("arn:aws:bedrock:us-east-1:345678901234:application-inference-profile/agents",
     "345678901234", _tags("bedrock-agents", "applied-ai", "prod")),
)

# A Compute Savings Plan bought for the inference fleet: $/hour committed.
SAVINGS_PLAN_ARN = "arn:aws:savingsplans::111122223333:savingsplan/3c2f1d9e-5b7a-4f41-9a5e-demo00000001"
SAVINGS_PLAN_HOURLY_COMMITMENT = 1.60
SAVINGS_PLAN_DISCOUNT = 0.28  # SP rate = on-demand x (1 - discount)

MONTHLY_CREDIT_USD = -750.0  # a promotional credit, applied once a month
TAX_RATE = 0.0  # US accounts here pay no sales tax on most services; a fixed tax row instead
MONTHLY_TAX_USD = 412.35

MODELS = ("llama-ft-70b", "recsys-ranker", "support-chat-7b", "embed-small", "rerank-base",
          "summarizer-3b", "bedrock-agents", "vision-diffusion")
TEAMS = ("research", "recsys", "applied-ai")
