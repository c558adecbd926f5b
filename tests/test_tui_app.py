"""The app driven by Pilot on the demo world: navigation, drill-down, filters, the recommendation
flows (each checked in the database afterwards), the SQL console, and the databases that are not
there, empty or locked.

Tests wait for the app's workers (`settle`) instead of sleeping, and record every message with
`run_test(message_hook=...)`, so a screen that failed to read fails the test with its error.
"""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static, TextArea

from aifinops.config import load_settings
from aifinops.demo.build import sample_data_root
from aifinops.store import open_store
from aifinops.tui import keys
from aifinops.tui.app import AifinopsApp, make_app
from aifinops.tui.pilot import settle
from aifinops.tui.screens.base import DataFailed, DataLoaded
from aifinops.tui.screens.dialogs import AskDate, AskReason, FilterScreen, HelpScreen
from aifinops.tui.screens.idle import IdleScreen, ResourceDetailScreen
from aifinops.tui.screens.models import ModelDetailScreen, ModelsScreen
from aifinops.tui.screens.overview import OverviewScreen
from aifinops.tui.screens.recs import ApplyScreen, RecDetailScreen, RecommendationChanged, RecsScreen
from aifinops.tui.screens.sql import SqlScreen
from aifinops.tui.widgets.charts import UtilStrips
from aifinops.tui.widgets.table import ResultTable
from tests.test_tui_world import TODAY, tui_demo_db, tui_demo_master

__all__ = ["tui_demo_db", "tui_demo_master"]  # fixtures used here, defined with the world

SIZE = (140, 44)


def pilot_test(func: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test in its own event loop (no pytest async plugin needed)."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(func(*args, **kwargs))

    return run


class Probe:
    """Every message the app passes, for waiting and for asserting nothing failed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]

    def failures(self) -> list[str]:
        return [m.error for m in self.of(DataFailed)]


async def palette_searched(pilot: Pilot[None]) -> None:
    """The command palette searches in its own workers: wait for them (and what they post)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def app_for(db: Path, **kwargs: Any) -> AifinopsApp:
    settings = load_settings(db=db, config=sample_data_root() / "aifinops.toml")
    return make_app(settings, today=TODAY, sql_history_path=None, **kwargs)


def text_of(app: AifinopsApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def table(app: AifinopsApp, selector: str) -> ResultTable:
    return app.screen.query_one(selector, ResultTable)


def select_row(table_widget: ResultTable, key: str) -> None:
    assert table_widget.result is not None and table_widget.key_column is not None
    keys_ = [str(v) for v in table_widget.result.column(table_widget.key_column)]
    table_widget.move_cursor(row=keys_.index(key))


def query_db(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


# ---- navigation and drill-down -------------------------------------------------------------


@pilot_test
async def test_opens_on_the_overview_with_the_months_numbers(tui_demo_db: Path) -> None:
    probe = Probe()
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        mtd = query_db(tui_demo_db, "select sum(cost) from cost_daily where month = '2026-11'")[0][0]
        assert f"${mtd:,.0f}" in text_of(app, "#kpi-mtd")
        assert "Nov 22–28" in text_of(app, "#kpi-idle")
        assert "/mo" in text_of(app, "#kpi-savings")
        assert table(app, "#top-models").result.column("model")[0] == "llama-ft-70b"  # type: ignore[union-attr]
        assert "2026-10-30 → 2026-11-28 (30 d)" in text_of(app, "#topbar")
        assert probe.failures() == []


@pilot_test
async def test_number_keys_and_the_palette_reach_every_screen(tui_demo_db: Path) -> None:
    probe = Probe()
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        for key, screen_type in (("2", ModelsScreen), ("3", IdleScreen), ("4", RecsScreen),
                                 ("1", OverviewScreen)):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen_type)
        for title, screen_type in (("SQL cons", SqlScreen), ("Idle res", IdleScreen)):
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*title)
            await palette_searched(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, screen_type), title
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Model: recs")
        await palette_searched(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ModelDetailScreen) and app.screen.model == "recsys-ranker"
        assert probe.failures() == []


@pilot_test
async def test_drill_down_model_to_resource_and_back(tui_demo_db: Path) -> None:
    probe = Probe()
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        models = table(app, "#models")
        assert models.result is not None
        assert models.result.records()[0]["gpu_hours"] > 0
        await pilot.press("enter")  # the first row: the most expensive model
        await settle(pilot)
        assert isinstance(app.screen, ModelDetailScreen) and app.screen.model == "llama-ft-70b"
        strips = app.screen.query_one(UtilStrips)
        assert strips._data is not None and len(strips._data.rows) == 16  # 2 hosts × 8 GPUs
        resources = table(app, "#model-resources")
        select_row(resources, "i-0a1b2c3d4e5f60001")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ResourceDetailScreen)
        assert app.screen.resource_id == "i-0a1b2c3d4e5f60001"
        assert "gpu-train-01" in text_of(app, "#resource-facts")
        assert table(app, "#processes").row_count == 1
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ModelsScreen)
        loads = probe.of(DataLoaded)
        assert loads and max(m.seconds for m in loads) < 5
        assert probe.failures() == []


