"""Reports on the demo world: the numbers agree with the bill, every format says the same thing,
HTML is self-contained, and a report says what changed since the previous one."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from aifinops.analysis.recommend import change_status, run_recommendations
from aifinops.cli import cli
from aifinops.config import Settings, load_settings
from aifinops.demo.build import build_demo, sample_data_root
from aifinops.errors import AifinopsError
from aifinops.reports.data import build_report, diff_recommendations
from aifinops.reports.period import parse_period
from aifinops.reports.write import parse_formats, write_reports
from aifinops.store import open_store

CONFIG = sample_data_root() / "aifinops.toml"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "demo.duckdb"
    build_demo(load_settings(db=path, config=CONFIG))
    return path


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path) -> Iterator[Settings]:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    yield load_settings(db=copy, config=CONFIG)


# ---- periods -------------------------------------------------------------------------------


def test_month_in_progress_compares_same_days_of_previous_month() -> None:
    p = parse_period(None, date(2026, 11, 28))
    assert (p.start, p.end, p.prev_start, p.prev_end) == (
        date(2026, 11, 1), date(2026, 11, 29), date(2026, 10, 1), date(2026, 10, 29))
    assert p.partial and p.month == "2026-11"
    # March 30 → February has only 28 days: the comparison stops at February's end.
    march = parse_period("2026-03", date(2026, 3, 30))
    assert (march.prev_start, march.prev_end) == (date(2026, 2, 1), date(2026, 3, 1))


def test_whole_month_days_and_ranges() -> None:
    october = parse_period("2026-10", date(2026, 11, 28))
    assert (october.start, october.end, october.partial) == (date(2026, 10, 1),
                                                             date(2026, 11, 1), False)
    assert (october.prev_start, october.prev_end) == (date(2026, 9, 1), date(2026, 10, 1))
    week = parse_period("7d", date(2026, 11, 28))
    assert (week.start, week.end, week.prev_start) == (date(2026, 11, 22), date(2026, 11, 29),
                                                       date(2026, 11, 15))
    span = parse_period("2026-11-02..2026-11-08", None)
    assert (span.start, span.end, span.prev_start, span.prev_end) == (
        date(2026, 11, 2), date(2026, 11, 9), date(2026, 10, 26), date(2026, 11, 2))


@pytest.mark.parametrize(("text", "message"), [
    ("2026-13", "month must be 01..12"),
    ("2026-11-08..2026-11-02", "end is before the start"),
    ("last week", "expected YYYY-MM"),
    ("2026-02-30..2026-03-01", "day is out of range"),
])
def test_bad_periods_say_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(AifinopsError, match=message):
        parse_period(text, date(2026, 11, 28))


def test_formats() -> None:
    assert parse_formats(["md,html", "json"]) == ["md", "html", "json"]
    assert parse_formats(["all"]) == ["md", "html", "csv", "json"]
    assert parse_formats([]) == ["md"]
    with pytest.raises(AifinopsError, match="unknown report format 'pdf'"):
        parse_formats(["pdf"])


# ---- numbers -------------------------------------------------------------------------------


def test_report_totals_match_the_bill(demo: Settings) -> None:
    """Every breakdown sums to EffectiveCost of the period, read straight from focus_costs."""
    with open_store(demo, read_only=True) as store:
        data = build_report(store.cursor(), demo, period="2026-10")
        row = store.conn.execute(
            "select sum(EffectiveCost), sum(BilledCost) from focus_costs "
            "where ChargePeriodStart >= '2026-10-01' and ChargePeriodStart < '2026-11-01'"
        ).fetchone()
    assert row is not None
    effective, billed = row
    assert data.totals["cost"] == pytest.approx(effective, abs=0.005)
    assert data.totals["billed_cost"] == pytest.approx(billed, abs=0.005)
    for key in ("providers", "teams", "services", "models"):
        assert sum(data.sections[key].column("cost")) == pytest.approx(effective, abs=0.1), key
    assert data.totals["prev_cost"] == 0  # September: before the demo world began
    assert "no cost data in the comparison period" in " ".join(data.notes)
    assert sum(c for _, _, c in data.daily) == pytest.approx(effective, abs=0.5)
    assert {p for _, p, _ in data.daily} == {"AWS", "Google Cloud", "Microsoft"}


def test_idle_waste_and_budgets(demo: Settings) -> None:
    with open_store(demo, read_only=True) as store:
        data = build_report(store.cursor(), demo)
        # Idle waste = cost of the resource-hours resource_hourly marks idle, computed here
        # without the report's SQL.
        row = store.conn.execute(
            "select sum(cost) from resource_hourly where is_idle "
            "and hour >= '2026-11-01' and hour < '2026-11-29'").fetchone()
    assert row is not None
    assert data.totals["idle_cost"] == pytest.approx(row[0], abs=0.05)
    idle = data.sections["idle"].rows
    assert idle[0]["name"] == "gpu-train-01"
    assert [r["idle_cost"] for r in idle] == sorted((r["idle_cost"] for r in idle), reverse=True)
    [research] = data.sections["budgets"].rows
    assert (research["dimension"], research["name"], research["budget"]) == ("team", "research",
                                                                              50000.0)
    team = {r["name"]: r["cost"] for r in data.sections["teams"].rows}
    assert research["spent"] == pytest.approx(team["research"], abs=0.01)
    assert research["status"] == "over"
    assert data.totals["budgets_over"] == ["team research"]
    assert data.totals["forecast"] is not None and data.totals["forecast"] > data.totals["cost"]


def test_open_savings_do_not_double_count_one_resource(demo: Settings) -> None:
    with open_store(demo, read_only=True) as store:
        data = build_report(store.cursor(), demo)
    recs = [r for r in data.sections["recommendations"].rows
            if r["status"] == "open" and r["rule"] != "budget_overrun"]
    best: dict[str, float] = {}
    for r in recs:
        best[r["resource_id"]] = max(best.get(r["resource_id"], 0), r["monthly_saving_usd"])
    assert data.totals["open_savings_month"] == pytest.approx(sum(best.values()), abs=0.01)
    assert data.totals["open_savings_month"] < sum(r["monthly_saving_usd"] for r in recs) + 0.01


# ---- formats -------------------------------------------------------------------------------


class _Balance(HTMLParser):
    VOID = frozenset({"meta", "br", "img", "link", "input", "hr", "rect", "line"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def test_every_format_written_and_consistent(demo: Settings, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with open_store(demo) as store:
        result = write_reports(store, demo, formats=["md", "html", "csv", "json"],
                               out=out)
    names = {p.relative_to(out).as_posix() for p in result.paths}
    assert {"aifinops-report-2026-11.md", "aifinops-report-2026-11.html",
            "aifinops-report-2026-11.json", "aifinops-report-2026-11-csv/models.csv",
            "aifinops-report-2026-11-csv/summary.csv"} <= names
    assert not list(out.glob(".*")), "temporary files left behind"
    data = result.data

    doc = json.loads((out / "aifinops-report-2026-11.json").read_text())
    assert doc["schema_version"] == 1
    assert doc["period"] == {"label": "2026-11", "start": "2026-11-01",
                             "end_exclusive": "2026-11-29", "month": "2026-11", "partial": True,
                             "previous_start": "2026-10-01",
                             "previous_end_exclusive": "2026-10-29"}
    assert doc["totals"]["cost"] == pytest.approx(data.totals["cost"])
    assert set(doc["sections"]) == set(data.sections)
    assert doc["budget_alerts"] == ["team research has spent $67,600.29 of its $50,000.00 budget"]

    with (out / "aifinops-report-2026-11-csv" / "models.csv").open() as handle:
        models = list(csv.DictReader(handle))
    assert [m["model"] for m in models] == data.sections["models"].column("model")
    assert sum(float(m["cost"]) for m in models) == pytest.approx(data.totals["cost"], abs=0.1)
    with (out / "aifinops-report-2026-11-csv" / "summary.csv").open() as handle:
        summary = dict(csv.reader(handle))
    assert float(summary["cost"]) == pytest.approx(data.totals["cost"])

    md = (out / "aifinops-report-2026-11.md").read_text()
    assert md.startswith("# AI cloud spend — 2026-11 month to date (2026-11-01 to 2026-11-28)")
    top_model = data.sections["models"].rows[0]
    assert f"| {top_model['model']} | ${top_model['cost']:,.2f} |" in md
    assert "> **Budget:** team research has spent $67,600.29 of its $50,000.00 budget." in md
    for title in ("## Spend by provider", "## Spend by model", "## Spend by team",
                  "## Idle GPU waste", "## Budgets", "## Recommendations",
                  "## What changed since the last report"):
        assert title in md
    assert "None" not in md and "nan" not in md
    for line in md.splitlines():  # every table row has as many cells as its header
        if line.startswith("| "):
            assert line.count(" | ") == line.split("\n")[0].count(" | ")

    html = (out / "aifinops-report-2026-11.html").read_text()
    parser = _Balance()
    parser.feed(html)
    assert parser.stack == [] and parser.urls == []
    assert "script" not in parser.tags and "link" not in parser.tags
    assert parser.tags.count("svg") == 5  # daily, models, teams, idle, budgets
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert f"${data.totals['cost']:,.2f}" in html


def test_report_lists_what_changed_since_the_previous_one(demo: Settings,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "r"
    with open_store(demo) as store:
        first = write_reports(store, demo, formats=["json"], out=out)
        assert first.recorded and first.data.previous is None and first.data.changes == []
        before = {r["id"]: r for r in first.data.sections["recommendations"].rows}
        dismissed = next(r for r in before.values() if r["status"] == "open")["id"]
        change_status(store, dismissed, "dismiss", reason="not this quarter")
        # A stricter floor: small recommendations are no longer emitted (resolved).
        strict = load_settings(db=demo.db_path, config=CONFIG)
        strict.raw.setdefault("recommendations", {})["min_monthly_saving_usd"] = 1500
        run_recommendations(store, strict)
        second = write_reports(store, demo, formats=["md"], out=out)
    changes = {c.rec_id: c for c in second.data.changes}
    assert changes[dismissed].kind == "status"
    assert (changes[dismissed].before, changes[dismissed].after) == ("open", "dismissed")
    gone = [c for c in changes.values() if c.kind == "gone"]
    assert gone and all(before[c.rec_id]["monthly_saving_usd"] < 1500 for c in gone)
    assert second.data.previous is not None
    md = second.paths[0].read_text()
    assert f"| status | {dismissed} | open | dismissed |" in md
    assert "since the report of" in md


def test_chart_axes_land_on_round_numbers() -> None:
    from aifinops.reports.charts import _money, _nice_max, _steps, daily_stacked

    ticks = {}
    for peak in (4123.0, 1830.0, 950.0, 18000.0):
        top = _nice_max(peak)
        ticks[peak] = [_money(top * i / _steps(top)) for i in range(_steps(top) + 1)]
    assert ticks == {4123.0: ["$0", "$1k", "$2k", "$3k", "$4k", "$5k"],
                     1830.0: ["$0", "$500", "$1k", "$1.5k", "$2k"],
                     950.0: ["$0", "$200", "$400", "$600", "$800", "$1k"],
                     18000.0: ["$0", "$5k", "$10k", "$15k", "$20k"]}
    svg = daily_stacked([(date(2026, 11, 1), "AWS", 120.0), (date(2026, 11, 1), "GCP", 30.0),
                         (date(2026, 11, 2), "AWS", -5.0)])
    assert svg.count("<rect") == 2 + 2  # two bars on day 1 (a credit draws none), two legend keys
    assert "<title>2026-11-01 GCP: $30.00</title>" in svg
    assert daily_stacked([]) == ""


def test_diff_recommendations_new_status_gone() -> None:
    before = [{"id": "R-1", "status": "open", "title": "a", "saving": 5.0},
              {"id": "R-2", "status": "open", "title": "b", "saving": 9.0}]
    now = [{"id": "R-1", "status": "accepted", "title": "a", "saving": 5.0},
           {"id": "R-3", "status": "open", "title": "c", "saving": 1.0}]
    assert [(c.kind, c.rec_id, c.before, c.after) for c in diff_recommendations(before, now)] == [
        ("new", "R-3", None, "open"), ("status", "R-1", "open", "accepted"),
        ("gone", "R-2", "open", "resolved")]


# ---- the command ---------------------------------------------------------------------------


def test_report_command(demo: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(demo.db_path)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["--db", db, "--config", str(CONFIG), "report", "--format",
                                 "md,html", "--out", str(out), "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["aifinops-report-2026-10.html",
                                                     "aifinops-report-2026-10.md"]
    assert "2026-10 (2026-10-01 to 2026-10-31): $" in result.output
    with open_store(demo, read_only=True) as store:
        assert store.conn.execute("select count(*) from report_runs").fetchone() == (1,)

    printed = runner.invoke(cli, ["--db", db, "report", "--out", "-", "--period", "7d"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith("# AI cloud spend — last 7 days (2026-11-22 to 2026-11-28)")
    # No --config here: the budgets are those the demo's rules run stored.
    assert "(as the last rules run read them: this config has no [budgets])" in printed.output
    assert "| team | research | $50,000.00 |" in printed.output

    unrecorded = runner.invoke(cli, ["--db", db, "report", "--no-record", "--out", str(out)])
    assert unrecorded.exit_code == 0, unrecorded.output
    with open_store(demo, read_only=True) as store:
        assert store.conn.execute("select count(*) from report_runs").fetchone() == (1,)


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "pdf"], "unknown report format 'pdf'"),
    (["--period", "2026-13"], "month must be 01..12"),
])
def test_report_command_bad_options(demo: Settings, tmp_path: Path, args: list[str],
                                    message: str) -> None:
    result = CliRunner().invoke(cli, ["--db", str(demo.db_path), "report", "--out",
                                      str(tmp_path / "o"), *args])
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_report_while_another_process_reads_the_database(demo: Settings, tmp_path: Path) -> None:
    """The app (or the duckdb CLI) holding the file read-only: the report is written, unrecorded."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys\n"
         f"c = duckdb.connect({str(demo.db_path)!r}, read_only=True)\n"
         "print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = CliRunner().invoke(cli, ["--db", str(demo.db_path), "report", "--out",
                                          str(tmp_path / "o")])
    finally:
        holder.communicate("", timeout=10)
    assert result.exit_code == 0, result.output
    assert "this report is not recorded" in result.stderr
    assert (tmp_path / "o" / "aifinops-report-2026-11.md").exists()
    with open_store(demo, read_only=True) as store:
        assert store.conn.execute("select count(*) from report_runs").fetchone() == (0,)


def test_report_on_an_empty_database_says_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    result = runner.invoke(cli, ["--db", str(db), "report", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "no cost data yet" in result.output
