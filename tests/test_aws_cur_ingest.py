"""AWS CUR ingest: FOCUS mapping, idempotence, restatement, and each kind of bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from aifinops.config import Settings, load_settings
from aifinops.errors import InputError
from aifinops.ingest import cur_source
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.store import Store, open_store
from tests.cur_builders import (
    LEGACY_HEADER,
    Line,
    cur2_layout,
    write_cur2_csv_gz,
    write_cur2_parquet,
    write_legacy_csv_gz,
)

SP = "arn:aws:savingsplans::111122223333:savingsplan/test"
TAGS = {"user_model": "llama-ft-70b", "user_team": "research", "user_name": "gpu-train-01"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(db=tmp_path / "test.duckdb")


@pytest.fixture
def store(settings: Settings) -> Any:
    with open_store(settings) as s:
        yield s


def snapshot(store: Store) -> tuple[Any, ...]:
    """Everything a load could change: cost rows (as a multiset) and the load ledger."""
    costs = store.conn.execute(
        "select x_source_key, x_billing_period, ResourceId, ChargePeriodStart, BilledCost, "
        "EffectiveCost, x_load_id from focus_costs order by all").fetchall()
    loads = store.conn.execute("select * from loads order by all").fetchall()
    return tuple(costs), tuple(loads)


def sp_hour(start: str) -> list[Line]:
    """One hour of a g5 host covered by a Savings Plan, and the plan's fee for that hour."""
    return [
        Line(start, 1.212, type="SavingsPlanCoveredUsage", public_cost=1.212, sp_effective=0.87,
             sp_arn=SP, tags=TAGS),
        Line(start, -1.212, type="SavingsPlanNegation", sp_arn=SP, tags=TAGS),
        Line(start, 1.0, type="SavingsPlanRecurringFee", product="ComputeSavingsPlans",
             resource=SP, usage_type="ComputeSP:1yrNoUpfront", instance_type="",
             sp_commitment=1.0, sp_used=0.87, sp_arn=SP),
    ]


def october() -> list[Line]:
    return [
        Line("2026-10-01 00:00:00", 55.04, resource="i-0p5", instance_type="p5.48xlarge",
             usage_type="USE1-BoxUsage:p5.48xlarge", public_cost=55.04, tags=TAGS),
        Line("2026-10-01 01:00:00", 22.02, resource="i-0p5", instance_type="p5.48xlarge",
             usage_type="USE1-SpotUsage:p5.48xlarge", public_cost=55.04, term="Spot", tags=TAGS),
        *sp_hour("2026-10-01 00:00:00"),
        Line("2026-10-01 00:00:00", 412.35, type="Tax", resource="", instance_type="",
             usage_type="", amount=0),
        Line("2026-10-01 00:00:00", -750.0, type="Credit", resource="", instance_type="",
             usage_type="", amount=0),
    ]


def test_cur2_parquet_maps_to_focus(store: Store, settings: Settings, tmp_path: Path) -> None:
    write_cur2_parquet(cur2_layout(tmp_path / "cur", "2026-10"), october())
    report = ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
    [unit] = report.units
    [period] = unit.periods
    assert (period.source_key, period.period, period.rows) == ("aws:111122223333", "2026-10", 7)
    # Billed: every unblended cost, the negation cancelling the covered usage.
    assert period.billed_cost == pytest.approx(55.04 + 22.02 + 1.212 - 1.212 + 1.0 + 412.35 - 750)
    # Effective: SP usage at its SP rate, negation 0, the fee only for its unused commitment.
    assert period.effective_cost == pytest.approx(55.04 + 22.02 + 0.87 + 0 + 0.13 + 412.35 - 750)
    rows = {r[0]: r[1:] for r in store.conn.execute(
        "select x_line_item_type, ChargeCategory, PricingCategory, x_gpu_count, x_model, x_team, "
        "ResourceName, ServiceCategory, CommitmentDiscountType, ListCost from focus_costs "
        "where x_usage_type like '%SpotUsage%' or x_line_item_type <> 'Usage'").fetchall()}
    assert rows["Usage"][:7] == ("Usage", "Dynamic", 8, "llama-ft-70b", "research", "gpu-train-01",
                                 "Compute")
    assert rows["SavingsPlanCoveredUsage"][1] == "Committed"
    assert rows["SavingsPlanCoveredUsage"][7] == "Savings Plan"
    assert rows["SavingsPlanNegation"][8] == 0
    assert rows["SavingsPlanRecurringFee"][0] == "Purchase"
    assert rows["Tax"][0:2] == ("Tax", None)
    assert rows["Credit"][0] == "Credit"


