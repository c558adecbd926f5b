"""Reconciliation: totals loaded per billing period equal plain DuckDB SQL over the source files.

The expected figures are computed here straight from the demo world's CUR files with AWS's own
amortisation CASE (CID summary_view.sql), never through our mapping, and compared to the cent.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from aifinops.config import load_settings
from aifinops.demo.build import sample_data_root
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.store import open_store

AWS_AMORTISED = """
    CASE {t}
        WHEN 'SavingsPlanCoveredUsage' THEN {sp_eff}
        WHEN 'SavingsPlanRecurringFee' THEN {sp_total} - {sp_used}
        WHEN 'SavingsPlanNegation' THEN 0
        WHEN 'SavingsPlanUpfrontFee' THEN 0
        WHEN 'DiscountedUsage' THEN {ri_eff}
        ELSE {cost}
    END
"""


def loaded_totals(uri: Path, tmp_path: Path) -> dict[str, tuple[int, float, float]]:
    settings = load_settings(db=tmp_path / "recon.duckdb")
    with open_store(settings) as store:
        report = ingest_aws_cur(store, str(uri), settings=settings)
    return {p.period: (p.rows, round(p.billed_cost, 2), round(p.effective_cost, 2))
            for u in report.units for p in u.periods}


def test_cur2_totals_match_raw_sql(tmp_path: Path) -> None:
    root = sample_data_root() / "aws" / "cur2"
    files = sorted(str(p) for p in root.rglob("*.parquet"))
    amortised = AWS_AMORTISED.format(
        t="line_item_line_item_type", sp_eff="savings_plan_savings_plan_effective_cost",
        sp_total="savings_plan_total_commitment_to_date", sp_used="savings_plan_used_commitment",
        ri_eff="reservation_effective_cost",
        cost="coalesce(line_item_net_unblended_cost, line_item_unblended_cost)")
    con = duckdb.connect()
    raw = con.execute(f"""
        select strftime(bill_billing_period_start_date, '%Y-%m'), count(*),
               round(sum(coalesce(line_item_net_unblended_cost, line_item_unblended_cost)), 2),
               round(sum({amortised}), 2)
        from read_parquet({files}) group by all order by 1""").fetchall()
    expected = {r[0]: (r[1], r[2], r[3]) for r in raw}
    assert len(expected) == 2
    assert loaded_totals(root, tmp_path) == expected


def test_legacy_totals_match_raw_sql(tmp_path: Path) -> None:
    root = sample_data_root() / "aws" / "legacy"
    files = sorted(str(p) for p in root.rglob("*.csv.gz"))

    def num(col: str) -> str:
        return f"coalesce(try_cast(nullif(\"{col}\", '') as double), 0)"

    amortised = AWS_AMORTISED.format(
        t='"lineItem/LineItemType"', sp_eff=num("savingsPlan/SavingsPlanEffectiveCost"),
        sp_total=num("savingsPlan/TotalCommitmentToDate"), sp_used=num("savingsPlan/UsedCommitment"),
        ri_eff=num("reservation/EffectiveCost"), cost=num("lineItem/UnblendedCost"))
    # Each month's file reads on its own (their columns differ, as real months do).
    expected = {}
    for path in files:
        row = duckdb.connect().execute(f"""
            select left("bill/BillingPeriodStartDate", 7), count(*),
                   round(sum({num("lineItem/UnblendedCost")}), 2), round(sum({amortised}), 2)
            from read_csv('{path}', all_varchar = true) group by all""").fetchone()
        assert row is not None
        expected[row[0]] = (row[1], row[2], row[3])
    assert len(expected) == 2
    assert loaded_totals(root, tmp_path) == expected


@pytest.mark.parametrize("folder", ["cur2", "legacy"])
def test_demo_bill_has_the_patterns_the_world_promises(folder: str, tmp_path: Path) -> None:
    settings = load_settings(db=tmp_path / "p.duckdb")
    with open_store(settings) as store:
        ingest_aws_cur(store, str(sample_data_root() / "aws" / folder), settings=settings)
        kinds = {r[0] for r in store.conn.execute(
            "select distinct ChargeCategory from focus_costs").fetchall()}
        untagged = store.conn.execute(
            "select count(*) from focus_costs where ChargeCategory = 'Usage' and x_model is null"
        ).fetchone()
    assert {"Usage", "Tax"} <= kinds
    if folder == "cur2":  # the main org: a Savings Plan, a credit, and untagged resources
        assert {"Purchase", "Credit"} <= kinds
        assert untagged is not None and untagged[0] > 0
