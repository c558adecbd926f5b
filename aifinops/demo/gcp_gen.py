"""The demo world's GCP bill: a detailed (resource-level) billing export, as BigQuery exports it.

Three of the world's models also run on Google Cloud: vision-diffusion fine-tuning on an
a2-highgpu-1g (one A100, research), embed-small serving on a g2-standard-8 (one L4, applied-ai,
covered by a committed use discount), and summarizer-3b on a Vertex AI online prediction
endpoint (an L4, staging). Hourly rows per SKU (cores, memory, GPU), daily storage and egress,
credits (CUD, sustained use, a promotion), late rows exported a day later, and the first hours
of November UTC billed to the October invoice month (Google bills in Pacific time). Written as
parquet with the export's nesting (records, repeated label and credit records). Deterministic.

    python -m aifinops.demo.gcp_gen sample_data     # rewrite sample_data/gcp/
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from aifinops.demo import world

BILLING_ACCOUNT = "01A2B3-C4D5E6-F7A8B9"
TABLE_NAME = f"gcp_billing_export_resource_v1_{BILLING_ACCOUNT.replace('-', '_')}"
PACIFIC = ZoneInfo("America/Los_Angeles")
COMPUTE = ("6F81-5844-456A", "Compute Engine")
VERTEX = ("C7E2-9256-1C43", "Vertex AI")
STORAGE = ("95FF-2EF5-5EA1", "Cloud Storage")
NETWORK = ("E505-1604-58F8", "Networking")


@dataclass(frozen=True)
class Sku:
    id: str
    description: str
    usd_per_hour: float
    unit: str  # usage.unit: seconds (GPUs, cores) or byte-seconds (memory)
    quantity: float  # GPUs, vCPUs or GiB
    is_gpu: bool = False


@dataclass(frozen=True)
class GcpHost:
    name: str
    project: str
    service: tuple[str, str]
    machine_type: str | None
    zone: str
    skus: tuple[Sku, ...]
    labels: dict[str, str]
    cud: bool = False  # a 1-year resource-based CUD covers its cores and memory


HOSTS = (
    GcpHost("gcp-train-01", "acme-ml-research", COMPUTE, "a2-highgpu-1g", "us-central1-a", (
        Sku("A2-CORE", "A2 Instance Core running in Americas", 0.031611 * 12, "seconds", 12),
        Sku("A2-RAM", "A2 Instance Ram running in Americas", 0.004237 * 85, "byte-seconds", 85),
        Sku("GPU-A100", "Nvidia Tesla A100 GPU running in Americas", 2.933908, "seconds", 1,
            is_gpu=True),
    ), {"model": "vision-diffusion", "team": "research", "env": "dev"}),
    GcpHost("gcp-infer-01", "acme-ml-serving", COMPUTE, "g2-standard-8", "us-central1-b", (
        Sku("G2-CORE", "G2 Instance Core running in Americas", 0.024988 * 8, "seconds", 8),
        Sku("G2-RAM", "G2 Instance Ram running in Americas", 0.002927 * 32, "byte-seconds", 32),
        Sku("GPU-L4", "Nvidia L4 GPU running in Americas", 0.560040, "seconds", 1, is_gpu=True),
    ), {"model": "embed-small", "team": "applied-ai", "env": "prod"}, cud=True),
    GcpHost("summarizer-3b-staging", "acme-ml-serving", VERTEX, None, "us-central1", (
        Sku("VX-G2-CORE", "Vertex AI: Online/Batch Prediction G2 Instance Core running in "
            "Americas", 0.028736 * 8, "seconds", 8),
        Sku("VX-L4", "Vertex AI: Online/Batch Prediction NVIDIA L4 GPU running in Americas",
            0.644046, "seconds", 1, is_gpu=True),
    ), {"model": "summarizer-3b", "team": "applied-ai", "env": "staging"}),
)
CUD_SHARE = 0.37  # resource-based 1-year CUD: 37% off cores and memory
SUSTAINED_USE_SHARE = 0.20  # on A2 cores and memory past a quarter of the month
PROMOTION_USD = -150.0  # once a month
BUCKET_GB = 42_000.0
BUCKET_USD_PER_GB_MONTH = 0.020
EGRESS_GB_PER_DAY = 120.0
EGRESS_USD_PER_GB = 0.12


def _jitter(*parts: object) -> float:
    """A stable number in [0, 1) from the parts (no randomness: the world is deterministic)."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()
    return int(digest[:8], 16) / 0x1_0000_0000


