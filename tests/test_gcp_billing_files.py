"""GCP billing export from files: BigQuery's JSONL and parquet exports, and a flattened CSV."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from aifinops.config import Settings, load_settings
from aifinops.errors import InputError
from aifinops.ingest.gcp_billing import ingest_gcp_files
from aifinops.store import Store, open_store
from tests.gcp_fixtures import ACCOUNT, Line, write_jsonl

FIXTURES = Path(__file__).parent / "fixtures" / "gcp"
A2 = {"compute.googleapis.com/machine_spec": "a2-highgpu-1g"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(db=tmp_path / "gcp-files.duckdb")


@pytest.fixture
def store(settings: Settings) -> Any:
    with open_store(settings) as s:
        yield s


def lines() -> list[Line]:
    return [
        Line("2026-10-05 10:00", 10.0, credits=(-1.0, -0.5), labels={"model": "llama-ft-70b"},
             system_labels=A2, project_labels={"team": "research"}),
        Line("2026-10-05 10:00", 2.93, sku="Nvidia Tesla A100 GPU running in Americas",
             system_labels=A2),
        Line("2026-11-01 03:00", 1.0, invoice="202610", resource=None),
        Line("2026-11-01 09:00", 4.0, invoice="202611", cost_type="tax", resource=None),
    ]


def totals(store: Store) -> list[tuple[Any, ...]]:
    return store.conn.execute(
        "select x_billing_period, count(*), round(sum(BilledCost), 6), "
        "list(distinct ChargeCategory order by ChargeCategory) from focus_costs "
        "group by all order by 1").fetchall()


EXPECTED = [("2026-10", 3, 12.43, ["Usage"]), ("2026-11", 1, 4.0, ["Tax"])]


def test_bigquery_json_export(store: Store, settings: Settings, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "export" / "000000000000.json", lines()[:2])
    write_jsonl(tmp_path / "export" / "000000000001.json", lines()[2:])
    report = ingest_gcp_files(store, str(tmp_path / "export"), settings=settings)
    assert [(p.source_key, p.period) for u in report.units for p in u.periods] == [
        (f"gcp:{ACCOUNT}", "2026-10"), (f"gcp:{ACCOUNT}", "2026-11")]
    assert totals(store) == EXPECTED
    gpu = store.conn.execute("select x_instance_type, x_gpu_count, x_gpu_model, x_model, x_team "
                             "from focus_costs where BilledCost = 8.5").fetchone()
    assert gpu == ("a2-highgpu-1g", 1, "A100", "llama-ft-70b", "research")


def test_bigquery_parquet_export(store: Store, settings: Settings, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "rows.json", lines())
    out = tmp_path / "parquet" / "000000000000.parquet"
    out.parent.mkdir()
    # Nested records and repeated records, as a BigQuery parquet export writes them.
    duckdb.execute(f"COPY (SELECT * REPLACE (CAST(usage_start_time AS TIMESTAMPTZ) AS "
                   f"usage_start_time, CAST(usage_end_time AS TIMESTAMPTZ) AS usage_end_time, "
                   f"CAST(export_time AS TIMESTAMPTZ) AS export_time) FROM read_json('{source}')) "
                   f"TO '{out}' (FORMAT parquet)")
    ingest_gcp_files(store, str(out.parent), settings=settings)
    assert totals(store) == EXPECTED


def test_reload_is_idempotent_and_skips_unchanged(store: Store, settings: Settings,
                                                  tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e" / "a.json", lines())
    ingest_gcp_files(store, str(path.parent), settings=settings)
    again = ingest_gcp_files(store, str(path.parent), settings=settings)
    assert again.units[0].skipped
    forced = ingest_gcp_files(store, str(path.parent), settings=settings, force=True)
    assert [p.replaced_rows for p in forced.units[0].periods] == [3, 1]
    assert totals(store) == EXPECTED


def test_flattened_csv_with_python_reprs(store: Store, settings: Settings, shared_data: Path,
                                         tmp_path: Path) -> None:
    folder = tmp_path / "koku"
    folder.mkdir()
    shutil.copy(FIXTURES / "2022-08-01_5.csv", folder)
    report = ingest_gcp_files(store, str(folder), settings=settings)
    [period] = report.units[0].periods
    assert (period.source_key, period.period, period.rows) == ("gcp:018984-D0AAA4-940B88",
                                                               "2022-08", 9)
    assert not report.coercions
    assert any("ignored column(s)" in n and "partition_date" in n for n in report.notes)
    got = store.conn.execute("select distinct SubAccountId, ResourceName, ServiceCategory, "
                             "ChargePeriodStart from focus_costs order by all limit 1").fetchone()
    assert got is not None and got[:3] == ("cloud-billing-292519", "instance-1", "Compute")


def test_csv_reprs_with_labels_credits_and_a_broken_cell(store: Store, settings: Settings,
                                                          tmp_path: Path) -> None:
    header = ("billing_account_id,service.description,sku.description,usage_start_time,"
              "usage_end_time,project.id,labels,system_labels,credits,cost,currency,"
              "invoice.month,cost_type,export_time\n")
    good = ("A-1,Vertex AI,Vertex AI: Online Prediction NVIDIA L4 GPU running in Americas,"
            "2026-10-01 00:00:00+00:00,2026-10-01 01:00:00+00:00,p1,"
            "\"[{'key': 'model', 'value': \"\"bob's-model\"\"}, {'key': 'team', 'value': 'ml'}]\","
            "[],\"[{'name': 'FreeTrial', 'amount': -0.25, 'full_name': None, 'id': 'x', "
            "'type': 'PROMOTION'}]\",1.0,USD,202610,regular,2026-10-01 06:00:00+00:00\n")
    broken = good.replace("[{'key': 'model'", "[{'key': 'model' BROKEN").replace(
        "00:00:00+00:00,2026-10-01 01", "01:00:00+00:00,2026-10-01 02")
    path = tmp_path / "flat" / "costs.csv"
    path.parent.mkdir()
    path.write_text(header + good + broken, encoding="utf-8")
    report = ingest_gcp_files(store, str(path.parent), settings=settings)
    [coercion] = report.coercions
    assert (coercion.column, coercion.rows) == ("labels", 1)
    got = store.conn.execute("select BilledCost, x_model, x_team, x_gpu_model, ServiceCategory "
                             "from focus_costs order by ChargePeriodStart").fetchall()
    assert got == [(0.75, "bob's-model", "ml", "L4", "AI and Machine Learning"),
                   (0.75, None, None, "L4", "AI and Machine Learning")]


def test_bad_timestamp_names_file_row_and_field(store: Store, settings: Settings,
                                                tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad" / "a.json", lines()[:1])
    text = path.read_text().replace('"usage_start_time": "2026-10-05 10:00:00.000000 UTC"',
                                    '"usage_start_time": "yesterday"')
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        ingest_gcp_files(store, str(path.parent), settings=settings)
    assert str(caught.value) == (f"{path} (row 1, field usage_start_time): expected a timestamp, "
                                 "found 'yesterday'")
    assert store.conn.execute("select count(*) from focus_costs").fetchone() == (0,)


def test_not_an_export(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "x" / "other.csv"
    path.parent.mkdir()
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"other\.csv \(header\): not a GCP billing export: "
                                         r"missing billing_account_id, invoice\.month"):
        ingest_gcp_files(store, str(path.parent), settings=settings)