def test_same_files_twice_change_nothing(store: Store, settings: Settings, tmp_path: Path) -> None:
    write_cur2_parquet(cur2_layout(tmp_path / "cur", "2026-10"), october())
    ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
    before = snapshot(store)
    again = ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
    assert [u.skipped for u in again.units] == [True]
    assert snapshot(store) == before
    forced = ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings, force=True)
    assert forced.units[0].periods[0].replaced_rows == 7
    assert store.conn.execute("select count(*) from focus_costs").fetchone() == (7,)


def test_restated_period_replaces_only_that_period(store: Store, settings: Settings,
                                                   tmp_path: Path) -> None:
    root = tmp_path / "cur"
    write_cur2_parquet(cur2_layout(root, "2026-10"), october())
    nov = [Line("2026-11-02 00:00:00", 10.0, period="2026-11-01 00:00:00")]
    write_cur2_parquet(cur2_layout(root, "2026-11"), nov)
    ingest_aws_cur(store, str(root), settings=settings)
    restated = [*october(), Line("2026-10-03 00:00:00", -100.0, type="Refund", resource="")]
    write_cur2_parquet(cur2_layout(root, "2026-10"), restated)
    report = ingest_aws_cur(store, str(root), settings=settings)
    outcomes = {u.unit: (u.skipped, [p.replaced_rows for p in u.periods]) for u in report.units}
    assert outcomes == {"ai-costs/BILLING_PERIOD=2026-10": (False, [7]),
                        "ai-costs/BILLING_PERIOD=2026-11": (True, [])}
    totals = dict(store.conn.execute(
        "select x_billing_period, count(*) from focus_costs group by all").fetchall())
    assert totals == {"2026-10": 8, "2026-11": 1}


def test_manifest_decides_which_files_belong_to_the_period(store: Store, settings: Settings,
                                                           tmp_path: Path) -> None:
    root = tmp_path / "cur"
    current = write_cur2_parquet(cur2_layout(root, "2026-10", "run2-00001.snappy.parquet"),
                                 october())
    write_cur2_parquet(cur2_layout(root, "2026-10", "run1-00001.snappy.parquet"), october())
    manifest = root / "ai-costs" / "metadata" / "BILLING_PERIOD=2026-10" / "ai-costs-Manifest.json"
    manifest.parent.mkdir(parents=True)
    key = current.relative_to(root).as_posix()
    manifest.write_text(json.dumps({"dataFiles": [f"s3://bucket/cur/{key}"]}))
    report = ingest_aws_cur(store, str(root), settings=settings)
    assert report.rows == 7  # the stale run1 file is ignored
    manifest.write_text(json.dumps({"dataFiles": ["s3://bucket/cur/ai-costs/data/"
                                                  "BILLING_PERIOD=2026-10/gone.parquet"]}))
    with pytest.raises(InputError, match=r"lists .*gone.parquet but that file is not there"):
        ingest_aws_cur(store, str(root), settings=settings)


