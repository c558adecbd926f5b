"""focus_costs is a view over focus_costs_data: every value written comes back exactly.

Constant and rarely filled columns are stored in x_sparse only where a row differs from the
column's default, so the tests use rows that match every default (a CUR row), rows that differ
in every way a source can differ (GCP's Pacific billing months, FOCUS files with their own
publisher, currency, NULLs and JSON), and rows no default can describe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from aifinops import store
from aifinops.config import load_settings
from aifinops.ingest.loader import costs_insert_sql

CUR = {
    "BilledCost": 12.5, "BillingAccountId": "111122223333", "BillingAccountName": "payer",
    "BillingCurrency": "USD", "BillingPeriodStart": "2026-11-01 00:00:00+00",
    "BillingPeriodEnd": "2026-12-01 00:00:00+00", "ChargeCategory": "Usage",
    "ChargePeriodStart": "2026-11-02 00:00:00+00", "ChargePeriodEnd": "2026-11-02 01:00:00+00",
    "ContractedCost": 12.5, "EffectiveCost": 10.0, "InvoiceIssuerName": "Amazon Web Services, Inc.",
    "ListCost": 14.0, "ProviderName": "AWS", "PublisherName": "Amazon Web Services, Inc.",
    "ServiceCategory": "Compute", "ServiceName": "Amazon Elastic Compute Cloud",
    "PricingCurrency": "USD", "RegionId": "us-east-1", "RegionName": "us-east-1",
    "SkuMeter": "USE1-BoxUsage:p4d.24xlarge", "x_usage_type": "USE1-BoxUsage:p4d.24xlarge",
    "Tags": '{"model":"llama"}', "x_source": "aws-cur2", "x_source_key": "aws:111122223333",
    "x_billing_period": "2026-11", "x_load_id": 1, "x_gpu_count": 8,
}
GCP = {
    **CUR, "BilledCost": 1 / 3, "ContractedCost": 0.1, "BillingAccountId": "0123-ABCD",
    "BillingAccountName": None, "BillingPeriodStart": "2026-10-01 07:00:00+00",
    "BillingPeriodEnd": "2026-11-01 07:00:00+00", "InvoiceIssuerName": "Google Cloud",
    "ProviderName": "Google Cloud", "PublisherName": "Google Cloud", "SubAccountId": "proj-1",
    "SubAccountType": "Project", "RegionName": "europe-west4", "RegionId": "europe-west4",
    "x_source": "gcp-billing", "x_source_key": "gcp:0123-ABCD", "x_billing_period": "2026-10",
}
FOCUS = {
    **CUR, "BillingAccountId": "other", "BillingCurrency": "EUR", "PricingCurrency": None,
    "BillingPeriodStart": "2026-09-30 16:00:00.123456+00",
    "BillingPeriodEnd": "2026-10-31 16:00:00+00", "InvoiceIssuerName": "Microsoft",
    "ProviderName": "Microsoft", "PublisherName": "Contoso", "RegionId": "westeurope",
    "RegionName": None, "SkuMeter": "meter", "x_usage_type": None, "ChargeClass": "Correction",
    "CommitmentDiscountQuantity": 1e-17, "CommitmentDiscountName": 'a "quoted" name',
    "PricingCurrencyEffectiveCost": 0.30000000000000004, "SkuPriceDetails": '{"a":[1,2]}',
    "SubAccountType": "Subscription", "x_extra": '{"oci_CompartmentName":"prod"}',
    "x_source": "focus", "x_source_key": "focus:Microsoft:acct", "x_billing_period": "2026-10",
}
ODD = {**CUR, "ProviderName": "Test", "PublisherName": "Test", "InvoiceIssuerName": "Test",
       "BillingAccountId": "1", "x_source": "test", "x_source_key": "t",
       "x_billing_period": "not a month"}
LEGACY = {**CUR, "BilledCost": 2.0, "ContractedCost": 2.0, "x_source": "aws-cur-legacy",
          "ChargeClass": "Correction"}
ROWS = [CUR, GCP, FOCUS, ODD, LEGACY]


def _insert(conn: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))


def _read(conn: duckdb.DuckDBPyConnection) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every column of focus_costs, timestamps as epoch microseconds (no session time zone)."""
    described = conn.execute("DESCRIBE focus_costs").fetchall()
    columns = [(name, kind) for name, kind, *_ in described]
    select = ", ".join(f"epoch_us({n})" if k.startswith("TIMESTAMP") else n for n, k in columns)
    rows = conn.execute(f"SELECT {select} FROM focus_costs ORDER BY ALL").fetchall()
    return columns, rows


def test_old_database_rows_survive_the_migration(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(db=tmp_path / "old.duckdb")
    everything = store.migrations
    monkeypatch.setattr(store, "migrations", lambda: [m for m in everything() if m.version < 10])
    with store.open_store(settings) as s:
        _insert(s.conn, "focus_costs", ROWS)
        before = _read(s.conn)
    monkeypatch.setattr(store, "migrations", everything)
    with store.open_store(settings) as s:
        after = _read(s.conn)
        sparse = s.conn.execute("SELECT x_source, x_sparse FROM focus_costs JOIN focus_costs_data "
                                "USING (x_load_id, BilledCost) ORDER BY BilledCost").fetchall()
    assert after == before
    assert ("aws-cur2", None) in sparse  # a CUR row matches every default: nothing stored


def test_writers_round_trip_every_value(tmp_path: Path) -> None:
    with store.open_store(load_settings(db=tmp_path / "new.duckdb")) as s:
        s.conn.execute("CREATE TEMP TABLE incoming AS FROM focus_costs LIMIT 0")
        _insert(s.conn, "incoming", ROWS)
        s.conn.execute(costs_insert_sql("FROM incoming"))
        columns, stored = _read(s.conn)
        expected = s.conn.execute(
            "SELECT " + ", ".join(f"epoch_us({n})" if k.startswith("TIMESTAMP") else n
                                  for n, k in columns) + " FROM incoming ORDER BY ALL").fetchall()
        assert stored == expected
        s.conn.execute("SET TimeZone = 'America/New_York'")  # decoding is zone-independent
        assert _read(s.conn)[1] == expected
        kept = s.conn.execute("SELECT count(*) FILTER (WHERE x_sparse IS NULL), count(*) "
                              "FROM focus_costs_data").fetchone()
        assert kept == (1, len(ROWS))


def test_view_keeps_the_table_columns_and_types(tmp_path: Path) -> None:
    with store.open_store(load_settings(db=tmp_path / "new.duckdb")) as s:
        columns = s.conn.execute("DESCRIBE focus_costs").fetchall()
    names = [c[0] for c in columns]
    assert names[:3] == ["BilledCost", "BillingAccountId", "BillingAccountName"]
    assert names[-2:] == ["x_env", "x_extra"] and len(names) == 71
    types = {c[0]: c[1] for c in columns}
    assert types["BillingPeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    assert types["ContractedCost"] == types["CommitmentDiscountQuantity"] == "DOUBLE"
    assert types["SkuPriceDetails"] == types["x_extra"] == types["Tags"] == "JSON"
    assert types["x_load_id"] == "BIGINT" and types["x_gpu_count"] == "INTEGER"
