"""Small, exact CUR files for tests: CUR 2.0 parquet/CSV and legacy CSV, row by row.

The demo generator makes realistic months; these make the few rows a test needs to state its
expected totals by hand.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb


@dataclass
class Line:
    start: str  # 'YYYY-MM-DD HH:MM:SS' UTC
    cost: float
    type: str = "Usage"
    product: str = "AmazonEC2"
    resource: str = "i-0test"
    usage_type: str = "USE1-BoxUsage:g5.2xlarge"
    instance_type: str = "g5.2xlarge"
    amount: float = 1.0
    public_cost: float | None = None
    sp_effective: float | None = None
    sp_commitment: float | None = None
    sp_used: float | None = None
    sp_arn: str = ""
    currency: str = "USD"
    account: str = "210987654321"
    payer: str = "111122223333"
    period: str = "2026-10-01 00:00:00"
    term: str = "OnDemand"
    tags: dict[str, str] = field(default_factory=dict)

    def end(self) -> str:
        from datetime import datetime, timedelta

        return str(datetime.fromisoformat(self.start) + timedelta(hours=1))

    def period_end(self) -> str:
        from datetime import datetime

        start = datetime.fromisoformat(self.period)
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return str(start.replace(year=year, month=month))


CUR2_COLUMNS: list[tuple[str, str]] = [
    ("identity_line_item_id", "VARCHAR"),
    ("bill_billing_period_start_date", "TIMESTAMP"),
    ("bill_billing_period_end_date", "TIMESTAMP"),
    ("bill_payer_account_id", "VARCHAR"),
    ("line_item_line_item_type", "VARCHAR"),
    ("line_item_usage_start_date", "TIMESTAMP"),
    ("line_item_usage_end_date", "TIMESTAMP"),
    ("line_item_unblended_cost", "DOUBLE"),
    ("line_item_net_unblended_cost", "DOUBLE"),
    ("line_item_usage_amount", "DOUBLE"),
    ("line_item_currency_code", "VARCHAR"),
    ("line_item_product_code", "VARCHAR"),
    ("line_item_usage_type", "VARCHAR"),
    ("line_item_resource_id", "VARCHAR"),
    ("line_item_usage_account_id", "VARCHAR"),
    ("pricing_public_on_demand_cost", "DOUBLE"),
    ("pricing_public_on_demand_rate", "VARCHAR"),
    ("pricing_term", "VARCHAR"),
    ("product_instance_type", "VARCHAR"),
    ("product_region_code", "VARCHAR"),
    ("savings_plan_savings_plan_effective_cost", "DOUBLE"),
    ("savings_plan_total_commitment_to_date", "DOUBLE"),
    ("savings_plan_used_commitment", "DOUBLE"),
    ("savings_plan_savings_plan_a_r_n", "VARCHAR"),
    ("resource_tags", "MAP(VARCHAR, VARCHAR)"),
]


def _row(i: int, line: Line) -> list[Any]:
    return [
        f"line-{i}", line.period, line.period_end(), line.payer, line.type, line.start, line.end(),
        line.cost, None, line.amount, line.currency, line.product, line.usage_type, line.resource,
        line.account, line.public_cost, None if line.public_cost is None else str(line.public_cost),
        line.term, line.instance_type, "us-east-1", line.sp_effective, line.sp_commitment,
        line.sp_used, line.sp_arn, line.tags,
    ]


def write_cur2_parquet(path: Path, lines: list[Line]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect()
    conn.execute("create table t (" + ", ".join(f"{n} {t}" for n, t in CUR2_COLUMNS) + ")")
    conn.executemany(f"insert into t values ({', '.join('?' * len(CUR2_COLUMNS))})",
                     [_row(i, line) for i, line in enumerate(lines)])
    conn.execute(f"copy t to '{path}' (format parquet)")
    conn.close()
    return path


def write_cur2_csv_gz(path: Path, lines: list[Line]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([n for n, _ in CUR2_COLUMNS])
        for i, line in enumerate(lines):
            row = _row(i, line)
            row[-1] = json.dumps(line.tags)
            writer.writerow(["" if v is None else v for v in row])
    return path


LEGACY_HEADER = [
    "identity/LineItemId", "bill/PayerAccountId", "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate", "lineItem/UsageAccountId", "lineItem/LineItemType",
    "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/ProductCode",
    "lineItem/UsageType", "lineItem/ResourceId", "lineItem/UsageAmount", "lineItem/CurrencyCode",
    "lineItem/UnblendedCost", "pricing/publicOnDemandCost", "product/instanceType",
    "product/region", "savingsPlan/SavingsPlanARN", "savingsPlan/SavingsPlanEffectiveCost",
]


def iso(ts: str) -> str:
    return ts.replace(" ", "T") + "Z"


def write_legacy_csv_gz(path: Path, lines: list[Line], tag_keys: list[str],
                        header: list[str] | None = None) -> Path:
    """Legacy CUR: `category/Name` headers, ISO timestamps with Z, tags as resourceTags/ columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = header or LEGACY_HEADER
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header + [f"resourceTags/{k}" for k in tag_keys])
        for i, line in enumerate(lines):
            values = [
                f"legacy-{i}", line.payer, iso(line.period), iso(line.period_end()), line.account,
                line.type, iso(line.start), iso(line.end()), line.product, line.usage_type,
                line.resource, line.amount, line.currency, line.cost,
                "" if line.public_cost is None else line.public_cost, line.instance_type,
                "us-east-1", line.sp_arn,
                "" if line.sp_effective is None else line.sp_effective,
            ]
            writer.writerow(values + [line.tags.get(k, "") for k in tag_keys])
    return path


def cur2_layout(root: Path, period: str, name: str = "export-00001.snappy.parquet") -> Path:
    """Where AWS Data Exports puts a period's data file under an export folder."""
    return root / "ai-costs" / "data" / f"BILLING_PERIOD={period}" / name
