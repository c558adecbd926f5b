"""Builders and fixtures for GCP billing export tests (rows shaped like the BigQuery export)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.bq_server import FakeBigQuery

ACCOUNT = "01ABCD-234567-89EFAB"
TABLE = "acme-billing.billing_export.gcp_billing_export_resource_v1_01ABCD_234567_89EFAB"
PROJECT = "acme-ml-prod"


def ts(text: str) -> datetime:
    """'2026-10-01 03:00' (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Line:
    """One export row, with defaults for everything a test does not care about."""

    start: str  # usage_start_time, UTC
    cost: float
    invoice: str = "202610"
    hours: float = 1.0
    service: str = "Compute Engine"
    sku: str = "A2 Instance Core running in Americas"
    sku_id: str = "CP-A2-CORE"
    credits: tuple[float, ...] = ()
    credit_types: tuple[str, ...] = ()
    labels: dict[str, str] | None = None
    system_labels: dict[str, str] | None = None
    project_labels: dict[str, str] | None = None
    resource: str | None = "gpu-vm-1"
    project: str = PROJECT
    exported: str | None = None  # export_time; default: 6 hours after usage end
    usage_amount: float | None = None
    usage_unit: str = "seconds"
    cost_type: str = "regular"
    cost_at_list: float | None = None
    currency: str = "USD"
    account: str = ACCOUNT

    def row(self) -> dict[str, Any]:
        start = ts(self.start)
        end = start + timedelta(hours=self.hours)
        exported = ts(self.exported) if self.exported else end + timedelta(hours=6)
        credits = [{"name": f"credit-{i}", "amount": amount, "full_name": None, "id": f"c{i}",
                    "type": (self.credit_types[i] if i < len(self.credit_types) else "PROMOTION")}
                   for i, amount in enumerate(self.credits)]
        seconds = self.hours * 3600
        return {
            "billing_account_id": self.account,
            "service": {"id": "6F81-5844-456A", "description": self.service},
            "sku": {"id": self.sku_id, "description": self.sku},
            "usage_start_time": start,
            "usage_end_time": end,
            "project": {"id": self.project, "number": "123456789012", "name": self.project,
                        "labels": kv(self.project_labels), "ancestry_numbers": "/1/2/"},
            "labels": kv(self.labels),
            "system_labels": kv(self.system_labels),
            "location": {"location": "us-central1", "country": "US", "region": "us-central1",
                         "zone": "us-central1-a"},
            "resource": {"name": self.resource,
                         "global_name": (f"//compute.googleapis.com/projects/{self.project}/"
                                         f"zones/us-central1-a/instances/{self.resource}")
                         if self.resource else None},
            "export_time": exported,
            "cost": self.cost,
            "currency": self.currency,
            "currency_conversion_rate": 1.0,
            "usage": {"amount": self.usage_amount if self.usage_amount is not None else seconds,
                      "unit": self.usage_unit,
                      "amount_in_pricing_units": (self.usage_amount or seconds) / 3600,
                      "pricing_unit": "hour"},
            "credits": credits,
            "invoice": {"month": self.invoice, "publisher_type": "Google"},
            "cost_type": self.cost_type,
            "adjustment_info": None,
            "price": {"effective_price": self.cost / max(self.hours, 1e-9),
                      "tier_start_amount": 0.0, "unit": "hour", "pricing_unit_quantity": 1.0},
            "cost_at_list": self.cost_at_list,
            "transaction_type": "GOOGLE",
            "seller_name": None,
            "subscription": {"instance_id": None},
        }


def kv(pairs: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in (pairs or {}).items()]


def rows(lines: list[Line]) -> list[dict[str, Any]]:
    return [line.row() for line in lines]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def write_jsonl(path: Path, lines: list[Line]) -> Path:
    """As `bq extract --destination_format NEWLINE_DELIMITED_JSON` writes it (nulls omitted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows(lines):
            handle.write(json.dumps(_jsonable(row)) + "\n")
    return path


def running_fake_bq(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigQuery]:
    """A started fake BigQuery; no proxy, no real Google credentials, no metadata server.

    Test modules wrap it in their own fixture: `yield from running_fake_bq(monkeypatch)`.
    """
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "HTTPS_PROXY",
                 "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")  # never the real metadata server
    server = FakeBigQuery().start()
    try:
        yield server
    finally:
        server.stop()


def bq_options(server: FakeBigQuery, **extra: Any) -> dict[str, Any]:
    """Keyword arguments of ingest_gcp_bigquery that point it at the fake."""
    return {"api_endpoint": server.url, "anonymous": True, "retry_deadline_s": 0.5,
            "now": ts("2026-11-20 12:00"), **extra}


