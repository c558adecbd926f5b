"""The commands as users type them: ingest gcp-billing, ingest focus, export focus."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from aifinops.cli import cli
from tests.bq_server import FakeBigQuery
from tests.gcp_fixtures import TABLE, Line, rows, running_fake_bq, write_jsonl
from tests.test_focus_ingest import oci_like

SAMPLE = Path(__file__).parents[1] / "sample_data"


@pytest.fixture
def fake_bq(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigQuery]:
    yield from running_fake_bq(monkeypatch)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def bq(server: FakeBigQuery) -> list[str]:
    return ["--api-endpoint", server.url, "--anonymous", "--since", "2026-10"]


def test_gcp_billing_from_bigquery(db: Path, fake_bq: FakeBigQuery) -> None:
    fake_bq.add_table(TABLE, rows([Line("2026-10-05 10:00", 10.0, credits=(-2.5,)),
                                   Line("2026-11-05 10:00", 4.0, invoice="202611")]))
    code, out, err = run("--db", str(db), "ingest", "gcp-billing", "--table", TABLE, *bq(fake_bq))
    assert code == 0, err
    assert "2026-10" in out and "7.50" in out and "2026-11" in out and "4.00" in out
    code, out, _ = run("--db", str(db), "-q", "ingest", "gcp-billing", "--table", TABLE,
                       *bq(fake_bq), "--pushdown")
    assert code == 0 and "2 period(s) loaded, 0 unchanged" in out  # mode changed: reloaded
    code, out, _ = run("--db", str(db), "-q", "ingest", "gcp-billing", "--table", TABLE,
                       *bq(fake_bq), "--pushdown")
    assert code == 0 and "0 period(s) loaded, 2 unchanged" in out


def test_gcp_billing_failure_is_one_line_and_others_load(db: Path, fake_bq: FakeBigQuery,
                                                         tmp_path: Path) -> None:
    fake_bq.fail("tables.get", 403, "accessDenied", "Access Denied: Table acme-billing:x.y")
    export = write_jsonl(tmp_path / "export" / "000.json", [Line("2026-10-05 10:00", 3.0)])
    code, out, err = run("--db", str(db), "ingest", "gcp-billing", str(export.parent),
                         "--table", TABLE, *bq(fake_bq))
    assert code == 1
    assert "3.00" in out  # the folder loaded
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"error: BigQuery table {TABLE}: permission denied")
    assert lines[-1] == "1 source(s) failed; everything else was loaded"


def test_gcp_billing_needs_a_source(db: Path) -> None:
    code, _, err = run("--db", str(db), "ingest", "gcp-billing")
    assert code == 2 and "give --table" in err


def test_focus_in_and_out(db: Path, tmp_path: Path) -> None:
    oci = oci_like(tmp_path / "oci" / "a.csv")
    azure = tmp_path / "azure"
    shutil.copytree(SAMPLE / "focus" / "azure", azure)
    code, out, err = run("--db", str(db), "ingest", "focus", str(azure), str(oci.parent))
    assert code == 0, err
    assert "coerced on the way in" in out and "literal NULL" in out
    code, out, err = run("--db", str(db), "export", "focus", "--out", str(tmp_path / "f.csv"),
                         "--period", "2026-10")
    assert code == 0, err
    assert "wrote 122 rows of FOCUS 1.2 CostAndUsage" in out
    # The OCI-like rows carry no SkuPriceId: a conditional rule, reported, not fatal.
    assert "74 passed, 1 failed (0 mandatory)" in out and "SkuPriceId" in out


def test_focus_in_reports_the_bad_path(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("BilledCost,ChargePeriodStart\nabc,2026-10-01\n")
    code, _, err = run("--db", str(db), "-q", "ingest", "focus", str(bad),
                       str(SAMPLE / "focus"))
    assert code == 1
    assert "expected a number in mandatory column BilledCost, found 'abc'" in err
