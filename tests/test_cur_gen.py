"""The demo AWS bill generator: layout, schema, content rules and determinism."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from aifinops.demo import cur_gen, world

# FORMATS.md §1.1: the 115 default columns of a CUR 2.0 export, in AWS's order.
_DEFAULT_COLUMNS_TEXT = """
bill_bill_type bill_billing_entity bill_billing_period_end_date bill_billing_period_start_date
bill_invoice_id bill_invoicing_entity bill_payer_account_id bill_payer_account_name cost_category
discount discount_bundled_discount discount_total_discount identity_line_item_id
identity_time_interval line_item_availability_zone line_item_blended_cost line_item_blended_rate
line_item_currency_code line_item_legal_entity line_item_line_item_description
line_item_line_item_type line_item_net_unblended_cost line_item_net_unblended_rate
line_item_normalization_factor line_item_normalized_usage_amount line_item_operation
line_item_product_code line_item_resource_id line_item_tax_type line_item_unblended_cost
line_item_unblended_rate line_item_usage_account_id line_item_usage_account_name
line_item_usage_amount line_item_usage_end_date line_item_usage_start_date line_item_usage_type
pricing_currency pricing_lease_contract_length pricing_offering_class
pricing_public_on_demand_cost pricing_public_on_demand_rate pricing_purchase_option
pricing_rate_code pricing_rate_id pricing_term pricing_unit product product_comment
product_fee_code product_fee_description product_from_location product_from_location_type
product_from_region_code product_instance_family product_instance_type product_instancesku
product_location product_location_type product_operation product_pricing_unit
product_product_family product_region_code product_servicecode product_sku product_to_location
product_to_location_type product_to_region_code product_usagetype
reservation_amortized_upfront_cost_for_usage reservation_amortized_upfront_fee_for_billing_period
reservation_availability_zone reservation_effective_cost reservation_end_time
reservation_modification_status reservation_net_amortized_upfront_cost_for_usage
reservation_net_amortized_upfront_fee_for_billing_period reservation_net_effective_cost
reservation_net_recurring_fee_for_usage
reservation_net_unused_amortized_upfront_fee_for_billing_period
reservation_net_unused_recurring_fee reservation_net_upfront_value
reservation_normalized_units_per_reservation reservation_number_of_reservations
reservation_recurring_fee_for_usage reservation_reservation_a_r_n reservation_start_time
reservation_subscription_id reservation_total_reserved_normalized_units
reservation_total_reserved_units reservation_units_per_reservation
reservation_unused_amortized_upfront_fee_for_billing_period
reservation_unused_normalized_unit_quantity reservation_unused_quantity
reservation_unused_recurring_fee reservation_upfront_value resource_tags
savings_plan_amortized_upfront_commitment_for_billing_period savings_plan_end_time
savings_plan_instance_type_family savings_plan_net_amortized_upfront_commitment_for_billing_period
savings_plan_net_recurring_commitment_for_billing_period
savings_plan_net_savings_plan_effective_cost savings_plan_offering_type
savings_plan_payment_option savings_plan_purchase_term
savings_plan_recurring_commitment_for_billing_period savings_plan_region
savings_plan_savings_plan_a_r_n savings_plan_savings_plan_effective_cost
savings_plan_savings_plan_rate savings_plan_start_time savings_plan_total_commitment_to_date
savings_plan_used_commitment tags
"""
CUR2_DEFAULT_COLUMNS = _DEFAULT_COLUMNS_TEXT.split()

TIMESTAMPS = {"bill_billing_period_start_date", "bill_billing_period_end_date",
              "line_item_usage_start_date", "line_item_usage_end_date"}
STRING_MAPS = {"resource_tags", "cost_category", "product", "tags"}
RATES = {"line_item_unblended_rate", "line_item_net_unblended_rate", "line_item_blended_rate",
         "pricing_public_on_demand_rate", "savings_plan_savings_plan_rate"}
TIMES_AS_TEXT = {"reservation_start_time", "reservation_end_time", "savings_plan_start_time",
                 "savings_plan_end_time"}
DOUBLES = {
    "line_item_unblended_cost", "line_item_net_unblended_cost", "line_item_blended_cost",
    "line_item_usage_amount", "pricing_public_on_demand_cost", "discount_total_discount",
    "discount_bundled_discount", "reservation_effective_cost", "reservation_net_effective_cost",
    "savings_plan_savings_plan_effective_cost", "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment", "savings_plan_recurring_commitment_for_billing_period",
    "reservation_unused_recurring_fee", "line_item_normalized_usage_amount",
}

EXPORT = world.CUR2_EXPORT_NAME
LEGACY = world.LEGACY_REPORT_NAME


def _glob(root: Path, pattern: str) -> str:
    return str(root / pattern).replace("'", "''")


def _cur2_glob(root: Path) -> str:
    return _glob(root, f"{EXPORT}/data/*/*.parquet")


@pytest.fixture(scope="module")
def cur2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cur2")
    cur_gen.write_cur2(root)
    return root


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("legacy")
    cur_gen.write_legacy_cur(root)
    return root


@pytest.fixture(scope="module")
def con(cur2: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the generated CUR 2.0 export as view `cur`."""
    conn = duckdb.connect()
    conn.execute("SET enable_progress_bar = false")
    conn.execute(f"CREATE VIEW cur AS SELECT * FROM read_parquet('{_cur2_glob(cur2)}', "
                 "hive_partitioning = false)")
    yield conn
    conn.close()