@pilot_test
async def test_idle_resources_open_a_resource_with_its_hourly_gpus(tui_demo_db: Path) -> None:
    probe = Probe()
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        idle = table(app, "#idle")
        assert idle.result is not None
        costs = idle.result.column("idle_cost_usd")
        assert costs == sorted(costs, reverse=True) and costs[0] > 0
        select_row(idle, "i-0a1b2c3d4e5f60003")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ResourceDetailScreen)
        strips = app.screen.query_one(UtilStrips)
        assert strips._data is not None and len(strips._data.rows) == 8
        assert strips._data.cost is not None and strips._data.hours == 30 * 24
        assert probe.failures() == []


# ---- filters -------------------------------------------------------------------------------


@pilot_test
async def test_filters_narrow_every_screen(tui_demo_db: Path) -> None:
    probe = Probe()
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FilterScreen)
        dialog.query_one("#team", Select).value = "research"
        dialog.query_one("#preset", Select).value = "last 7 days"
        await pilot.pause()
        assert dialog.query_one("#start", Input).value == "2026-11-22"
        await pilot.click("#ok")
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        assert app.filters is not None and app.filters.team == "research"
        assert "research" in text_of(app, "#topbar")
        top = table(app, "#top-models").result
        assert top is not None
        assert set(top.column("model")) == {"llama-ft-70b", "vision-diffusion", "notebooks"}
        await pilot.press("2")  # another section picks the filters up when it first draws
        await settle(pilot)
        models = table(app, "#models").result
        assert models is not None and set(models.column("model")) == set(top.column("model"))
        expected = query_db(tui_demo_db, "select sum(cost) from cost_daily where team = 'research' "
                            "and day between '2026-11-22' and '2026-11-28'")[0][0]
        assert sum(models.column("cost_usd")) == pytest.approx(expected, abs=0.01)
        await pilot.press("3")
        await settle(pilot)
        idle = table(app, "#idle").result
        assert idle is not None and set(idle.column("team")) == {"research"}
        assert probe.failures() == []


# ---- recommendations: accept, dismiss, snooze, apply ---------------------------------------


def open_recs(db: Path, action_kind: str | None = None) -> list[tuple[str, str]]:
    """(id, resource) of open recommendations, biggest saving first (rules evolve; tests pick
    what the demo world has rather than naming ids)."""
    return [(str(r[0]), str(r[1])) for r in query_db(
        db, "select id, resource_id from recommendations where status = 'open' "
        "and (? is null or action_kind = ?) order by monthly_saving_usd desc, id",
        [action_kind, action_kind])]


@pilot_test
async def test_accept_dismiss_and_snooze_write_state_and_audit(tui_demo_db: Path) -> None:
    (resize, _), (spot, _), (egress, _) = open_recs(tui_demo_db)[:3]
    probe = Probe()
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        recs = table(app, "#recs")

        select_row(recs, resize)
        await pilot.press("a")
        await settle(pilot)

        select_row(recs, spot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, AskReason)
        await pilot.press("enter")  # no reason: refused, the dialog stays
        assert isinstance(app.screen, AskReason)
        await pilot.press(*"checkpoints cannot resume yet")
        await pilot.press("enter")
        await settle(pilot)

        select_row(recs, egress)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, AskDate)
        await pilot.click("#d7")
        await settle(pilot)

        changes = probe.of(RecommendationChanged)
        assert [c.ok for c in changes] == [True, True, True], [c.message for c in changes]
        # The list shows actionable ones: the dismissed and snoozed are gone, the accepted stays.
        keys_ = set(table(app, "#recs").result.column("id"))  # type: ignore[union-attr]
        assert resize in keys_ and spot not in keys_ and egress not in keys_
    states = dict((r[0], r[1:]) for r in query_db(
        tui_demo_db, "select id, status, status_reason, snoozed_until from recommendations "
        "where id in (?, ?, ?)", [resize, spot, egress]))
    assert states[resize][0] == "accepted"
    assert states[spot][:2] == ("dismissed", "checkpoints cannot resume yet")
    assert states[egress][0] == "snoozed" and states[egress][2] == TODAY + timedelta(days=7)
    events = query_db(tui_demo_db, "select rec_id, from_status, to_status from recommendation_events "
                      "where from_status is not null order by event_id")
    assert events == [(resize, "open", "accepted"), (spot, "open", "dismissed"),
                      (egress, "open", "snoozed")]


