"""`aifinops sync`: every configured source through the real loaders (local folders, S3 on a moto
server, BigQuery on the local fake), one failing source that leaves the others loaded, reports,
alerts as exit codes for cron, and the lock that keeps two syncs apart."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from aifinops.cli import cli
from aifinops.config import load_settings
from aifinops.demo.build import sample_data_root
from aifinops.errors import ConfigError
from aifinops.sync.config import load_sync_config
from aifinops.sync.lock import lock_path
from aifinops.sync.runner import EXIT_ALERT, EXIT_LOCKED, EXIT_OK, EXIT_SOURCE_FAILED
from tests.bq_server import FakeBigQuery
from tests.gcp_fixtures import TABLE, Line, rows, running_fake_bq

SAMPLE = sample_data_root()
REPO = Path(__file__).resolve().parent.parent


def write_config(folder: Path, sync: str, sources: str, extra: str = "") -> Path:
    path = folder / "aifinops.toml"
    path.write_text(textwrap.dedent(f"""\
        [database]
        path = "costs.duckdb"

        [hosts]
        gpu-dev-01 = "i-0d1b2c3d4e5f60031"
        {extra}
        [sync]
        {sync}
        """) + textwrap.dedent(sources), encoding="utf-8")
    return path


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args, "sync"])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql).fetchall()


LOCAL_SOURCES = f"""
    [[sync.sources]]
    type = "aws-cur"
    uri = "{SAMPLE / 'aws' / 'cur2'}"

    [[sync.sources]]
    type = "focus"
    name = "azure export"
    path = "{SAMPLE / 'focus' / 'azure'}"

    [[sync.sources]]
    type = "nvidia-smi"
    glob = "{SAMPLE / 'gpu' / 'nvidia-smi'}/gpu-dev-*.csv.gz"

    [[sync.sources]]
    type = "spool"
    path = "spool"
    keep = true

    [[sync.sources]]
    type = "traffic"
    path = "{SAMPLE / 'traffic' / 'requests.csv'}"
"""
BROKEN = """
    [[sync.sources]]
    type = "focus"
    name = "missing export"
    path = "no-such-folder"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE / "gpu" / "spool" / "gpu-shared-01", tmp_path / "spool")
    return tmp_path


def test_one_failing_source_leaves_the_others_loaded(folder: Path) -> None:
    config = write_config(folder, 'report_formats = ["md", "json"]\nalert_on_budget = "off"',
                          LOCAL_SOURCES + BROKEN)
    code, out, err = run(config)
    assert code == EXIT_SOURCE_FAILED
    assert f"error: source missing export: {folder / 'no-such-folder'}" in err
    assert "sync: 5 source(s) ok, 1 failed" in err and "failed: missing export" in err
    assert "ok: azure export" in out
    db = folder / "costs.duckdb"
    sources: dict[str, int] = dict(query(db, "select split_part(x_source_key, ':', 1), count(*) "
                             "from focus_costs group by 1"))
    assert set(sources) == {"aws", "focus"}
    assert query(db, "select count(distinct host) from gpu_samples") == [(2,)]  # dev-01, shared
    assert query(db, "select count(*) > 0 from model_traffic") == [(True,)]
    assert query(db, "select count(*) > 0 from recommendations") == [(True,)]
    assert sorted(p.name for p in (folder / "reports").iterdir()) == [
        "aifinops-report-2026-11.json", "aifinops-report-2026-11.md"]
    [(exit_code, ok, failed, failures)] = query(
        db, "select exit_code, sources_ok, sources_failed, failures::varchar from sync_runs")
    assert (exit_code, ok, failed) == (EXIT_SOURCE_FAILED, 5, 1)
    assert "no-such-folder" in str(failures)
    assert len(list((folder / "spool").glob("*.jsonl.gz"))) == 7  # keep = true
    status = CliRunner().invoke(cli, ["--config", str(config), "status"])
    said = " ".join(status.stdout.split())  # rich wraps long lines at spaces
    assert "exit 3, 5 source(s) ok, 1 failed, 0 alert(s)" in said
    assert f"2026-11 (md, json) in {folder / 'reports'}" in said