def _one(conn: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> Any:
    row = conn.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


# --- layout and manifests --------------------------------------------------------------------


def test_cur2_layout_and_return_value(tmp_path: Path) -> None:
    written = cur_gen.write_cur2(tmp_path)
    rel = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert rel == sorted(
        [f"{EXPORT}/data/BILLING_PERIOD={p}/{EXPORT}-00001.snappy.parquet"
         for p in world.BILLING_PERIODS]
        + [f"{EXPORT}/metadata/BILLING_PERIOD={p}/{EXPORT}-Manifest.json"
           for p in world.BILLING_PERIODS]
    )
    assert all(p.is_file() for p in written)
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p not in written]
    assert leftovers == []


def test_cur2_manifest(cur2: Path) -> None:
    for period in world.BILLING_PERIODS:
        doc = json.loads((cur2 / EXPORT / "metadata" / f"BILLING_PERIOD={period}"
                          / f"{EXPORT}-Manifest.json").read_text())
        assert {"exportName", "exportArn", "executionId", "billingPeriod", "bucket", "dataFiles",
                "dataFileCount", "columns"} <= set(doc)
        assert doc["exportName"] == EXPORT
        assert doc["exportArn"].startswith(
            f"arn:aws:bcm-data-exports:us-east-1:{world.PAYER_ACCOUNT}:export/{EXPORT}")
        assert doc["bucket"] == "acme-billing"
        assert doc["dataFiles"] == [
            f"s3://acme-billing/cur/{EXPORT}/data/BILLING_PERIOD={period}/"
            f"{EXPORT}-00001.snappy.parquet"
        ]
        assert doc["dataFileCount"] == 1
        start = datetime.fromisoformat(doc["billingPeriod"]["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(doc["billingPeriod"]["end"].replace("Z", "+00:00"))
        assert f"{start:%Y-%m}" == period and start.day == 1 and end.day == 1
        assert [c["name"] for c in doc["columns"]] == CUR2_DEFAULT_COLUMNS
        types = {c["name"]: c["type"] for c in doc["columns"]}
        assert types["resource_tags"] == "map<string,string>"
        assert types["discount"] == "map<string,double>"
        assert types["line_item_usage_start_date"] == "timestamp"
        assert types["pricing_public_on_demand_rate"] == "string"


def test_files_per_period_splits_rows_and_rewrites_replace_a_period(
        tmp_path: Path, cur2: Path) -> None:
    three = cur_gen.write_cur2(tmp_path, files_per_period=3)
    data = [p for p in three if p.suffix == ".parquet"]
    assert len(data) == 3 * len(world.BILLING_PERIODS)
    assert all(cur_gen.count_rows([p]) > 0 for p in data)
    assert cur_gen.count_rows(three) == cur_gen.count_rows(list(cur2.rglob("*.parquet")))
    manifest = json.loads(next(p for p in three if p.name.endswith(".json")).read_text())
    assert manifest["dataFileCount"] == 3
    assert [u.rsplit("/", 1)[1] for u in manifest["dataFiles"]] == [
        f"{EXPORT}-0000{i}.snappy.parquet" for i in (1, 2, 3)]
    # a new delivery of a period replaces all its files, as an overwriting export does
    again = cur_gen.write_cur2(tmp_path)
    assert sorted(tmp_path.rglob("*.parquet")) == sorted(p for p in again if p.suffix == ".parquet")


# --- schema ----------------------------------------------------------------------------------


def test_cur2_has_the_115_default_columns_with_real_types(con: duckdb.DuckDBPyConnection) -> None:
    described = con.execute("DESCRIBE cur").fetchall()
    names = [r[0] for r in described]
    types = {r[0]: r[1] for r in described}
    assert len(CUR2_DEFAULT_COLUMNS) == 115
    assert names == CUR2_DEFAULT_COLUMNS
    for name in CUR2_DEFAULT_COLUMNS:
        if name in TIMESTAMPS:
            expected = "TIMESTAMP"
        elif name in STRING_MAPS:
            expected = "MAP(VARCHAR, VARCHAR)"
        elif name == "discount":
            expected = "MAP(VARCHAR, DOUBLE)"
        elif name in RATES or name in TIMES_AS_TEXT or name.endswith("_account_id"):
            expected = "VARCHAR"
        elif name in DOUBLES:
            expected = "DOUBLE"
        else:
            expected = types[name]
            assert expected in ("VARCHAR", "DOUBLE"), name
        assert types[name] == expected, name
    assert cur_gen.cur2_columns() == list(types.items())


def test_cur2_identity_columns(con: duckdb.DuckDBPyConnection) -> None:
    rows, ids, bad_interval = con.execute(
        "SELECT count(*), count(DISTINCT identity_line_item_id), "
        "count(*) FILTER (WHERE identity_time_interval <> "
        "strftime(line_item_usage_start_date, '%Y-%m-%dT%H:%M:%SZ') || '/' || "
        "strftime(line_item_usage_end_date, '%Y-%m-%dT%H:%M:%SZ')) FROM cur"
    ).fetchall()[0]
    assert rows == ids and rows > 10_000
    assert bad_interval == 0
    first = _one(con, "SELECT min(identity_time_interval) FROM cur")
    assert first == "2026-10-01T00:00:00Z/2026-10-01T01:00:00Z"


# --- content ---------------------------------------------------------------------------------


def test_periods_accounts_and_month_to_date(con: duckdb.DuckDBPyConnection) -> None:
    assert _one(con, "SELECT list(DISTINCT bill_payer_account_id) FROM cur") == [
        world.PAYER_ACCOUNT]
    accounts = _one(con, "SELECT list(DISTINCT line_item_usage_account_id ORDER BY 1) FROM cur")
    assert set(accounts) <= {*world.ACCOUNTS, world.PAYER_ACCOUNT}
    assert world.LEGACY_PAYER_ACCOUNT not in accounts
    assert "001234567890" not in accounts
    last = _one(con, "SELECT max(line_item_usage_end_date) FROM cur")
    assert last == world.WORLD_END.replace(tzinfo=None)
    assert _one(con, "SELECT min(line_item_usage_start_date) FROM cur") == datetime(2026, 10, 1)
    bad = _one(con, "SELECT count(*) FROM cur WHERE strftime(line_item_usage_start_date, '%Y-%m')"
                    " <> strftime(bill_billing_period_start_date, '%Y-%m')")
    assert bad == 0
    invoices = dict(con.execute(
        "SELECT strftime(bill_billing_period_start_date, '%Y-%m'), any_value(bill_invoice_id) "
        "FROM cur GROUP BY 1").fetchall())
    assert invoices["2026-10"] != "" and invoices["2026-11"] == ""  # November is still open


def test_every_host_endpoint_and_bucket_of_the_payer_is_billed(
        con: duckdb.DuckDBPyConnection) -> None:
    resources = set(_one(con, "SELECT list(DISTINCT line_item_resource_id) FROM cur"))
    for h in world.HOSTS:
        assert (h.instance_id in resources) == (h.payer == world.PAYER_ACCOUNT), h.hostname
    for e in world.ENDPOINTS:
        assert e.arn in resources
    for b in world.BUCKETS:
        assert (b.name in resources) == (b.payer == world.PAYER_ACCOUNT), b.name
    for arn, _account, _tags in world.BEDROCK_PROFILES:
        assert arn in resources
    assert world.SAVINGS_PLAN_ARN in resources


def test_on_demand_hosts_bill_the_catalog_price_every_hour(
        con: duckdb.DuckDBPyConnection) -> None:
    host = next(h for h in world.HOSTS if h.hostname == "gpu-train-01")
    rows = con.execute(
        "SELECT count(*), min(line_item_unblended_cost), max(line_item_unblended_cost), "
        "any_value(pricing_public_on_demand_rate), any_value(line_item_usage_type), "
        "any_value(pricing_term), any_value(product_instance_type), "
        "any_value(product_region_code), any_value(resource_tags), "
        "any_value(line_item_usage_account_id), any_value(pricing_unit) "
        "FROM cur WHERE line_item_resource_id = ? AND line_item_line_item_type = 'Usage' "
        "AND line_item_product_code = 'AmazonEC2'", [host.instance_id]).fetchall()[0]
    hours = (world.WORLD_END - world.WORLD_START).days * 24
    assert rows[0] == hours
    assert rows[1] == rows[2] == 55.04
    assert rows[3] == "55.0400000000"
    assert rows[4:8] == ("USE1-BoxUsage:p5.48xlarge", "OnDemand", "p5.48xlarge", "us-east-1")
    assert rows[8] == {"user_model": "llama-ft-70b", "user_team": "research", "user_env": "prod",
                       "user_name": "gpu-train-01"}
    assert rows[9:] == (host.account, "Hrs")


def test_off_hours_dev_host_runs_weekdays_8_to_20_utc(con: duckdb.DuckDBPyConnection) -> None:
    host = next(h for h in world.HOSTS if h.pattern == "off-hours-dev")
    rows = con.execute(
        "SELECT line_item_usage_start_date, resource_tags FROM cur "
        "WHERE line_item_resource_id = ?", [host.instance_id]).fetchall()
    assert rows
    assert all(ts.isoweekday() <= 5 and 8 <= ts.hour < 20 for ts, _ in rows)
    assert all(tags == {} for _, tags in rows)  # untagged
    assert len(rows) == 12 * sum(1 for d in range(59) if (3 + d) % 7 < 5)  # Oct 1 is a Thursday


def test_spot_host_is_cheaper_varies_and_is_sometimes_interrupted(
        con: duckdb.DuckDBPyConnection) -> None:
    host = next(h for h in world.HOSTS if h.purchase == "spot")
    rows, prices, low, high, od, term, usage_type = con.execute(
        "SELECT count(*), count(DISTINCT line_item_unblended_cost), min(line_item_unblended_cost),"
        " max(line_item_unblended_cost), max(pricing_public_on_demand_cost), any_value(pricing_term),"
        " any_value(line_item_usage_type) FROM cur WHERE line_item_resource_id = ?",
        [host.instance_id]).fetchall()[0]
    hours = (world.WORLD_END - world.WORLD_START).days * 24
    assert hours - 100 < rows < hours
    assert prices > 20
    assert 8.78 * 0.9 < low < high < 8.78 * 1.1
    assert od == 21.96
    assert (term, usage_type) == ("Spot", "USE1-SpotUsage:p4d.24xlarge")


def test_savings_plan_negation_cancels_covered_usage_every_hour(
        con: duckdb.DuckDBPyConnection) -> None:
    per_hour = con.execute("""
        SELECT line_item_usage_start_date, line_item_resource_id,
               sum(line_item_unblended_cost)
                   FILTER (WHERE line_item_line_item_type = 'SavingsPlanCoveredUsage') AS covered,
               sum(line_item_unblended_cost)
                   FILTER (WHERE line_item_line_item_type = 'SavingsPlanNegation') AS negation,
               count(*) FILTER (WHERE line_item_line_item_type = 'SavingsPlanCoveredUsage'),
               count(*) FILTER (WHERE line_item_line_item_type = 'SavingsPlanNegation')
        FROM cur
        WHERE line_item_line_item_type IN ('SavingsPlanCoveredUsage', 'SavingsPlanNegation')
        GROUP BY ALL
    """).fetchall()
    assert len(per_hour) > 1000
    for _ts, _rid, covered, negation, n_cov, n_neg in per_hour:
        assert n_cov == n_neg == 1
        assert covered + negation == 0.0
    covered_rows = con.execute(
        "SELECT DISTINCT savings_plan_savings_plan_a_r_n, pricing_term, "
        "line_item_unblended_cost * (1 - ?) - savings_plan_savings_plan_effective_cost < 1e-9, "
        "typeof(savings_plan_savings_plan_rate) "
        "FROM cur WHERE line_item_line_item_type = 'SavingsPlanCoveredUsage'",
        [world.SAVINGS_PLAN_DISCOUNT]).fetchall()
    assert covered_rows == [(world.SAVINGS_PLAN_ARN, "OnDemand", True, "VARCHAR")]


def test_savings_plan_fee_reports_the_commitment_used_each_hour(
        con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("""
        WITH used AS (
            SELECT line_item_usage_start_date AS h, sum(savings_plan_savings_plan_effective_cost) AS eff
            FROM cur WHERE line_item_line_item_type = 'SavingsPlanCoveredUsage' GROUP BY 1)
        SELECT f.line_item_unblended_cost, f.savings_plan_total_commitment_to_date,
               f.savings_plan_used_commitment, coalesce(u.eff, 0), f.line_item_resource_id,
               f.line_item_product_code
        FROM cur AS f LEFT JOIN used AS u ON u.h = f.line_item_usage_start_date
        WHERE f.line_item_line_item_type = 'SavingsPlanRecurringFee'
    """).fetchall()
    hours = (world.WORLD_END - world.WORLD_START).days * 24
    assert len(rows) == hours
    commitment = world.SAVINGS_PLAN_HOURLY_COMMITMENT
    for fee, total, used, eff, rid, product in rows:
        assert fee == total == commitment
        assert used == pytest.approx(eff, abs=1e-9)
        assert 0 < used <= commitment + 1e-9
        assert (rid, product) == (world.SAVINGS_PLAN_ARN, "ComputeSavingsPlans")


def test_sagemaker_bedrock_s3_and_data_transfer(con: duckdb.DuckDBPyConnection) -> None:
    ep = next(e for e in world.ENDPOINTS if e.instance_count > 1)
    amount, cost, usage_type = con.execute(
        "SELECT any_value(line_item_usage_amount), any_value(line_item_unblended_cost), "
        "any_value(line_item_usage_type) FROM cur WHERE line_item_resource_id = ?",
        [ep.arn]).fetchall()[0]
    assert amount == ep.instance_count and cost == pytest.approx(ep.instance_count * 1.515)
    assert usage_type == "USE1-Host:ml.g5.2xlarge"

    daily = _one(con, "SELECT avg(c) FROM (SELECT line_item_usage_start_date, "
                      "sum(line_item_unblended_cost) AS c FROM cur "
                      "WHERE line_item_product_code = 'AmazonBedrock' GROUP BY 1)")
    assert 100 < daily < 1000

    bucket = world.BUCKETS[0]
    gb_months = con.execute(
        "SELECT line_item_usage_amount, line_item_unblended_cost, pricing_unit FROM cur "
        "WHERE line_item_resource_id = ? AND line_item_usage_type LIKE '%TimedStorage-ByteHrs' "
        "ORDER BY line_item_usage_start_date", [bucket.name]).fetchall()
    assert len(gb_months) == (world.WORLD_END - world.WORLD_START).days
    assert gb_months[0][0] == pytest.approx(bucket.start_gb / 31)
    assert gb_months[1][0] - gb_months[0][0] == pytest.approx(bucket.growth_gb_per_day / 31)
    assert gb_months[0][1] == pytest.approx(gb_months[0][0] * 0.023)
    assert gb_months[0][2] == "GB-Mo"

    transfer = dict(con.execute(
        "SELECT line_item_usage_type, any_value([product_from_region_code, "
        "product_to_region_code, line_item_unblended_rate]) FROM cur "
        "WHERE line_item_product_code = 'AWSDataTransfer' GROUP BY 1").fetchall())
    assert transfer["USE1-DataTransfer-Out-Bytes"][0] == "us-east-1"
    assert transfer["USE1-DataTransfer-Out-Bytes"][2] == "0.0900000000"
    assert transfer["USE1-USW2-AWS-Out-Bytes"] == ["us-east-1", "us-west-2", "0.0200000000"]


def test_monthly_tax_and_credit(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT strftime(line_item_usage_start_date, '%Y-%m-%d'), line_item_line_item_type, "
        "line_item_unblended_cost FROM cur WHERE line_item_line_item_type IN ('Tax', 'Credit') "
        "ORDER BY 1, 2").fetchall()
    assert rows == [
        ("2026-10-01", "Credit", world.MONTHLY_CREDIT_USD),
        ("2026-10-01", "Tax", world.MONTHLY_TAX_USD),
        ("2026-11-01", "Credit", world.MONTHLY_CREDIT_USD),
        ("2026-11-01", "Tax", world.MONTHLY_TAX_USD),
    ]


def test_unused_columns_are_empty_like_real_exports(con: duckdb.DuckDBPyConnection) -> None:
    values = con.execute(
        "SELECT count(line_item_net_unblended_cost), list(DISTINCT reservation_reservation_a_r_n),"
        " list(DISTINCT line_item_currency_code), list(DISTINCT bill_bill_type), "
        "list(DISTINCT line_item_legal_entity), list(DISTINCT bill_invoicing_entity) FROM cur"
    ).fetchall()[0]
    assert values == (0, [""], ["USD"], ["Anniversary"], ["Amazon Web Services, Inc."],
                      ["Amazon Web Services, Inc."])


# --- determinism and scale -------------------------------------------------------------------


def test_two_runs_give_the_same_rows(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    cur_gen.write_cur2(tmp_path)
    other = _cur2_glob(tmp_path)
    for a, b in (("cur", f"read_parquet('{other}', hive_partitioning = false)"),
                 (f"read_parquet('{other}', hive_partitioning = false)", "cur")):
        diff = _one(con, f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})")
        assert diff == 0


def test_ordered_runs_are_byte_identical(tmp_path: Path) -> None:
    first = cur_gen.write_cur2(tmp_path / "a", ordered=True)
    second = cur_gen.write_cur2(tmp_path / "b", ordered=True)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_scale_clones_hosts_and_endpoints(tmp_path: Path, cur2: Path) -> None:
    one = cur_gen.count_rows(list(cur2.rglob("*.parquet")))
    three_paths = cur_gen.write_cur2(tmp_path / "s3", scale=3)
    three = cur_gen.count_rows(three_paths)
    # Savings Plan clones the plan cannot cover bill one on-demand line, not two SP lines
    assert 2.2 * one < three < 3 * one
    conn = duckdb.connect()
    ids, rows, names = conn.execute(
        "SELECT count(DISTINCT identity_line_item_id), count(*), "
        "list(DISTINCT resource_tags['user_name']) "
        "FILTER (WHERE resource_tags['user_name'] LIKE 'gpu-train-01%') "
        f"FROM read_parquet('{_cur2_glob(tmp_path / 's3')}')").fetchall()[0]
    assert ids == rows == three
    assert sorted(names) == ["gpu-train-01", "gpu-train-01-s001", "gpu-train-01-s002"]
    instances = conn.execute(
        "SELECT list(DISTINCT line_item_resource_id ORDER BY line_item_resource_id) "
        f"FROM read_parquet('{_cur2_glob(tmp_path / 's3')}') "
        "WHERE resource_tags['user_name'] LIKE 'gpu-train-01%' AND line_item_product_code = 'AmazonEC2'"
    ).fetchall()[0][0]
    assert len(instances) == 3 and all(len(i) == len("i-0a1b2c3d4e5f60001") for i in instances)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        cur_gen.write_cur2(tmp_path, scale=0)
    with pytest.raises(ValueError):
        cur_gen.write_cur2(tmp_path, files_per_period=0)
    with pytest.raises(ValueError):
        cur_gen.write_cur2(tmp_path, fmt="json")  # type: ignore[arg-type]


# --- CSV flavour -----------------------------------------------------------------------------


def test_cur2_csv_has_json_maps_and_blank_cells(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    written = cur_gen.write_cur2(tmp_path, fmt="csv")
    data = [p for p in written if p.name.endswith(".csv.gz")]
    assert [p.name for p in data] == [f"{EXPORT}-00001.csv.gz"] * 2
    manifest = json.loads(next(p for p in written if p.suffix == ".json").read_text())
    assert manifest["dataFiles"][0].endswith(".csv.gz")
    with gzip.open(data[0], "rt") as handle:
        header = handle.readline().rstrip("\n").split(",")
    assert header == CUR2_DEFAULT_COLUMNS
    conn = duckdb.connect()
    rows = conn.execute(
        f"SELECT resource_tags, line_item_usage_start_date, bill_payer_account_id, "
        f"line_item_net_unblended_cost FROM read_csv('{_glob(tmp_path, '*/data/*/*.csv.gz')}', "
        "all_varchar = true, header = true) WHERE line_item_resource_id = 'i-0a1b2c3d4e5f60001' "
        "LIMIT 1").fetchall()[0]
    assert json.loads(rows[0])["user_name"] == "gpu-train-01"
    assert rows[1].endswith("Z") and rows[1].startswith("2026-1")
    assert rows[2] == world.PAYER_ACCOUNT
    assert rows[3] is None  # a blank cell, not ""
    assert cur_gen.count_rows(data) == _one(con, "SELECT count(*) FROM cur")


# --- legacy CUR ------------------------------------------------------------------------------


def _legacy_files(root: Path, period_range: str) -> tuple[Path, dict[str, object]]:
    folder = root / LEGACY / period_range
    manifest = json.loads((folder / f"{LEGACY}-Manifest.json").read_text())
    (data,) = folder.glob(f"*/{LEGACY}-1.csv.gz")
    return data, manifest


def _legacy_header(path: Path) -> list[str]:
    with gzip.open(path, "rt") as handle:
        return handle.readline().rstrip("\n").split(",")


def test_legacy_layout_and_manifest(legacy: Path) -> None:
    for period_range in ("20261001-20261101", "20261101-20261201"):
        data, manifest = _legacy_files(legacy, period_range)
        assert data.parent.name == manifest["assemblyId"]
        assert manifest["reportKeys"] == [
            f"legacy/{LEGACY}/{period_range}/{manifest['assemblyId']}/{LEGACY}-1.csv.gz"]
        assert manifest["bucket"] == "acme-billing"
        assert manifest["reportName"] == LEGACY
        assert manifest["compression"] == "GZIP"
        assert manifest["contentType"] == "text/csv"
        assert manifest["billingPeriod"] == {"start": f"{period_range[:8]}T000000.000Z",
                                             "end": f"{period_range[9:]}T000000.000Z"}
        columns = manifest["columns"]
        assert isinstance(columns, list)
        assert [f"{c['category']}/{c['name']}" for c in columns] == _legacy_header(data)
        assert 40 <= len(columns) <= 70


def test_legacy_november_header_drifts(legacy: Path) -> None:
    october = _legacy_header(_legacy_files(legacy, "20261001-20261101")[0])
    november = _legacy_header(_legacy_files(legacy, "20261101-20261201")[0])
    assert "savingsPlan/SavingsPlanARN" in october and "savingsPlan/SavingsPlanArn" not in october
    assert "savingsPlan/SavingsPlanArn" in november and "savingsPlan/SavingsPlanARN" not in november
    assert set(november) - set(october) == {"resourceTags/user:project",
                                           "savingsPlan/SavingsPlanArn"}
    assert set(october) - set(november) == {"savingsPlan/SavingsPlanARN"}
    for header in (october, november):
        assert {"identity/LineItemId", "identity/TimeInterval", "bill/PayerAccountId",
                "lineItem/UsageAccountId", "lineItem/UnblendedCost", "pricing/publicOnDemandCost",
                "reservation/ReservationARN", "resourceTags/user:model", "resourceTags/user:team",
                "resourceTags/user:env", "resourceTags/user:Name"} <= set(header)


def test_legacy_keeps_leading_zeros_and_blank_tags(legacy: Path) -> None:
    data, _ = _legacy_files(legacy, "20261001-20261101")
    conn = duckdb.connect()
    path = str(data).replace("'", "''")
    rows = conn.execute(
        f"""SELECT DISTINCT "bill/PayerAccountId", "lineItem/UsageAccountId"
            FROM read_csv('{path}', all_varchar = true, header = true) ORDER BY 2""").fetchall()
    # the research lab's usage, and the payer's own tax line
    assert rows == [(world.LEGACY_PAYER_ACCOUNT, "001234567890"),
                    (world.LEGACY_PAYER_ACCOUNT, world.LEGACY_PAYER_ACCOUNT)]
    with gzip.open(data, "rt") as handle:
        raw = handle.read()
    assert f",{world.LEGACY_PAYER_ACCOUNT}," in raw  # as text, zeros and all
    kinds = conn.execute(
        f"""SELECT "lineItem/LineItemType", "lineItem/ProductCode", count(*),
                   min("lineItem/UsageStartDate"), any_value("resourceTags/user:Name")
            FROM read_csv('{path}', all_varchar = true, header = true) GROUP BY 1, 2 ORDER BY 1, 2"""
    ).fetchall()
    by_kind = {(k[0], k[1]): k for k in kinds}
    assert by_kind[("Usage", "AmazonEC2")][2] == 31 * 24
    assert by_kind[("Usage", "AmazonEC2")][3] == "2026-10-01T00:00:00Z"
    assert by_kind[("Tax", "AmazonEC2")][2] == 1
    assert ("Usage", "AmazonS3") in by_kind and ("Usage", "AWSDataTransfer") in by_kind
    s3_name = conn.execute(
        f"""SELECT DISTINCT "resourceTags/user:Name" FROM read_csv('{path}', all_varchar = true,
            header = true) WHERE "lineItem/ProductCode" = 'AmazonS3'""").fetchall()
    assert s3_name == [(None,)]  # an empty cell
    assert ",gpu-research-01," in raw


def test_legacy_scale_and_files_per_period(tmp_path: Path, legacy: Path) -> None:
    base = cur_gen.count_rows(list(legacy.rglob("*.csv.gz")))
    assert base == cur_gen.count_legacy_rows(1)
    written = cur_gen.write_legacy_cur(tmp_path, scale=4, files_per_period=2)
    scaled = cur_gen.count_rows(written)
    assert 3 * base < scaled < 4 * base
    assert scaled == cur_gen.count_legacy_rows(4)
    _, manifest = _legacy_files_any(tmp_path, "20261101-20261201")
    keys = manifest["reportKeys"]
    assert isinstance(keys, list) and [k.rsplit("/", 1)[1] for k in keys] == [
        f"{LEGACY}-1.csv.gz", f"{LEGACY}-2.csv.gz"]
    assert all((tmp_path / k.split("/", 1)[1]).is_file() for k in keys)


def _legacy_files_any(root: Path, period_range: str) -> tuple[list[Path], dict[str, object]]:
    folder = root / LEGACY / period_range
    manifest = json.loads((folder / f"{LEGACY}-Manifest.json").read_text())
    return sorted(folder.glob("*/*.csv.gz")), manifest


def test_row_counts_without_writing(cur2: Path) -> None:
    assert cur_gen.count_cur2_rows(1) == cur_gen.count_rows(list(cur2.rglob("*.parquet")))


# --- sample data -----------------------------------------------------------------------------


def test_committed_sample_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parent.parent / "sample_data"
    if not (sample / "aws").is_dir():
        pytest.skip("no sample_data/aws in this checkout")
    assert cur_gen.main([str(tmp_path)]) == 0
    conn = duckdb.connect()
    regen = "run `python -m aifinops.demo.cur_gen sample_data` and commit sample_data/aws"
    readers = (
        ("aws/cur2/*/data/*/*.parquet", "read_parquet('{}', hive_partitioning = false)"),
        ("aws/legacy/*/*/*/*.csv.gz", "read_csv('{}', all_varchar = true, union_by_name = true)"),
    )
    for pattern, reader in readers:
        ours = reader.format(_glob(sample, pattern))
        fresh = reader.format(_glob(tmp_path, pattern))
        for a, b in ((ours, fresh), (fresh, ours)):
            diff = _one(conn, f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})")
            assert diff == 0, regen
    committed = sorted(str(p.relative_to(sample)) for p in (sample / "aws").rglob("*") if p.is_file())
    written = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "aws").rglob("*") if p.is_file())
    assert committed == written, regen
