"""The CLI as users type it: init, ingest aws-cur, status, query, and their errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from aifinops.cli import cli
from tests.cur_builders import Line, cur2_layout, write_cur2_parquet


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


@pytest.fixture
def cur(tmp_path: Path) -> Path:
    write_cur2_parquet(cur2_layout(tmp_path / "cur", "2026-10"), [
        Line("2026-10-01 00:00:00", 55.04, product="AmazonEC2"),
        Line("2026-10-01 00:00:00", 12.5, product="AmazonSageMaker", resource="arn:aws:sagemaker:"
             "us-east-1:345678901234:endpoint/chat", usage_type="USE1-Host:ml.g5.2xlarge",
             instance_type=""),
    ])
    return tmp_path / "cur"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ingest_status_query(db: Path, cur: Path) -> None:
    code, out, _ = run("--db", str(db), "ingest", "aws-cur", str(cur))
    assert code == 0 and "2026-10" in out and "67.54" in out
    code, out, _ = run("--db", str(db), "-q", "ingest", "aws-cur", str(cur))
    assert code == 0 and "0 period(s) loaded, 1 unchanged" in out
    code, out, _ = run("--db", str(db), "status")
    assert code == 0 and "aws-cur2" in out and "67.54 USD" in out
    code, out, _ = run("--db", str(db), "query", "--format", "json",
                       "select ServiceCategory, ServiceName, sum(EffectiveCost) as cost "
                       "from focus_costs group by all order by cost desc")
    assert code == 0
    assert json.loads(out) == [
        {"ServiceCategory": "Compute", "ServiceName": "Amazon Elastic Compute Cloud",
         "cost": 55.04},
        {"ServiceCategory": "AI and Machine Learning", "ServiceName": "Amazon SageMaker",
         "cost": 12.5},
    ]
    code, out, _ = run("--db", str(db), "query", "--format", "csv",
                       "select x_instance_type from focus_costs order by 1")
    assert out.splitlines() == ["x_instance_type", "g5.2xlarge", "ml.g5.2xlarge"]


def test_query_errors(db: Path, cur: Path) -> None:
    run("--db", str(db), "ingest", "aws-cur", str(cur))
    code, _, err = run("--db", str(db), "query", "select nope from focus_costs")
    assert code == 1 and err.startswith("error: ") and "nope" in err and "Traceback" not in err
    code, _, err = run("--db", str(db), "query", "delete from focus_costs_data")
    assert code == 1 and "read-only" in err
    code, out, _ = run("--db", str(db), "query", "select count(*) as n from focus_costs")
    assert "2" in out


def test_status_and_query_before_init(db: Path) -> None:
    code, _, err = run("--db", str(db), "status")
    assert code == 1 and "aifinops init" in err
    code, out, _ = run("--db", str(db), "init")
    assert code == 0 and "ready" in out
    code, out, _ = run("--db", str(db), "status")
    assert code == 0 and "no cost data yet" in out


def test_init_upgrades_an_old_database_and_rebuilds_its_rollups(db: Path, cur: Path) -> None:
    """An upgrade can add rollups the views read: `init` fills them, so nothing reads empty."""
    assert run("--db", str(db), "ingest", "aws-cur", str(cur))[0] == 0
    with duckdb.connect(str(db)) as conn:  # as a database from before migration 011 would be,
        conn.execute("delete from schema_migrations where version >= 11")  # with 009's rollups
        conn.execute("drop table report_runs; drop sequence report_run_seq; "  # not yet built
                     "drop table sync_runs; drop sequence sync_run_seq; "
                     "delete from rollup_state; delete from cost_daily_attributed")
    code, _, err = run("--db", str(db), "status")
    assert code == 1 and "needs a schema upgrade: run `aifinops init`" in err
    code, out, err = run("--db", str(db), "init")
    assert code == 0, err
    assert "upgraded: 011_report_sync_runs, 012_rebuild_rollups" in " ".join(out.split())
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("select round(sum(cost), 2) from cost_daily").fetchone() == (67.54,)


def test_bad_input_exit_code_and_message(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-cur.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = run("--db", str(db), "ingest", "aws-cur", str(bad))
    assert code == 1
    assert err.strip().startswith(f"error: {bad}")
    assert "not an AWS Cost and Usage Report" in err


def test_python_dash_m_entry_point(db: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "aifinops", "--db", str(db), "init"],
                         capture_output=True, text=True, check=True)
    assert "ready" in out.stdout


def test_no_refresh_loads_only_and_readers_say_so(db: Path, cur: Path) -> None:
    code, out, _ = run("--db", str(db), "ingest", "aws-cur", str(cur), "--no-refresh")
    assert code == 0, out
    assert "not refreshed: 1 billing period(s) arrived since the last refresh" in out
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from focus_costs").fetchone() == (2,)
        assert con.execute("select count(*) from cost_daily").fetchone() == (0,)
        assert con.execute("select count(*) from recommendations").fetchone() == (0,)

    code, out, err = run("--db", str(db), "query", "select count(*) as n from cost_daily")
    assert code == 0 and "run `aifinops refresh`" in err
    code, out, _ = run("--db", str(db), "status")
    assert "rollups: 1 billing period(s) arrived since the last refresh" in out

    code, out, _ = run("--db", str(db), "refresh")
    assert code == 0 and "refreshed 1 period(s)" in out
    code, out, err = run("--db", str(db), "query", "--format", "csv",
                         "select (select round(sum(cost), 2) from cost_daily) "
                         "= (select round(sum(EffectiveCost), 2) from focus_costs) as same")
    assert code == 0 and out.splitlines()[1] == "True" and err == ""
    code, out, _ = run("--db", str(db), "status")
    assert "rollups:" not in out


def test_ingest_refreshes_by_default(db: Path, cur: Path) -> None:
    code, out, _ = run("--db", str(db), "ingest", "aws-cur", str(cur))
    assert code == 0 and "refreshed 1 period(s)" in out and "not refreshed" not in out
    code, _, err = run("--db", str(db), "query", "select count(*) from cost_daily")
    assert code == 0 and err == ""


def test_every_command_is_named_with_the_module_that_registers_it() -> None:
    """The groups import a command's module only when it runs, from the names in aifinops.cli; a
    command missing there would exist in its module and never be found."""
    import importlib
    import pkgutil

    import aifinops.commands
    from aifinops.cli import COMMANDS, INGEST_COMMANDS
    from aifinops.commands.base import ingest

    for module in pkgutil.iter_modules(aifinops.commands.__path__):
        importlib.import_module(f"aifinops.commands.{module.name}")
    registered = {name: command.callback.__module__ for name, command in cli.commands.items()
                  if name != "ingest" and command.callback is not None}
    assert registered == {name: f"aifinops.commands.{m}" for name, m in COMMANDS.items()}
    registered_ingest = {name: command.callback.__module__
                         for name, command in ingest.commands.items() if command.callback}
    assert registered_ingest == {n: f"aifinops.commands.{m}" for n, m in INGEST_COMMANDS.items()}


def test_a_command_runs_without_importing_the_modules_of_the_others(tmp_path: Path) -> None:
    code = ("import sys; from aifinops.cli import main; sys.argv = ['aifinops', '--db', sys.argv[1],"
            " 'status']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('aifinops.commands.')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.duckdb")],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['aifinops.commands.base', 'aifinops.commands.core']"