def invoice_month(moment: datetime) -> str:
    return moment.astimezone(PACIFIC).strftime("%Y%m")


def _labels(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in values.items()]


def _row(*, start: datetime, hours: float, service: tuple[str, str], sku: Sku | tuple[str, str],
         project: str, cost: float, usage_amount: float, usage_unit: str, pricing_amount: float,
         pricing_unit: str, labels: dict[str, str], system_labels: dict[str, str],
         resource: str | None, global_name: str | None, location: str, zone: str | None,
         credits: list[dict[str, Any]], effective_price: float) -> dict[str, Any]:
    end = start + timedelta(hours=hours)
    sku_id, sku_description = (sku.id, sku.description) if isinstance(sku, Sku) else sku
    # Most rows arrive within hours; one in twenty a day late (late rows restate their month).
    delay = 4 + 20 * _jitter("export", sku_id, start) + (26 if _jitter("late", sku_id, start)
                                                          < 0.05 else 0)
    return {
        "billing_account_id": BILLING_ACCOUNT,
        "service": {"id": service[0], "description": service[1]},
        "sku": {"id": sku_id, "description": sku_description},
        "usage_start_time": start,
        "usage_end_time": end,
        "project": {"id": project, "number": str(100000000000 + int(_jitter(project) * 1e9)),
                    "name": project, "labels": _labels({"cost-center": "ml"}),
                    "ancestry_numbers": "/1122334455/"},
        "labels": _labels(labels),
        "system_labels": _labels(system_labels),
        "location": {"location": location, "country": "US", "region": location,
                     "zone": zone},
        "resource": {"name": resource, "global_name": global_name},
        "export_time": end + timedelta(hours=delay),
        "cost": round(cost, 6),
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {"amount": usage_amount, "unit": usage_unit,
                  "amount_in_pricing_units": pricing_amount, "pricing_unit": pricing_unit},
        "credits": credits,
        "invoice": {"month": invoice_month(start), "publisher_type": "Google"},
        "cost_type": "regular",
        "adjustment_info": None,
        "price": {"effective_price": effective_price, "tier_start_amount": 0.0,
                  "unit": pricing_unit, "pricing_unit_quantity": 1.0},
        "cost_at_list": round(cost, 6),
        "transaction_type": "GOOGLE",
        "seller_name": None,
        "subscription": {"instance_id": "cud-g2-1yr-demo" if credits and any(
            c["type"] == "COMMITTED_USAGE_DISCOUNT" for c in credits) else None},
    }


def host_rows(host: GcpHost, start: datetime) -> Iterator[dict[str, Any]]:
    system = {"compute.googleapis.com/machine_spec": host.machine_type} if host.machine_type else {}
    if host.service == COMPUTE:
        global_name = (f"//compute.googleapis.com/projects/{host.project}/zones/{host.zone}/"
                       f"instances/{host.name}")
        location = host.zone.rsplit("-", 1)[0]
    else:
        global_name = (f"//aiplatform.googleapis.com/projects/{host.project}/locations/"
                       f"{host.zone}/endpoints/{host.name}")
        location = host.zone
    hour_of_month = (start - start.replace(day=1, hour=0)).total_seconds() / 3600
    for sku in host.skus:
        cost = sku.usd_per_hour
        credits: list[dict[str, Any]] = []
        if host.cud and not sku.is_gpu:
            credits.append({"name": "Committed use discount: G2 1 year", "amount":
                            round(-cost * CUD_SHARE, 6), "full_name": None, "id": "cud-g2",
                            "type": "COMMITTED_USAGE_DISCOUNT"})
        elif host.machine_type == "a2-highgpu-1g" and not sku.is_gpu and hour_of_month > 182:
            credits.append({"name": "Sustained Usage Discount", "amount":
                            round(-cost * SUSTAINED_USE_SHARE, 6), "full_name": None,
                            "id": "sud", "type": "SUSTAINED_USAGE_DISCOUNT"})
        seconds = 3600.0 * sku.quantity
        amount = seconds * (1024 ** 3) if sku.unit == "byte-seconds" else seconds
        yield _row(start=start, hours=1, service=host.service, sku=sku, project=host.project,
                   cost=cost, usage_amount=amount, usage_unit=sku.unit,
                   pricing_amount=sku.quantity, pricing_unit="gibibyte hour"
                   if sku.unit == "byte-seconds" else "hour", labels=host.labels,
                   system_labels=system, resource=host.name, global_name=global_name,
                   location=location, zone=host.zone if host.service == COMPUTE else None,
                   credits=credits, effective_price=round(cost / sku.quantity, 6))


