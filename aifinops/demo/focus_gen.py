"""The demo world's Azure bill: a FOCUS 1.0 cost export, as Cost Management writes it.

Two of the world's models also run on Azure GPU VMs (overflow training of llama-ft-70b on an
ND96asr v4 with eight A100s; a support-chat-7b replica on an NC24ads A100 v4), plus the
storage and bandwidth they use. Azure's exports are daily, one run folder per month with a
manifest.json (`<export>/<YYYYMMDD-YYYYMMDD>/<run id>/part_0_0001.csv.gz`), FOCUS columns followed
by Microsoft's `x_` columns. Deterministic: the same world gives the same files.

    python -m aifinops.demo.focus_gen sample_data     # rewrite sample_data/focus/
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aifinops.demo import world

BILLING_ACCOUNT = "/providers/Microsoft.Billing/billingAccounts/7a1f3c2e-demo:acme-ai_2019-05-31"
BILLING_ACCOUNT_NAME = "Acme AI"
SUBSCRIPTION = "/subscriptions/4d7e2b9a-1c3f-4e5d-8a6b-0c9d8e7f6a5b"
SUBSCRIPTION_NAME = "ml-azure"
EXPORT_NAME = "acme-focus-daily"

# FOCUS 1.0 columns in the order Microsoft's FocusCost 1.0 export writes them, then its x_ ones.
FOCUS_10 = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus",
    "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
    "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
)
X_COLUMNS = ("x_BilledCostInUsd", "x_EffectiveCostInUsd", "x_ResourceGroupName", "x_SkuDetails",
             "x_SkuMeterCategory", "x_SkuMeterSubcategory", "x_SkuMeterName", "x_SkuRegion")


@dataclass(frozen=True)
class AzureVm:
    name: str
    size: str  # Standard_ND96asr_v4
    series: str  # meter subcategory
    meter: str
    usd_per_hour: float
    list_usd_per_hour: float
    resource_group: str
    region: str
    region_name: str
    hours_per_day: tuple[float, ...]  # a weekly pattern, Monday first
    tags: dict[str, str]


VMS = (
    AzureVm("az-train-01", "Standard_ND96asr_v4", "NDasrA100 v4 Series", "ND96asr A100 v4",
            27.197, 27.197, "ml-training", "eastus", "East US",
            (24, 24, 24, 24, 24, 12, 0), {"model": "llama-ft-70b", "team": "research",
                                          "env": "prod"}),
    AzureVm("az-infer-01", "Standard_NC24ads_A100_v4", "NCADS A100 v4 Series", "NC24ads A100 v4",
            3.673, 3.673, "ml-serving", "eastus", "East US",
            (24, 24, 24, 24, 24, 24, 24), {"model": "support-chat-7b", "team": "applied-ai",
                                           "env": "prod"}),
)
STORAGE_GB = 18_000.0  # checkpoints of the Azure training runs, hot tier
STORAGE_USD_PER_GB_MONTH = 0.0184
EGRESS_GB_PER_DAY = 85.0
EGRESS_USD_PER_GB = 0.087


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if value else "0"


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _row(**values: object) -> dict[str, str]:
    out = {name: "" for name in (*FOCUS_10, *X_COLUMNS)}
    for key, value in values.items():
        out[key] = "" if value is None else str(value)
    return out


def day_rows(day: datetime, period_start: datetime, period_end: datetime) -> list[dict[str, str]]:
    """One day of the Azure bill: each VM's hours, the storage account, the bandwidth."""
    common = {
        "BillingAccountId": BILLING_ACCOUNT, "BillingAccountName": BILLING_ACCOUNT_NAME,
        "BillingCurrency": "USD", "BillingPeriodStart": _iso(period_start),
        "BillingPeriodEnd": _iso(period_end), "ChargeCategory": "Usage",
        "ChargeFrequency": "Usage-Based", "ChargePeriodStart": _iso(day),
        "ChargePeriodEnd": _iso(day + timedelta(days=1)), "InvoiceIssuerName": "Microsoft",
        "ProviderName": "Microsoft", "PublisherName": "Microsoft", "PricingCategory": "Standard",
        "SubAccountId": SUBSCRIPTION, "SubAccountName": SUBSCRIPTION_NAME,
    }
    rows = []
    for vm in VMS:
        hours = vm.hours_per_day[day.weekday()]
        if not hours:
            continue
        cost = hours * vm.usd_per_hour
        resource = (f"{SUBSCRIPTION}/resourcegroups/{vm.resource_group}/providers/"
                    f"microsoft.compute/virtualmachines/{vm.name}")
        rows.append(_row(
            **common, BilledCost=_money(cost), EffectiveCost=_money(cost),
            ContractedCost=_money(cost), ListCost=_money(hours * vm.list_usd_per_hour),
            ContractedUnitPrice=vm.usd_per_hour, ListUnitPrice=vm.list_usd_per_hour,
            ChargeDescription=f"{vm.series} - {vm.meter} - {vm.region_name}",
            ConsumedQuantity=hours, ConsumedUnit="Hours", PricingQuantity=hours,
            PricingUnit="1 Hour", RegionId=vm.region, RegionName=vm.region_name,
            ResourceId=resource, ResourceName=vm.name, ResourceType="Virtual machine",
            ServiceCategory="Compute", ServiceName="Virtual Machines",
            SkuId=_guid("sku", vm.size)[:12].upper(), SkuPriceId=_guid("price", vm.size)[:16],
            Tags=json.dumps(vm.tags, separators=(",", ":")),
            x_BilledCostInUsd=_money(cost), x_EffectiveCostInUsd=_money(cost),
            x_ResourceGroupName=vm.resource_group,
            x_SkuDetails=json.dumps({"ServiceType": vm.size, "VCPUs": 96 if "ND" in vm.size
                                     else 24, "ImageType": "Canonical"}, separators=(",", ":")),
            x_SkuMeterCategory="Virtual Machines", x_SkuMeterSubcategory=vm.series,
            x_SkuMeterName=vm.meter, x_SkuRegion="US East"))
    days_in_month = (period_end - period_start).days
    storage_gb_month = STORAGE_GB / days_in_month
    storage = storage_gb_month * STORAGE_USD_PER_GB_MONTH
    account = f"{SUBSCRIPTION}/resourcegroups/ml-training/providers/microsoft.storage/" \
              "storageaccounts/acmeazckpt"
    rows.append(_row(
        **common, BilledCost=_money(storage), EffectiveCost=_money(storage),
        ContractedCost=_money(storage), ListCost=_money(storage),
        ContractedUnitPrice=STORAGE_USD_PER_GB_MONTH, ListUnitPrice=STORAGE_USD_PER_GB_MONTH,
        ChargeDescription="Blob Storage - Hot LRS Data Stored", ConsumedQuantity=
        round(storage_gb_month, 6), ConsumedUnit="GB/Month", PricingQuantity=
        round(storage_gb_month, 6), PricingUnit="1 GB/Month", RegionId="eastus",
        RegionName="East US", ResourceId=account, ResourceName="acmeazckpt",
        ResourceType="Storage account", ServiceCategory="Storage", ServiceName="Storage Accounts",
        SkuId="DZH318Z0BNVX", SkuPriceId="DZH318Z0BNVX-0001",
        Tags=json.dumps({"model": "llama-ft-70b", "team": "research"}, separators=(",", ":")),
        x_BilledCostInUsd=_money(storage), x_EffectiveCostInUsd=_money(storage),
        x_ResourceGroupName="ml-training", x_SkuMeterCategory="Storage",
        x_SkuMeterSubcategory="Blob Storage", x_SkuMeterName="Hot LRS Data Stored",
        x_SkuRegion="US East"))
    jitter = int(hashlib.sha256(day.isoformat().encode()).hexdigest()[:4], 16) / 65535
    egress_gb = EGRESS_GB_PER_DAY * (0.8 + 0.4 * jitter)
    egress = egress_gb * EGRESS_USD_PER_GB
    rows.append(_row(
        **common, BilledCost=_money(egress), EffectiveCost=_money(egress),
        ContractedCost=_money(egress), ListCost=_money(egress),
        ContractedUnitPrice=EGRESS_USD_PER_GB, ListUnitPrice=EGRESS_USD_PER_GB,
        ChargeDescription="Bandwidth - Standard Data Transfer Out",
        ConsumedQuantity=round(egress_gb, 4), ConsumedUnit="GB",
        PricingQuantity=round(egress_gb, 4), PricingUnit="1 GB", RegionId="eastus",
        RegionName="East US", ServiceCategory="Networking", ServiceName="Bandwidth",
        SkuId="DZH318Z0BP04", SkuPriceId="DZH318Z0BP04-0002",
        x_BilledCostInUsd=_money(egress), x_EffectiveCostInUsd=_money(egress),
        x_SkuMeterCategory="Bandwidth", x_SkuMeterSubcategory="Rtn Preference: MGN",
        x_SkuMeterName="Standard Data Transfer Out", x_SkuRegion="Zone 1"))
    return rows


