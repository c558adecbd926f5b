"""`prices update`: moto has no Pricing API, so the real boto3 pricing client is driven by
botocore's Stubber (the request each call must make, and a response in the API's own shape);
spot prices come from EC2 on the moto server. The catalog view then prefers what was fetched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

import aifinops.commands.prices  # registers `prices` on the root group
from aifinops.analysis.prices import (
    PriceUpdateError,
    catalog,
    latest_spot_median,
    parse_on_demand,
    product_filters,
    update_prices,
)
from aifinops.commands.base import cli
from aifinops.config import load_settings
from aifinops.ingest.s3 import new_boto3_session
from aifinops.store import Store, open_store

assert aifinops.commands.prices


def product(instance_type: str, usd: str, region: str = "us-west-2") -> str:
    """One PriceList entry as GetProducts returns it (a JSON string), trimmed to what we read."""
    return json.dumps({
        "product": {"productFamily": "Compute Instance", "sku": "SKU1", "attributes": {
            "instanceType": instance_type, "regionCode": region, "operatingSystem": "Linux",
            "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used"}},
        "serviceCode": "AmazonEC2",
        "terms": {"OnDemand": {"SKU1.JRTCKXETXF": {
            "sku": "SKU1", "offerTermCode": "JRTCKXETXF", "effectiveDate": "2026-06-01T00:00:00Z",
            "priceDimensions": {"SKU1.JRTCKXETXF.6YS6EN2CT7": {
                "unit": "Hrs", "pricePerUnit": {"USD": usd}, "appliesTo": [],
                "rateCode": "SKU1.JRTCKXETXF.6YS6EN2CT7", "beginRange": "0", "endRange": "Inf",
                "description": f"${usd} per On Demand Linux {instance_type} Instance Hour"}},
            "termAttributes": {}}}},
        "version": "20260601000000", "publicationDate": "2026-06-01T00:00:00Z"})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(load_settings(db=tmp_path / "p.duckdb", config=None)) as opened:
        yield opened


def test_parse_on_demand_takes_the_hourly_usd_price() -> None:
    assert parse_on_demand([product("p5.48xlarge", "55.0400000000")]) == (
        55.04, "2026-06-01T00:00:00Z")
    assert parse_on_demand([]) == (None, None)
    zero = product("p5.48xlarge", "0.0000000000")
    assert parse_on_demand([zero, product("p5.48xlarge", "60.1")])[0] == 60.1


def test_spot_median_of_each_zones_latest_price() -> None:
    t1, t2 = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    rows = [{"InstanceType": "g5.xlarge", "AvailabilityZone": z, "SpotPrice": p, "Timestamp": t}
            for z, p, t in (("a", "9.0", t1), ("a", "0.40", t2), ("b", "0.50", t2),
                            ("c", "0.45", t1))]
    assert latest_spot_median(rows) == {"g5.xlarge": 0.45}


def test_update_prices_with_the_real_pricing_client(store: Store, moto_s3: str) -> None:
    pricing = new_boto3_session(region="us-east-1").client("pricing", region_name="us-east-1")
    stub = Stubber(pricing)

    def expect(itype: str, response: dict[str, Any], token: str | None = None) -> None:
        params: dict[str, Any] = {"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1",
                                  "Filters": product_filters(itype, "us-west-2"), "MaxResults": 100}
        if token:
            params["NextToken"] = token
        stub.add_response("get_products", {"FormatVersion": "aws_v1", **response}, params)

    # two pages for the first type (the second empty), nothing for a type not sold there
    expect("p5.48xlarge", {"PriceList": [product("p5.48xlarge", "57.5")], "NextToken": "t2"})
    expect("p5.48xlarge", {"PriceList": []}, token="t2")
    expect("g5.xlarge", {"PriceList": [product("g5.xlarge", "1.1")]})
    expect("x9.nothing", {"PriceList": []})
    ec2 = new_boto3_session(region="us-west-2").client("ec2", endpoint_url=moto_s3)
    with stub:
        report = update_prices(store, region="us-west-2",
                               instance_types=["p5.48xlarge", "g5.xlarge", "x9.nothing"],
                               pricing_client=pricing, ec2_client=ec2)
    stub.assert_no_pending_responses()
    assert report.updated == ["g5.xlarge", "p5.48xlarge"] and report.not_found == ["x9.nothing"]
    prices = {(r.instance_type, r.region): r for r in catalog(store, "p5.48xlarge")}
    fetched = prices[("p5.48xlarge", "us-west-2")]
    assert fetched.on_demand_usd_per_hour == 57.5
    assert fetched.spot_usd_per_hour == pytest.approx(0.00001)  # what moto's EC2 answers
    assert fetched.source is not None and "published 2026-06-01" in fetched.source
    shipped = prices[("p5.48xlarge", "us-east-1")]  # the catalog's own region is untouched
    assert shipped.on_demand_usd_per_hour == 55.04 and shipped.source is not None
    assert shipped.source.startswith("catalog:")


def test_offline_leaves_the_catalog_alone(store: Store, aws_env: Path) -> None:
    with pytest.raises(PriceUpdateError, match="catalog in use is unchanged"):
        update_prices(store, instance_types=["p5.48xlarge"], endpoint_url="http://127.0.0.1:9")
    assert store.conn.execute("select count(*) from price_updates").fetchone() == (0,)


def test_cli_update_reports_an_unreachable_api(tmp_path: Path, aws_env: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "c.duckdb"), "prices", "update",
                                      "--type", "p5.48xlarge", "--endpoint-url",
                                      "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot read AWS prices" in result.stderr