def day_rows(day: datetime) -> Iterator[dict[str, Any]]:
    days_in_month = 31 if day.month == 10 else 30
    gb_month = BUCKET_GB / days_in_month
    yield _row(start=day, hours=24, service=STORAGE, sku=("STD-US", "Standard Storage US Multi-region"),
               project="acme-ml-research", cost=gb_month * BUCKET_USD_PER_GB_MONTH,
               usage_amount=gb_month * 1024 ** 3 * 30 * 86400 / 30, usage_unit="byte-seconds",
               pricing_amount=gb_month, pricing_unit="gibibyte month",
               labels={"model": "vision-diffusion", "team": "research"}, system_labels={},
               resource="acme-diffusion-datasets",
               global_name="//storage.googleapis.com/projects/_/buckets/acme-diffusion-datasets",
               location="us", zone=None, credits=[],
               effective_price=BUCKET_USD_PER_GB_MONTH)
    gb = EGRESS_GB_PER_DAY * (0.7 + 0.6 * _jitter("egress", day))
    yield _row(start=day, hours=24, service=NETWORK,
               sku=("EGRESS-NA", "Network Internet Egress from Americas to Americas"),
               project="acme-ml-serving", cost=gb * EGRESS_USD_PER_GB, usage_amount=gb * 1024 ** 3,
               usage_unit="bytes", pricing_amount=gb, pricing_unit="gibibyte",
               labels={"model": "embed-small", "team": "applied-ai"}, system_labels={},
               resource=None, global_name=None, location="us-central1", zone=None, credits=[],
               effective_price=EGRESS_USD_PER_GB)
    if day.day == 1:
        promo = {"name": "Promotional credit: AI startup program", "amount": PROMOTION_USD,
                 "full_name": None, "id": "promo-ai", "type": "PROMOTION"}
        row = _row(start=day + timedelta(hours=8), hours=1, service=VERTEX,
                   sku=("VX-CREDIT", "Vertex AI: promotional credit"), project="acme-ml-serving",
                   cost=0.0, usage_amount=0.0, usage_unit="seconds", pricing_amount=0.0,
                   pricing_unit="hour", labels={}, system_labels={}, resource=None,
                   global_name=None, location="us-central1", zone=None, credits=[promo],
                   effective_price=0.0)
        yield row


def export_rows() -> Iterator[dict[str, Any]]:
    hour = world.WORLD_START
    while hour < world.WORLD_END:
        for host in HOSTS:
            yield from host_rows(host, hour)
        if hour.hour == 0:
            yield from day_rows(hour)
        hour += timedelta(hours=1)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def write_gcp_export(root: Path) -> list[Path]:
    """Write `root/gcp/<table>/<invoice month>.parquet`, nested as a BigQuery parquet export."""
    out = root / "gcp" / TABLE_NAME
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        spool = Path(tmp) / "rows.json"
        with spool.open("w", encoding="utf-8") as handle:
            for row in export_rows():
                handle.write(json.dumps(_jsonable(row)) + "\n")
        conn = duckdb.connect()
        conn.execute("SET TimeZone = 'UTC'")
        rows = (f"SELECT * REPLACE (CAST(usage_start_time AS TIMESTAMPTZ) AS usage_start_time, "
                f"CAST(usage_end_time AS TIMESTAMPTZ) AS usage_end_time, "
                f"CAST(export_time AS TIMESTAMPTZ) AS export_time) "
                f"FROM read_json('{spool}', sample_size = -1)")
        for month in ("202610", "202611"):
            path = out / f"invoice_month={month}.parquet"
            conn.execute(f"COPY ({rows} WHERE invoice.month = '{month}' ORDER BY "
                         f"usage_start_time, sku.id) TO '{path}' (FORMAT parquet, "
                         "COMPRESSION zstd)")
            written.append(path)
        conn.close()
    return written


def main(argv: list[str]) -> None:
    root = Path(argv[1] if len(argv) > 1 else "sample_data")
    for path in write_gcp_export(root):
        print(path)


if __name__ == "__main__":
    main(sys.argv)