def test_alerts_are_exit_codes_and_a_second_sync_changes_nothing(folder: Path) -> None:
    sources = LOCAL_SOURCES.replace('keep = true', 'archive = "archive"')
    config = write_config(folder, 'report_formats = []\nalert_new_saving_usd = 1000\n'
                          'alert_on_budget = "forecast"', sources,
                          extra="[budgets.team]\nresearch = 50000\n")
    code, _, err = run(config)
    assert code == EXIT_ALERT, err
    assert "ALERT budget: team research has spent $" in err
    assert "ALERT recommendation: new recommendation R-" in err
    assert not (folder / "reports").exists()  # no formats configured
    assert len(list((folder / "archive").glob("*.jsonl.gz"))) == 7  # spool archived
    db = folder / "costs.duckdb"
    before = query(db, "select x_source_key, x_billing_period, x_load_id from focus_costs "
                       "group by all order by all")

    # Same files again: nothing reloaded, nothing new to alert on; only the budget remains.
    code, _, err = run(config)
    assert code == EXIT_ALERT
    assert "ALERT recommendation" not in err and "ALERT budget" in err
    assert query(db, "select x_source_key, x_billing_period, x_load_id from focus_costs "
                     "group by all order by all") == before

    quiet = write_config(folder, "alert_new_saving_usd = 1000\nalert_on_budget = \"off\"\n"
                         "report_formats = [\"md\"]", sources,
                         extra="[budgets.team]\nresearch = 50000\n")
    code, out, err = run(quiet, "--quiet")
    assert code == EXIT_OK, err
    assert out == "" and err == ""  # cron mails any output: nothing to say, nothing said
    assert query(db, "select list(exit_code order by run_id) from sync_runs") == [
        ([EXIT_ALERT, EXIT_ALERT, EXIT_OK],)]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigQuery]:
    yield from running_fake_bq(monkeypatch)


def test_s3_and_bigquery_sources(tmp_path: Path, upload_tree: Callable[..., str],
                                 moto_s3: str, fake: FakeBigQuery) -> None:
    cur = upload_tree(SAMPLE / "aws" / "cur2", "acme-cur", "exports/ai-costs")
    fake.add_table(TABLE, rows([Line("2026-10-05 10:00", 10.0, credits=(-1.5,)),
                                Line("2026-10-06 10:00", 4.0)]))
    sources = f"""
        [[sync.sources]]
        type = "aws-cur"
        uri = "{cur}"
        endpoint_url = "{moto_s3}"

        [[sync.sources]]
        type = "aws-cur"
        name = "wrong bucket"
        uri = "s3://no-such-bucket/cur/"
        endpoint_url = "{moto_s3}"

        [[sync.sources]]
        type = "gcp-billing"
        table = "{TABLE}"
        api_endpoint = "{fake.url}"
        anonymous = true
        lookback_months = 240

        [[sync.sources]]
        type = "gcp-billing"
        name = "missing table"
        table = "acme-billing.billing_export.nope"
        api_endpoint = "{fake.url}"
        anonymous = true
    """
    config = write_config(tmp_path, 'report_formats = ["md"]', sources)
    code, _, err = run(config)
    assert code == EXIT_SOURCE_FAILED, err
    assert "error: source wrong bucket: " in err and "no-such-bucket" in err
    assert "error: source missing table: " in err and "nope" in err
    db = tmp_path / "costs.duckdb"
    costs: dict[str, float] = dict(query(db, "select split_part(x_source_key, ':', 1), sum(EffectiveCost) "
                           "from focus_costs group by 1"))
    assert costs["gcp"] == pytest.approx(12.5)
    assert costs["aws"] > 0
    assert (tmp_path / "reports" / "aifinops-report-2026-11.md").exists()


def test_two_syncs_never_run_at_once(tmp_path: Path) -> None:
    config = write_config(tmp_path, "", f"""
        [[sync.sources]]
        type = "aws-cur"
        uri = "{SAMPLE / 'aws' / 'cur2'}"
    """)
    lock = lock_path(tmp_path / "costs.duckdb")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from aifinops.sync.lock import SyncLock\n"
         f"with SyncLock(Path({str(lock)!r})):\n"
         "    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, _, err = run(config)
        assert code == EXIT_LOCKED
        assert "another aifinops sync is running on this database" in err
        assert f"pid {holder.pid}" in err
        assert not (tmp_path / "costs.duckdb").exists()  # it did nothing at all
    finally:
        holder.communicate("", timeout=10)
    code, _, err = run(config)  # the holder is gone: the lock is free again
    assert code == EXIT_OK, err