@pilot_test
async def test_apply_confirms_dry_runs_then_applies(tui_demo_db: Path, moto_s3: str,
                                                    s3_client: Any) -> None:
    """A lifecycle rule on a moto S3 bucket, through the real boto3 client."""
    from aifinops.analysis.actions import AwsOptions

    lifecycle = open_recs(tui_demo_db, "storage_lifecycle")
    assert lifecycle, "the demo world's growing checkpoint buckets should get a lifecycle rule"
    rid, bucket = lifecycle[0]
    s3_client.create_bucket(Bucket=bucket)
    probe = Probe()
    app = app_for(tui_demo_db, aws_options=AwsOptions(endpoint_url=moto_s3, region="us-east-1"))
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        select_row(table(app, "#recs"), rid)
        assert app.screen.check_action("rec_apply", ()) is None  # open: accept first
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecDetailScreen)
        assert "put-bucket-lifecycle-configuration" in text_of(app, "#rec-plan")
        await pilot.press("a")
        await settle(pilot)
        assert app.screen.check_action("rec_apply", ()) is True
        await pilot.press("A")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ApplyScreen)
        assert dialog.query_one("#apply").disabled  # nothing runs before the dry run
        await pilot.click("#dry-run")
        await settle(pilot)
        assert "Dry run passed" in str(dialog.query_one("#apply-status", Static).render())
        assert "Rules" not in _lifecycle(s3_client, bucket)  # the dry run changed nothing
        await pilot.click("#apply")
        await settle(pilot)
        assert "applied" in str(dialog.query_one("#apply-status", Static).render())
        await pilot.click("#cancel")
        await settle(pilot)
        assert isinstance(app.screen, RecDetailScreen)
        assert "status applied" in text_of(app, "#rec-head").replace("status\n", "status ")
    rules = _lifecycle(s3_client, bucket)["Rules"]
    assert any(r["ID"].startswith("aifinops-") for r in rules)
    assert query_db(tui_demo_db, "select status from recommendations where id = ?", [rid]) == [
        ("applied",)]
    modes = query_db(tui_demo_db, "select mode, outcome from recommendation_actions "
                     "where rec_id = ? order by action_id", [rid])
    assert modes == [("dry-run", "ok"), ("apply", "ok")]