def write_azure_focus(root: Path) -> list[Path]:
    """Write `root/azure/<export>/<range>/<run>/part_0_0001.csv.gz` (+ manifest.json) a month."""
    base = root / "azure" / EXPORT_NAME
    if base.exists():
        shutil.rmtree(base)
    written = []
    for period in world.BILLING_PERIODS:
        year, month = (int(p) for p in period.split("-"))
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        last = min(end, world.WORLD_END)
        folder = base / f"{start:%Y%m%d}-{end - timedelta(days=1):%Y%m%d}" / _guid("run", period)
        folder.mkdir(parents=True)
        path = folder / "part_0_0001.csv.gz"
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=[*FOCUS_10, *X_COLUMNS])
        writer.writeheader()
        day = start
        count = 0
        while day < last:
            rows = day_rows(day, start, end)
            writer.writerows(rows)
            count += len(rows)
            day += timedelta(days=1)
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
            packed.write(buffer.getvalue().encode("utf-8"))
        manifest = {
            "exportConfig": {"exportName": EXPORT_NAME, "type": "FocusCost",
                             "dataVersion": "1.0"},
            "runInfo": {"runId": folder.name, "submittedTime": f"{last:%Y-%m-%d}T06:00:00Z",
                        "startDate": _iso(start), "endDate": _iso(end)},
            "blobs": [{"blobName": path.name, "dataRowCount": count}],
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        written.append(path)
    return written


def main(argv: list[str]) -> None:
    root = Path(argv[1] if len(argv) > 1 else "sample_data") / "focus"
    for path in write_azure_focus(root):
        print(path)


if __name__ == "__main__":
    main(sys.argv)
