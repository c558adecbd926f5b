"""GCP billing export read from BigQuery by the real google-cloud-bigquery client.

The client talks HTTP to tests/bq_server.py on 127.0.0.1: nested and repeated fields, paging,
real execution of our pushdown SQL, and injected errors (403, 404, quota, 429).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aifinops.config import Settings, load_settings
from aifinops.ingest.gcp_bigquery import BigQueryError
from aifinops.ingest.gcp_billing import ingest_gcp_bigquery, ingest_gcp_sources
from aifinops.store import Store, open_store
from tests.bq_server import STANDARD_SCHEMA, FakeBigQuery
from tests.gcp_fixtures import (
    ACCOUNT,
    TABLE,
    Line,
    bq_options,
    rows,
    running_fake_bq,
    write_jsonl,
)

A2 = {"compute.googleapis.com/machine_spec": "a2-highgpu-1g"}


@pytest.fixture
def fake_bq(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigQuery]:
    yield from running_fake_bq(monkeypatch)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(db=tmp_path / "gcp.duckdb")


@pytest.fixture
def store(settings: Settings) -> Any:
    with open_store(settings) as s:
        yield s


def snapshot(store: Store) -> tuple[Any, ...]:
    costs = store.conn.execute(
        "select x_source_key, x_billing_period, ChargePeriodStart, BilledCost, x_load_id "
        "from focus_costs order by all").fetchall()
    loads = store.conn.execute("select load_id, unit, checksum from loads order by all").fetchall()
    return tuple(costs), tuple(loads)


def october() -> list[Line]:
    return [
        # Three credits on one row: netted once each, the cost counted once.
        Line("2026-10-05 10:00", 10.0, credits=(-1.0, -2.0, -0.5),
             credit_types=("PROMOTION", "SUSTAINED_USAGE_DISCOUNT", "FREE_TIER"),
             labels={"model": "llama-ft-70b", "team": "research"}, system_labels=A2,
             project_labels={"team": "platform", "cost-center": "ml"}, cost_at_list=12.0),
        Line("2026-10-05 10:00", 2.93, sku="Nvidia Tesla A100 GPU running in Americas",
             sku_id="GPU-A100", system_labels=A2, labels={"model": "llama-ft-70b"}),
        Line("2026-10-05 11:00", 10.0, labels={"model": "llama-ft-70b"}, system_labels=A2),
    ]


def test_rows_map_to_focus(fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    fake_bq.add_table(TABLE, rows(october()))
    report = ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    assert not report.failures
    [unit] = report.units
    [period] = unit.periods
    assert (period.source_key, period.period, period.rows) == (f"gcp:{ACCOUNT}", "2026-10", 3)
    assert period.billed_cost == pytest.approx(10.0 - 3.5 + 2.93 + 10.0)
    first = store.conn.execute(
        "select BilledCost, EffectiveCost, ContractedCost, ListCost, ProviderName, SubAccountId, "
        "SubAccountType, ServiceCategory, ServiceSubcategory, BillingPeriodStart, "
        "BillingPeriodEnd, x_instance_type, x_gpu_count, x_gpu_model, x_model, x_team, "
        "json_extract_string(Tags, '$.\"cost-center\"'), ResourceName, ResourceType, "
        "PricingCategory, ChargeCategory from focus_costs order by ChargePeriodStart, BilledCost desc "
        "limit 1").fetchone()
    assert first is not None
    assert first[:4] == pytest.approx((6.5, 6.5, 10.0, 12.0))
    assert first[4:9] == ("Google Cloud", "acme-ml-prod", "Project", "Compute", "Virtual Machines")
    # The invoice month starts at midnight Pacific time.
    assert first[9].isoformat() == "2026-10-01T07:00:00+00:00"
    assert first[10].isoformat() == "2026-11-01T07:00:00+00:00"
    assert first[11:14] == ("a2-highgpu-1g", 1, "A100")
    # The resource's own label wins over its project's; project labels still arrive in Tags.
    assert first[14:17] == ("llama-ft-70b", "research", "ml")
    assert first[17:] == ("gpu-vm-1", "instances", "Standard", "Usage")


def test_tags_hold_labels_system_labels_and_project_labels(
        fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    fake_bq.add_table(TABLE, rows(october()[:1]))
    ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    tags = store.conn.execute("select CAST(Tags AS MAP(VARCHAR, VARCHAR)) from focus_costs").fetchone()
    assert tags is not None
    assert tags[0] == {"team": "research", "cost-center": "ml", "model": "llama-ft-70b",
                       "compute.googleapis.com/machine_spec": "a2-highgpu-1g"}


def test_accelerator_sku_gives_gpu_model_and_count(
        fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    # An N1 VM with four T4s attached: no GPU machine type, the GPU SKU says it all.
    t4 = Line("2026-10-07 00:00", 1.4, sku="Nvidia Tesla T4 GPU running in Americas", sku_id="T4",
              usage_amount=4 * 3600, system_labels={"compute.googleapis.com/machine_spec":
                                                    "n1-standard-16"})
    fake_bq.add_table(TABLE, rows([t4]))
    ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    got = store.conn.execute("select x_instance_type, x_gpu_count, x_gpu_model from focus_costs"
                             ).fetchone()
    assert got == ("n1-standard-16", 4, "T4")


def test_pages_are_followed(fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    lines = [Line(f"2026-10-{day:02d} {hour:02d}:00", 1.0) for day in (1, 2) for hour in range(24)]
    fake_bq.add_table(TABLE, rows(lines))
    report = ingest_gcp_bigquery(store, TABLE, settings=settings,
                                 **bq_options(fake_bq, page_size=7))
    assert report.rows == 48
    tokens = [c.params.get("pageToken") for c in fake_bq.calls if c.kind == "jobs.getQueryResults"
              and c.params.get("pageToken")]
    assert len(tokens) == 6  # 48 rows in pages of 7: six follow-up pages


def test_one_day_in_two_invoice_months(fake_bq: FakeBigQuery, store: Store,
                                       settings: Settings) -> None:
    # 2026-11-01 UTC: before 07:00 it is still October 31 in California.
    fake_bq.add_table(TABLE, rows([
        Line("2026-11-01 03:00", 1.0, invoice="202610"),
        Line("2026-11-01 09:00", 2.0, invoice="202611"),
    ]))
    ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    got = store.conn.execute("select x_billing_period, sum(BilledCost) from focus_costs "
                             "group by all order by 1").fetchall()
    assert got == [("2026-10", 1.0), ("2026-11", 2.0)]


def test_unchanged_months_skip_and_late_rows_restate_their_month(
        fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    fake_bq.add_table(TABLE, rows([
        Line("2026-10-31 12:00", 5.0, invoice="202610", exported="2026-11-01 02:00"),
        Line("2026-11-02 12:00", 7.0, invoice="202611", exported="2026-11-03 02:00"),
    ]))
    opts = bq_options(fake_bq)
    ingest_gcp_bigquery(store, TABLE, settings=settings, **opts)
    november_load = store.conn.execute(
        "select distinct x_load_id from focus_costs where x_billing_period = '2026-11'").fetchone()

    inserts = fake_bq.count("jobs.insert")
    again = ingest_gcp_bigquery(store, TABLE, settings=settings, **opts)
    assert [u.skipped for u in again.units] == [True, True]
    assert fake_bq.count("jobs.insert") == inserts + 1  # only the months query ran

    # A late October row (newer export_time) restates October alone.
    fake_bq.append_rows(TABLE, rows([
        Line("2026-10-30 12:00", 0.75, invoice="202610", exported="2026-11-04 02:00")]))
    late = ingest_gcp_bigquery(store, TABLE, settings=settings, **opts)
    assert [(u.unit.split()[-1], u.skipped) for u in late.units] == [("2026-10", False),
                                                                      ("2026-11", True)]
    [october_period] = late.units[0].periods
    assert (october_period.rows, october_period.replaced_rows) == (2, 1)
    totals = store.conn.execute("select x_billing_period, sum(BilledCost), count(*) from "
                                "focus_costs group by all order by 1").fetchall()
    assert totals == [("2026-10", 5.75, 2), ("2026-11", 7.0, 1)]
    assert store.conn.execute("select distinct x_load_id from focus_costs where "
                              "x_billing_period = '2026-11'").fetchone() == november_load


def test_lookback_window_and_since(fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    fake_bq.add_table(TABLE, rows([
        Line("2026-08-10 00:00", 1.0, invoice="202608"),
        Line("2026-10-10 00:00", 2.0, invoice="202610"),
    ]))
    ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    assert store.conn.execute("select list(distinct x_billing_period) from focus_costs"
                              ).fetchone() == (["2026-10"],)
    from datetime import date

    ingest_gcp_bigquery(store, TABLE, settings=settings, since=date(2026, 8, 1),
                        **bq_options(fake_bq))
    periods = store.conn.execute("select list(distinct x_billing_period order by "
                                 "x_billing_period) from focus_costs").fetchone()
    assert periods == (["2026-08", "2026-10"],)


def test_pushdown_loads_daily_rows_with_the_same_totals(
        fake_bq: FakeBigQuery, tmp_path: Path) -> None:
    lines = [Line(f"2026-10-{day:02d} {hour:02d}:00", 1.25, credits=(-0.25, -0.05),
                  labels={"model": "llama-ft-70b"}, system_labels=A2)
             for day in (3, 4) for hour in range(24)]
    lines += [Line("2026-10-03 05:00", 0.5, resource="other-vm", labels={"team": "recsys"})]
    fake_bq.add_table(TABLE, rows(lines))
    totals: dict[bool, tuple[Any, ...]] = {}
    for pushdown in (False, True):
        settings = load_settings(db=tmp_path / f"p{pushdown}.duckdb")
        with open_store(settings) as store:
            report = ingest_gcp_bigquery(store, TABLE, settings=settings, pushdown=pushdown,
                                         **bq_options(fake_bq))
            got = store.conn.execute(
                "select count(*), round(sum(BilledCost), 6), round(sum(ListCost), 6), "
                "sum(ConsumedQuantity), list(distinct x_model) filter (where x_model is not null)"
                " from focus_costs").fetchone()
            assert got is not None
            totals[pushdown] = got
            assert not report.failures
    assert totals[False][1:] == totals[True][1:]
    assert totals[False][0] == 49
    assert totals[True][0] == 3  # two days of one VM, one hour of another
    assert totals[True][1] == pytest.approx(48 * 0.95 + 0.5)


def test_standard_export_has_no_resources(fake_bq: FakeBigQuery, store: Store,
                                          settings: Settings) -> None:
    standard = [{k: v for k, v in r.items() if k not in ("resource", "price", "subscription",
                                                          "cost_at_list")}
                for r in rows(october())]
    table = TABLE.replace("resource_v1", "v1")
    fake_bq.add_table(table, standard, schema=STANDARD_SCHEMA)
    report = ingest_gcp_bigquery(store, table, settings=settings, **bq_options(fake_bq))
    assert report.notes[0].startswith("standard export")
    got = store.conn.execute("select count(*), count(ResourceId), sum(ListCost) from focus_costs"
                             ).fetchone()
    assert got == (3, 0, pytest.approx(22.93))  # no cost_at_list: list = cost
    assert re.search(r"CAST\(NULL AS FLOAT64\)\s+AS cost_at_list", fake_bq.queries[-1])


def test_unpartitioned_table_gets_no_partition_filter(
        fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    fake_bq.add_table(TABLE, rows(october()), partitioned=False)
    report = ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    assert report.rows == 3
    assert all("_PARTITIONTIME" not in q for q in fake_bq.queries)


@pytest.mark.parametrize(("kind", "status", "reason", "says"), [
    ("tables.get", 403, "accessDenied", "permission denied"),
    ("tables.get", 404, "notFound", "not found"),
    ("jobs.insert", 403, "accessDenied", "permission denied"),
    ("jobs.insert", 403, "quotaExceeded", "quota exceeded"),
    ("jobs.insert", 429, "rateLimitExceeded", "quota exceeded"),
])
def test_bigquery_errors_are_one_sentence_and_change_nothing(
        fake_bq: FakeBigQuery, store: Store, settings: Settings, kind: str, status: int,
        reason: str, says: str) -> None:
    fake_bq.add_table(TABLE, rows(october()))
    before = snapshot(store)
    fake_bq.fail(kind, status, reason, f"Injected {reason} for this test")
    with pytest.raises(BigQueryError) as caught:
        ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    message = str(caught.value)
    assert message.startswith(f"BigQuery table {TABLE}: {says}")
    assert "\n" not in message
    assert snapshot(store) == before


def test_missing_table(fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    with pytest.raises(BigQueryError, match=r"BigQuery table acme-billing\.billing_export\.nope: "
                                            r"not found .*check --table"):
        ingest_gcp_bigquery(store, "acme-billing.billing_export.nope", settings=settings,
                            **bq_options(fake_bq))


def test_a_table_that_is_not_an_export(fake_bq: FakeBigQuery, store: Store,
                                       settings: Settings) -> None:
    fake_bq.add_table("p.d.other", [{"name": "x"}], schema=[{"name": "name", "type": "STRING",
                                                             "mode": "NULLABLE"}],
                      partitioned=False)
    with pytest.raises(BigQueryError, match="is not a Cloud Billing export: it lacks"):
        ingest_gcp_bigquery(store, "p.d.other", settings=settings, **bq_options(fake_bq))


def test_failure_in_a_later_month_keeps_the_earlier_ones(
        fake_bq: FakeBigQuery, store: Store, settings: Settings) -> None:
    fake_bq.add_table(TABLE, rows([Line("2026-10-10 00:00", 1.0, invoice="202610"),
                                   Line("2026-11-10 00:00", 2.0, invoice="202611")]))
    # Let the months query and October's through, then the quota runs out.
    fake_bq.fail("jobs.insert", 403, "quotaExceeded", "Quota exceeded: too many bytes", after=2)
    report = ingest_gcp_bigquery(store, TABLE, settings=settings, **bq_options(fake_bq))
    assert [u.unit.split()[-1] for u in report.units] == ["2026-10"]
    [failure] = report.failures
    assert "2026-11" in failure.source
    assert "quota exceeded while trying to read invoice month 2026-11" in failure.reason
    assert store.conn.execute("select list(distinct x_billing_period) from focus_costs"
                              ).fetchone() == (["2026-10"],)


def test_one_failing_source_leaves_the_others_loaded(
        fake_bq: FakeBigQuery, store: Store, settings: Settings, tmp_path: Path) -> None:
    fake_bq.add_table(TABLE, rows(october()))
    fake_bq.fail("tables.get", 403, "accessDenied", "Access Denied: Table acme-billing")
    good = write_jsonl(tmp_path / "export" / "part-0.json", october())
    batch = ingest_gcp_sources(store, settings=settings, tables=[TABLE],
                               paths=[str(good.parent), str(tmp_path / "missing")],
                               **bq_options(fake_bq))
    assert [r.rows for r in batch.reports] == [3]
    sources = [f.source for f in batch.all_failures]
    assert sources == [f"bigquery:{TABLE}", str(tmp_path / "missing")]
    assert "permission denied" in batch.all_failures[0].reason
    assert "no such file or folder" in batch.all_failures[1].reason


def test_credentials_are_required_without_anonymous(
        fake_bq: FakeBigQuery, store: Store, settings: Settings,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-key.json"))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    opts = {**bq_options(fake_bq), "anonymous": False}
    with pytest.raises(BigQueryError, match=f"BigQuery table {TABLE}: no Google credentials"):
        ingest_gcp_bigquery(store, TABLE, settings=settings, **opts)