def hold_open(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process reading the database (as the app or the duckdb CLI would)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         f"c = duckdb.connect({str(db)!r}, read_only=True)\n"
         f"print('open', flush=True); time.sleep({seconds}); c.close()"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    return holder


def test_sync_waits_for_a_reader_then_gives_up_clearly(tmp_path: Path) -> None:
    sources = f"""
        [[sync.sources]]
        type = "aws-cur"
        uri = "{SAMPLE / 'aws' / 'cur2'}"
    """
    config = write_config(tmp_path, "report_formats = []\nlock_wait_s = 0", sources)
    assert run(config)[0] == EXIT_OK
    db = tmp_path / "costs.duckdb"
    holder = hold_open(db, 30)
    try:
        code, _, err = run(config)
        assert code == EXIT_LOCKED
        assert "is in use by another process" in err
    finally:
        holder.kill()
        holder.wait()
    patient = write_config(tmp_path, "report_formats = []\nlock_wait_s = 30", sources)
    holder = hold_open(db, 1.5)  # lets go while the sync waits
    code, _, err = run(patient)
    holder.wait()
    assert code == EXIT_OK, err
    assert query(db, "select count(*) from sync_runs") == [(2,)]


@pytest.mark.parametrize(("sources", "message"), [
    ('[[sync.sources]]\ntype = "s3"\n', "type must be one of aws-cur"),
    ('[[sync.sources]]\ntype = "aws-cur"\n', "#1 in .* \\(aws-cur\\): uri is required"),
    ('[[sync.sources]]\ntype = "aws-cur"\nuri = "x"\nbucket = "y"\n', "unknown key 'bucket'"),
    ('[[sync.sources]]\ntype = "gcp-billing"\n', "give table ="),
    ('[[sync.sources]]\ntype = "spool"\npath = "s"\nkeep = "yes"\n', "keep must be true or false"),
])
def test_config_errors_name_the_source_and_key(tmp_path: Path, sources: str,
                                               message: str) -> None:
    config = write_config(tmp_path, "", sources)
    with pytest.raises(ConfigError, match=message):
        load_sync_config(load_settings(config=config))
    result = CliRunner().invoke(cli, ["--config", str(config), "sync"])
    assert result.exit_code == 1
    assert not (tmp_path / "costs.duckdb").exists()


def test_check_lists_the_plan_and_loads_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'report_formats = ["md"]\nalert_new_saving_usd = 500', """
        [[sync.sources]]
        type = "aws-cur"
        name = "payer CUR"
        uri = "s3://acme-cur/exports/"
        profile = "billing"
    """)
    result = CliRunner().invoke(cli, ["--config", str(config), "sync", "--check"])
    assert result.exit_code == 0, result.output
    assert "1. payer CUR [aws-cur] profile=billing, uri=s3://acme-cur/exports/" in result.stdout
    assert f"reports: md into {tmp_path.resolve() / 'reports'}" in result.stdout
    assert "a new recommendation saving ≥ $500.00/month" in result.stdout
    assert not (tmp_path / "costs.duckdb").exists()


def test_bad_sync_settings(tmp_path: Path) -> None:
    for sync, message in (('alert_on_budget = "sometimes"', "alert_on_budget must be one of"),
                          ("alert_new_saving_usd = -5", "non-negative number of USD"),
                          ('report_formats = ["pdf"]', "unknown report format 'pdf'"),
                          ("colour = 1", "unknown key 'colour'")):
        config = write_config(tmp_path, sync, "")
        with pytest.raises(Exception, match=message):
            load_sync_config(load_settings(config=config))


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'report_dir = "out"', """
        [[sync.sources]]
        type = "nvidia-smi"
        glob = "logs/*.csv"
    """)
    settings = load_settings(config=config)
    loaded = load_sync_config(settings)
    assert loaded.report_dir == tmp_path.resolve() / "out"
    assert loaded.sources[0].get("glob") == str(tmp_path.resolve() / "logs" / "*.csv")
    assert loaded.sources[0].name == "nvidia-smi logs/*.csv"