def test_cur2_csv_gz_with_json_tag_maps(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = cur2_layout(tmp_path / "cur", "2026-10", "export-00001.csv.gz")
    write_cur2_csv_gz(path, october())
    report = ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
    assert report.units[0].periods[0].effective_cost == pytest.approx(
        55.04 + 22.02 + 0.87 + 0.13 + 412.35 - 750)
    models = store.conn.execute(
        "select distinct x_model from focus_costs where x_model is not null").fetchall()
    assert models == [("llama-ft-70b",)]


def test_legacy_cur_headers_case_and_leading_zeros(store: Store, settings: Settings,
                                                   tmp_path: Path) -> None:
    lines = [
        Line("2026-10-01 00:00:00", 5.672, payer="009988776655", account="001234567890",
             instance_type="g5.12xlarge",
             tags={"user:model": "vision-diffusion", "user:team": "research",
                   "user:Name": "gpu-research-01"}),
        *[Line(x.start, x.cost, type=x.type, payer="009988776655", account="001234567890",
               sp_arn=x.sp_arn, sp_effective=x.sp_effective, public_cost=x.public_cost)
          for x in sp_hour("2026-10-01 01:00:00")[:2]],
    ]
    header = [h.replace("SavingsPlanARN", "SavingsPlanArn").replace("lineItem/", "LineItem/")
              for h in LEGACY_HEADER]
    root = tmp_path / "legacy" / "research-cur" / "20261001-20261101"
    write_legacy_csv_gz(root / "research-cur-1.csv.gz", lines,
                        ["user:model", "user:team", "user:Name"], header=header)
    report = ingest_aws_cur(store, str(tmp_path / "legacy"), settings=settings)
    [period] = report.units[0].periods
    assert period.source_key == "aws:009988776655"
    assert period.billed_cost == pytest.approx(5.672)
    assert period.effective_cost == pytest.approx(5.672 + 0.87)
    row = store.conn.execute(
        "select SubAccountId, x_model, x_team, ResourceName, x_gpu_count, x_source, "
        "json_extract_string(Tags, '$.\"user:team\"') from focus_costs "
        "where x_line_item_type = 'Usage'").fetchone()
    assert row == ("001234567890", "vision-diffusion", "research", "gpu-research-01", 4,
                   "aws-cur-legacy", "research")


def test_legacy_tags_read_from_columns_match_the_tag_map_path(store: Store, settings: Settings,
                                                              tmp_path: Path) -> None:
    """Legacy tags are computed straight from their columns; they must equal what the map path
    (to_json of the non-empty tags, the configured-key macros) gives, awkward values included."""
    awkward = ['say "hi"', "back\\slash", "ünï/cødé ✓", "  spaced  ", "", '{"json": 1}', "tab\tnew"]
    keys = ["user:model", "user:team", "user:Name", "user:env", "user:a/\"b\""]
    lines = [Line(f"2026-10-01 {h:02d}:00:00", 1.0 + h, instance_type="g5.12xlarge",
                  resource=f"i-0{h:016x}",
                  tags={k: awkward[(h + j) % len(awkward)] for j, k in enumerate(keys) if (h + j) % 5})
             for h in range(20)]
    lines.append(Line("2026-10-02 00:00:00", 1.0, resource="i-0untagged", tags={}))
    root = tmp_path / "legacy" / "research-cur" / "20261001-20261101"
    path = write_legacy_csv_gz(root / "research-cur-1.csv.gz", lines, keys)
    ingest_aws_cur(store, str(tmp_path / "legacy"), settings=settings)
    files = [cur_source.inspect_file(store.conn, path, str(path))]
    expected = store.conn.execute(
        f"select line_item_resource_id, x_tags_json, x_tag_model, x_tag_team, x_tag_env, x_tag_name "
        f"from ({cur_source.source_sql(files)}) order by 1").fetchall()  # the map path
    stored = store.conn.execute(
        "select ResourceId, Tags, x_model, x_team, x_env, ResourceName from focus_costs "
        "order by 1").fetchall()
    assert len(stored) == 21
    assert [r[:5] for r in stored] == [r[:5] for r in expected]
    assert [r[5] for r in stored] == [n or rid for rid, *_, n in expected]
    assert any(r[2] == 'say "hi"' for r in stored) and any(r[1] == "{}" for r in stored)


# ---------------------------------------------------------------- bad input leaves nothing behind


@pytest.fixture
def loaded(store: Store, settings: Settings, tmp_path: Path) -> tuple[Store, tuple[Any, ...]]:
    write_cur2_parquet(cur2_layout(tmp_path / "good", "2026-10"), october())
    ingest_aws_cur(store, str(tmp_path / "good"), settings=settings)
    return store, snapshot(store)


def _bad(tmp_path: Path, name: str) -> Path:
    return cur2_layout(tmp_path / "bad", "2026-10", name)


def _assert_rejected(loaded: tuple[Store, Any], settings: Settings, uri: Path,
                     pattern: str) -> InputError:
    store, before = loaded
    with pytest.raises(InputError, match=pattern) as info:
        ingest_aws_cur(store, str(uri), settings=settings)
    assert snapshot(store) == before
    return info.value


def test_missing_required_column(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    path = _bad(tmp_path, "x.csv.gz")
    path.parent.mkdir(parents=True)
    with gzip.open(path, "wt") as handle:
        handle.write("line_item_line_item_type,line_item_usage_start_date\nUsage,2026-10-01\n")
    err = _assert_rejected(loaded, settings, tmp_path / "bad",
                           "missing required column.*bill_billing_period_start_date")
    assert err.source.endswith("x.csv.gz") and err.where == "header"


def test_wrong_type_names_line_and_column(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    path = write_cur2_csv_gz(_bad(tmp_path, "x.csv.gz"), october())
    with gzip.open(path, "rt") as handle:
        text = handle.read().splitlines()
    cells = text[3].split(",")
    cells[7] = "twelve dollars"
    text[3] = ",".join(cells)
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(text) + "\n")
    err = _assert_rejected(loaded, settings, tmp_path / "bad", "expected a number")
    assert err.where == "line 4, column line_item_unblended_cost"
    assert "'twelve dollars'" in str(err)


def test_truncated_gzip(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    path = write_cur2_csv_gz(_bad(tmp_path, "x.csv.gz"), october() * 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    err = _assert_rejected(loaded, settings, tmp_path / "bad", "could not be loaded|cannot read")
    assert err.source.endswith("x.csv.gz")


def test_empty_file(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    path = _bad(tmp_path, "x.parquet")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    _assert_rejected(loaded, settings, tmp_path / "bad", r"empty file \(0 bytes\)")


def test_header_only_file(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    write_cur2_csv_gz(_bad(tmp_path, "x.csv.gz"), [])
    _assert_rejected(loaded, settings, tmp_path / "bad", "no line items")


def test_csv_that_is_not_a_cur(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad" / "invoice.csv"
    path.parent.mkdir(parents=True)
    path.write_text("date,amount,customer\n2026-10-01,12.50,acme\n")
    err = _assert_rejected(loaded, settings, path, "not an AWS Cost and Usage Report")
    assert "found date, amount, customer" in str(err)


def test_mixed_currencies(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    lines = [Line("2026-10-05 00:00:00", 3.0, currency="EUR"), *october()]
    write_cur2_parquet(_bad(tmp_path, "x.parquet"), lines)
    _assert_rejected(loaded, settings, tmp_path / "bad", "mixed currencies.*EUR, USD")


def test_folder_with_no_exports(loaded: Any, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "notes.txt").write_text("nothing here")
    _assert_rejected(loaded, settings, tmp_path / "bad", "no CUR exports found")


def test_failure_in_one_period_keeps_the_others(store: Store, settings: Settings,
                                                tmp_path: Path) -> None:
    root = tmp_path / "cur"
    write_cur2_parquet(cur2_layout(root, "2026-10"), october())
    bad = cur2_layout(root, "2026-11", "x.parquet")
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"")
    with pytest.raises(InputError):
        ingest_aws_cur(store, str(root), settings=settings)
    assert store.conn.execute("select count(*), min(x_billing_period) from focus_costs"
                              ).fetchone() == (7, "2026-10")
