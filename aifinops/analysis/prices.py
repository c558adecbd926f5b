"""Instance prices: the shipped catalog, and `aifinops prices update` from the AWS APIs.

Rules price a resize or a spot move from `recommendation_prices`: the catalog that ships in
`sql/reference/gpu_instance_types.csv` (one reference region; source and date in
`price_sources.csv`) overlaid with what a user fetched. Fetching is optional and explicit — the
tool works offline — and reads:

- on-demand Linux prices from the AWS Price List Query API (`pricing:GetProducts`, served only
  from us-east-1, eu-central-1 and ap-south-1; any region's prices can be asked from there);
- current spot prices from EC2 `DescribeSpotPriceHistory` in the region asked for (the median
  of the latest price in each availability zone).

Fetched rows go to `price_updates` with their source and time; the catalog file is never edited.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aifinops.errors import AifinopsError
from aifinops.store import Store, transaction

PRICING_API_REGION = "us-east-1"


class PriceUpdateError(AifinopsError):
    """The price APIs could not be read; the catalog already in use stays as it is."""


@dataclass
class PriceUpdateReport:
    region: str
    updated: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    spot_found: int = 0
    publication: str | None = None


@dataclass(frozen=True)
class CatalogPrice:
    provider: str
    instance_type: str
    region: str
    gpu_count: int | None
    gpu_model: str | None
    on_demand_usd_per_hour: float | None
    spot_usd_per_hour: float | None
    source: str | None
    as_of: Any


def product_filters(instance_type: str, region: str) -> list[dict[str, str]]:
    """GetProducts filters that leave exactly the shared-tenancy Linux on-demand product."""
    pairs = {
        "instanceType": instance_type,
        "regionCode": region,
        "operatingSystem": "Linux",
        "tenancy": "Shared",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "licenseModel": "No License required",
    }
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in pairs.items()]


def parse_on_demand(price_list: Iterable[str | dict[str, Any]]) -> tuple[float | None, str | None]:
    """(USD per hour, publication date) from GetProducts' PriceList (JSON strings).

    Each product has OnDemand terms → price dimensions → pricePerUnit.USD for unit "Hrs"; the
    lowest positive hourly price wins when more than one product survives the filters.
    """
    best: float | None = None
    published: str | None = None
    for item in price_list:
        doc = json.loads(item) if isinstance(item, str) else item
        published = doc.get("publicationDate", published)
        for term in doc.get("terms", {}).get("OnDemand", {}).values():
            for dim in term.get("priceDimensions", {}).values():
                if str(dim.get("unit", "")).lower() not in ("hrs", "hours", "hour"):
                    continue
                try:
                    usd = float(dim.get("pricePerUnit", {}).get("USD", "nan"))
                except ValueError:
                    continue
                if usd > 0 and (best is None or usd < best):
                    best = usd
    return best, published


def latest_spot_median(history: Iterable[dict[str, Any]]) -> dict[str, float]:
    """instance type → median over availability zones of each zone's latest spot price."""
    latest: dict[tuple[str, str], tuple[datetime, float]] = {}
    for row in history:
        key = (row["InstanceType"], row.get("AvailabilityZone", ""))
        ts, price = row["Timestamp"], float(row["SpotPrice"])
        if key not in latest or ts > latest[key][0]:
            latest[key] = (ts, price)
    per_type: dict[str, list[float]] = {}
    for (itype, _), (_, price) in latest.items():
        per_type.setdefault(itype, []).append(price)
    return {t: statistics.median(p) for t, p in per_type.items()}


def catalog_types(store: Store) -> list[str]:
    """EC2 GPU instance types of the shipped catalog (SageMaker ml.* types are priced apart)."""
    rows = store.conn.execute(
        "select distinct instance_type from ref_gpu_instance_types "
        "where provider = 'aws' and instance_type not like 'ml.%' order by 1").fetchall()
    return [r[0] for r in rows]


def update_prices(
    store: Store,
    *,
    region: str = "us-east-1",
    instance_types: list[str] | None = None,
    spot: bool = True,
    profile: str | None = None,
    endpoint_url: str | None = None,
    pricing_client: Any = None,
    ec2_client: Any = None,
) -> PriceUpdateReport:
    """Fetch on-demand (and spot) prices for `region` into price_updates; one transaction."""
    from botocore.exceptions import BotoCoreError, ClientError

    from aifinops.ingest.s3 import new_boto3_session

    types = instance_types or catalog_types(store)
    session = None
    if pricing_client is None or (spot and ec2_client is None):
        session = new_boto3_session(profile=profile, region=region)
    pricing = pricing_client or session.client(  # type: ignore[union-attr]
        "pricing", region_name=PRICING_API_REGION, endpoint_url=endpoint_url)
    report = PriceUpdateReport(region)
    found: dict[str, float] = {}
    try:
        for itype in types:
            items: list[str] = []
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1",
                                          "Filters": product_filters(itype, region),
                                          "MaxResults": 100}
                if token:
                    kwargs["NextToken"] = token
                page = pricing.get_products(**kwargs)
                items.extend(page.get("PriceList", []))
                token = page.get("NextToken")
                if not token:
                    break
            price, published = parse_on_demand(items)
            report.publication = published or report.publication
            if price is None:
                report.not_found.append(itype)
            else:
                found[itype] = price
        spot_prices: dict[str, float] = {}
        if spot and found:
            ec2 = ec2_client or session.client(  # type: ignore[union-attr]
                "ec2", region_name=region, endpoint_url=endpoint_url)
            paginator = ec2.get_paginator("describe_spot_price_history")
            rows: list[dict[str, Any]] = []
            for page in paginator.paginate(InstanceTypes=sorted(found),
                                           ProductDescriptions=["Linux/UNIX"],
                                           StartTime=datetime.now(UTC) - timedelta(hours=6)):
                rows.extend(page.get("SpotPriceHistory", []))
            spot_prices = latest_spot_median(rows)
    except (ClientError, BotoCoreError) as exc:
        raise PriceUpdateError(
            f"cannot read AWS prices ({exc}); the catalog in use is unchanged "
            "(`aifinops prices show` lists it with its source and date)") from exc
    now = datetime.now(UTC)
    source = "AWS Price List Query API (AmazonEC2 Linux shared on-demand" + (
        f", published {report.publication})" if report.publication else ")")
    with transaction(store.conn):
        for itype, price in sorted(found.items()):
            spot_price = spot_prices.get(itype)
            store.conn.execute(
                "insert or replace into price_updates values ('aws', ?, ?, ?, ?, ?, ?)",
                [itype, region, price, spot_price,
                 source + ("; spot: EC2 spot price history, median of zones" if spot_price else ""),
                 now])
            report.updated.append(itype)
            report.spot_found += spot_price is not None
    return report


def catalog(store: Store, instance_type: str | None = None) -> list[CatalogPrice]:
    rows = store.conn.execute(
        "select provider, instance_type, region, gpu_count, gpu_model, on_demand_usd_per_hour, "
        "spot_usd_per_hour, source, as_of from recommendation_prices "
        "where ? is null or instance_type = ? order by provider, gpu_model, on_demand_usd_per_hour",
        [instance_type, instance_type]).fetchall()
    return [CatalogPrice(*r) for r in rows]