def _lifecycle(s3_client: Any, bucket: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    try:
        return dict(s3_client.get_bucket_lifecycle_configuration(Bucket=bucket))
    except ClientError:
        return {}


# ---- SQL console ---------------------------------------------------------------------------


@pilot_test
async def test_sql_console_runs_read_only_sql_with_history_and_clear_errors(
        tui_demo_db: Path) -> None:
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        editor = app.screen.query_one("#sql-editor", TextArea)
        editor.load_text("select count(*) as n from recommendations")
        await pilot.press("ctrl+r")
        await settle(pilot)
        results = table(app, "#sql-results").result
        assert results is not None and results.columns == ("n",) and results.rows[0][0] > 0
        assert "1 row in" in text_of(app, "#sql-status")

        editor.load_text("select * from no_such_view")
        await pilot.press("ctrl+r")
        await settle(pilot)
        status = text_of(app, "#sql-status")
        assert "no_such_view" in status and "Traceback" not in status
        assert table(app, "#sql-results").row_count == 0

        editor.load_text("delete from recommendations")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "read-only" in text_of(app, "#sql-status")

        await pilot.press("ctrl+up", "ctrl+up")
        assert editor.text == "select * from no_such_view"
        assert app.screen.query_one("#sql-history", OptionList).option_count == 3
    assert query_db(tui_demo_db, "select count(*) from recommendations")[0][0] > 0


# ---- help ----------------------------------------------------------------------------------


@pilot_test
async def test_help_lists_the_keys_the_screen_binds(tui_demo_db: Path) -> None:
    app = app_for(tui_demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = str(app.screen.query_one("#help-text", Static).render())
        for key in keys.keys_for("recs", keys.GLOBAL):
            assert key.description in help_text
        bound = {b.action for b in RecsScreen.BINDINGS if not isinstance(b, tuple)}
        assert bound == {k.action for k in keys.keys_for("recs")}
        await pilot.press("escape")
        assert isinstance(app.screen, RecsScreen)


# ---- databases that are not ready ----------------------------------------------------------


@pilot_test
async def test_empty_database_says_what_to_do_next(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    open_store(load_settings(db=db)).close()  # what `aifinops init` makes
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        notice = text_of(app, "#notice")
        assert "no costs yet" in notice
        assert "aifinops demo" in notice and "aifinops ingest aws-cur" in notice
        await pilot.press("3")
        await settle(pilot)
        assert "no costs yet" in text_of(app, "#notice")


@pilot_test
async def test_a_load_made_with_no_refresh_is_called_out(tmp_path: Path) -> None:
    from aifinops.ingest.aws_cur import ingest_aws_cur

    db = tmp_path / "behind.duckdb"
    settings = load_settings(db=db)
    with open_store(settings) as store:  # what `ingest aws-cur --no-refresh` leaves
        ingest_aws_cur(store, str(sample_data_root() / "aws" / "cur2"), settings=settings)
    app = app_for(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert any("2 billing period(s) arrived since the last refresh" in m
                   and "aifinops refresh" in m for m in said), said


@pilot_test
async def test_missing_database_says_how_to_make_one(tmp_path: Path) -> None:
    app = app_for(tmp_path / "nothing-here.duckdb")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        splash = text_of(app, "#splash-text")
        assert "no database at" in splash and "aifinops demo" in splash
        assert app.check_action("switch_mode", ("models",)) is None


def hold_write_lock(db: Path) -> subprocess.Popen[str]:
    """Another process (as a sync would) holding the database open for writing."""
    code = ("import duckdb, sys\nconn = duckdb.connect(sys.argv[1])\nprint('ready', flush=True)\n"
            "sys.stdin.readline()\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def release(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(timeout=10)


@pilot_test
async def test_locked_database_at_start_says_so_then_opens(tui_demo_db: Path) -> None:
    sync = hold_write_lock(tui_demo_db)
    try:
        app = app_for(tui_demo_db)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            splash = text_of(app, "#splash-text")
            assert "busy" in splash and "in use by another process" in splash
            release(sync)
            await pilot.press("f5")
            await settle(pilot)
            assert isinstance(app.screen, OverviewScreen)
    finally:
        if sync.poll() is None:
            sync.kill()


@pilot_test
async def test_write_while_a_sync_holds_the_lock_is_refused_clearly(tui_demo_db: Path) -> None:
    resize = open_recs(tui_demo_db)[0][0]
    probe = Probe()
    app = app_for(tui_demo_db, idle_release_s=0)
    async with app.run_test(size=SIZE, message_hook=probe) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        select_row(table(app, "#recs"), resize)
        app.db.release_if_idle()  # nothing reading: the file is let go (the tick may have already)
        assert not app.db.is_open
        sync = hold_write_lock(tui_demo_db)
        try:
            await pilot.press("a")
            await settle(pilot)
        finally:
            release(sync)
        changed = probe.of(RecommendationChanged)
        assert len(changed) == 1 and changed[0].locked and not changed[0].ok
        assert "in use by another process" in changed[0].message
    assert query_db(tui_demo_db, "select status from recommendations where id = ?", [resize]) == [
        ("open",)]


@pilot_test
async def test_idle_connection_is_released_and_reopened(tui_demo_db: Path) -> None:
    app = app_for(tui_demo_db, idle_release_s=3600)  # the app's own tick must not let go first
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.db.is_open
        app.db.idle_release_s = 0
        app._tick()
        assert not app.db.is_open
        app.db.idle_release_s = 3600
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ModelsScreen) and app.db.opens == 2


def test_open_app_runs_the_factory_built_app(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`aifinops` (open_app) runs the same app, built by the same factory, the tests drive."""
    from aifinops.commands.tui import open_app

    ran: list[AifinopsApp] = []
    monkeypatch.setattr(AifinopsApp, "run", lambda self, *a, **k: ran.append(self))
    open_app(load_settings(db=tmp_path / "x.duckdb"), today=TODAY)
    assert len(ran) == 1 and ran[0].today == TODAY
    assert ran[0].settings.db_path == tmp_path / "x.duckdb"


def test_aifinops_without_a_command_opens_the_app_in_a_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`aifinops` alone opens the app on the configured database (help when not a terminal)."""
    import inspect

    from click.testing import CliRunner

    import aifinops.commands.base as base
    from aifinops.cli import cli

    if "open_app" not in inspect.getsource(base):
        pytest.skip("aifinops/commands/base.py does not open the app yet (issue 6 hand-off)")
    ran: list[AifinopsApp] = []
    monkeypatch.setattr(AifinopsApp, "run", lambda self, *a, **k: ran.append(self))
    monkeypatch.setattr("aifinops.commands.tui.wants_app", lambda: True)
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 0, result.output
    assert len(ran) == 1 and ran[0].settings.db_path == tmp_path / "x.duckdb"
    monkeypatch.setattr("aifinops.commands.tui.wants_app", lambda: False)
    result = CliRunner().invoke(cli, [])
    assert "Usage" in result.output and len(ran) == 1


def test_read_connection_memory_is_capped_never_raised() -> None:
    from aifinops.tui.database import READ_MEMORY_LIMIT, read_memory_limit

    assert read_memory_limit("1GB") == READ_MEMORY_LIMIT
    assert read_memory_limit("512MB") == "512MB"
    assert read_memory_limit("700 MiB") == "700 MiB"
    assert read_memory_limit("lots") == READ_MEMORY_LIMIT
