"""The aifinops Textual app, and `make_app`, the one factory the CLI, the tests and the benchmark
use (posting's habit), so what is tested is what runs.

Shape: five top-level sections as Textual MODES (overview, models, idle, recs, sql), each with
its own stack for drill-downs; global filters held here and shown on every screen's top bar;
a key registry (`keys.py`) behind the bindings, the footer and the help screen; a command palette
that reaches every screen, every model and every filter preset.

The database is opened read-only by a worker at start (`ContextLoaded` / `OpenFailed`), and
released whenever nothing has read for a while so a cron sync can write (see `database.py`);
if a sync holds the file when the app needs it, the app says so and retries.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Center, Middle
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from aifinops.analysis import screens_data as sd
from aifinops.config import Settings
from aifinops.errors import AifinopsError, StoreLockedError
from aifinops.tui import keys
from aifinops.tui.database import DEFAULT_IDLE_RELEASE_S, Database
from aifinops.tui.screens.base import DataScreen
from aifinops.tui.screens.dialogs import FilterScreen, HelpScreen
from aifinops.tui.screens.idle import IdleScreen
from aifinops.tui.screens.models import ModelDetailScreen, ModelsScreen
from aifinops.tui.screens.overview import OverviewScreen
from aifinops.tui.screens.recs import RecsScreen
from aifinops.tui.screens.sql import History, SqlScreen

SECTIONS: dict[str, str] = {
    "overview": "Overview",
    "models": "Models",
    "idle": "Idle resources",
    "recs": "Recommendations",
    "sql": "SQL console",
}
RETRY_S = 3.0
TICK_S = 2.0


class ContextLoaded(Message):
    """The database opened and the app learned what it holds."""

    def __init__(self, ctx: sd.Context) -> None:
        super().__init__()
        self.ctx = ctx


class OpenFailed(Message):
    """The database could not be opened: missing, needing an upgrade, or locked by a sync."""

    def __init__(self, error: str, *, locked: bool) -> None:
        super().__init__()
        self.error = error
        self.locked = locked


def default_history_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aifinops" / "sql_history.jsonl"


class AifinopsApp(App[None]):
    """What your AI workloads cost, which GPUs sit idle, and what to do about it."""

    CSS_PATH = "app.tcss"
    TITLE = "aifinops"
    MODES: ClassVar[dict[str, Any]] = {
        "overview": OverviewScreen,
        "models": ModelsScreen,
        "idle": IdleScreen,
        "recs": RecsScreen,
        "sql": SqlScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings(keys.GLOBAL)

    def __init__(self, settings: Settings, *, today: date | None = None,
                 idle_release_s: float = DEFAULT_IDLE_RELEASE_S,
                 sql_history_path: Path | None = None, start: str = "overview",
                 aws_options: Any = None, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__()
        self.clock = clock  # what "in 14 ms" is measured with; snapshot tests stop it
        self.aws_options = aws_options  # aifinops.analysis.actions.AwsOptions; None: AWS defaults
        self.settings = settings
        self.today = today or datetime.now(UTC).date()
        self.db = Database(settings, idle_release_s=idle_release_s)
        self.ctx: sd.Context | None = None
        self.filters: sd.Filters | None = None
        self.generation = 0
        self.start_mode = start
        self.sql_history = History(sql_history_path)
        self.open_error: str | None = None
        self._retry_at: float | None = None

    # -- start ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Middle(id="splash"), Center():
            yield Static(f"Opening {self.settings.db_path} …", id="splash-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_interval(TICK_S, self._tick)
        self._open(self.db)

    @work(thread=True, exclusive=True, exit_on_error=False, group="open")
    def _open(self, db: Database) -> None:
        try:
            with db.reader() as cur:
                ctx = sd.load_context(cur, db.path)
        except StoreLockedError as exc:
            self.post_message(OpenFailed(str(exc), locked=True))
        except AifinopsError as exc:
            self.post_message(OpenFailed(str(exc), locked=False))
        except Exception as exc:
            self.post_message(OpenFailed(f"{type(exc).__name__}: {sd.first_lines(str(exc))}",
                                         locked=False))
        else:
            self.post_message(ContextLoaded(ctx))

    @on(ContextLoaded)
    def _context_loaded(self, message: ContextLoaded) -> None:
        first = self.ctx is None
        self.ctx = message.ctx
        self.open_error = None
        if self.filters is None:
            self.filters = sd.default_filters(message.ctx, self.today)
        if first:
            self.switch_mode(self.start_mode)
        else:
            self.data_changed()
        if message.ctx.behind:
            self.notify(message.ctx.behind, title="not refreshed", severity="warning", timeout=30)

    @on(OpenFailed)
    def _open_failed(self, message: OpenFailed) -> None:
        self.open_error = message.error
        if message.locked:
            text = (f"[b]The database is busy[/b]\n\n{message.error}.\n\n"
                    f"Retrying every {RETRY_S:.0f} seconds · F5 retry now · q quit")
            self._retry_at = self._now() + RETRY_S
        else:
            text = (f"[b]Nothing to show yet[/b]\n\n{message.error}\n\n{_next_steps(self.settings)}"
                    "\n\nF5 to try again · q to quit")
        self.query_one("#splash-text", Static).update(text)

    # -- state the screens share ----------------------------------------------------------

    def set_filters(self, filters: sd.Filters) -> None:
        if filters == self.filters:
            return
        self.filters = filters
        self._reload_current()

    def data_changed(self) -> None:
        """Something was written (or re-read): every screen reloads when next seen."""
        self.generation += 1
        self._reload_current()

    def _reload_current(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, DataScreen):
                screen.update_topbar()
        if isinstance(self.screen, DataScreen):
            self.screen.reload()

    def _now(self) -> float:
        return time.monotonic()

    def _tick(self) -> None:
        self.db.release_if_idle()
        if self._retry_at is not None and self._now() >= self._retry_at:
            self._retry_at = None
            self.action_reload()
        screen = self.screen
        if isinstance(screen, DataScreen) and screen.locked:
            screen.locked = False
            screen.reload()

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("switch_mode", "filters") and self.ctx is None:
            return None
        return True

    def action_filters(self) -> None:
        if self.ctx is None or self.filters is None:
            return
        as_of = self.ctx.as_of or self.today

        def chosen(filters: sd.Filters | None) -> None:
            if filters is not None:
                self.set_filters(filters)

        self.push_screen(FilterScreen(self.filters, self.ctx.options, as_of), chosen)

    def action_help(self) -> None:
        screen = self.screen
        scopes: tuple[str, ...] = ()
        if isinstance(screen, DataScreen):
            scopes = (screen.SCOPE,) + (("detail",) if len(self.screen_stack) > 1 else ())
        self.push_screen(HelpScreen(scopes))

    def action_reload(self) -> None:
        """Re-read what the database holds (after a sync) and redraw."""
        self._retry_at = None
        if self.ctx is None:
            self.query_one("#splash-text", Static).update(f"Opening {self.settings.db_path} …")
        self._open(self.db)

    def go_to(self, mode: str, screen: Screen[Any] | None = None) -> None:
        self.switch_mode(mode)
        if screen is not None:
            self.push_screen(screen)

    def get_system_commands(self, screen: Screen[Any]) -> Any:
        """The palette: every section, filters and presets, every model, then Textual's own."""
        if self.ctx is not None:
            for mode, title in SECTIONS.items():
                yield SystemCommand(f"Go to {title}", f"switch to the {title} screen",
                                    partial(self.switch_mode, mode))
            yield SystemCommand("Filters…", "date range, provider, account, team",
                                self.action_filters)
            if self.ctx.as_of is not None and self.filters is not None:
                for name, start, end in sd.range_presets(self.ctx.as_of):
                    yield SystemCommand(f"Range: {name}", f"{start} → {end}",
                                        partial(self.set_filters, self.filters.with_range(start, end)))
                yield SystemCommand("Reset filters", "last 30 days, everything",
                                    partial(self.set_filters, sd.default_filters(self.ctx, self.today)))
                for team in self.ctx.options.teams:
                    yield SystemCommand(f"Team: {team}", "filter every screen to this team",
                                        partial(self._set_team, team), discover=False)
            for model in self.ctx.models:
                yield SystemCommand(f"Model: {model}", "open this model",
                                    partial(self.go_to, "models", ModelDetailScreen(model)),
                                    discover=False)
        yield SystemCommand("Help", "every key, screen by screen", self.action_help)
        yield SystemCommand("Reload", "read the database again (after a sync)", self.action_reload)
        yield from super().get_system_commands(screen)

    def _set_team(self, team: str) -> None:
        from dataclasses import replace

        if self.filters is not None:
            self.set_filters(replace(self.filters, team=team))

    def on_unmount(self) -> None:
        self.db.close()


def _next_steps(settings: Settings) -> str:
    db = settings.db_path
    return ("Next:\n"
            f"  aifinops demo                 build the demo world and open it here\n"
            f"  aifinops --db {db} init        create an empty database\n"
            f"  aifinops ingest aws-cur s3://BUCKET/PREFIX/EXPORT   load an AWS cost export\n"
            "  (or pass --db / set AIFINOPS_DB to open another file)")


def make_app(settings: Settings, *, today: date | None = None,
             idle_release_s: float = DEFAULT_IDLE_RELEASE_S,
             sql_history_path: Path | bool | None = True, start: str = "overview",
             aws_options: Any = None,
             clock: Callable[[], float] = time.perf_counter) -> AifinopsApp:
    """Build the app for the CLI, the tests and the benchmark alike.

    `today` pins the date the app treats as now (tests freeze it); `sql_history_path=True` keeps
    the SQL console's history in `$XDG_STATE_HOME/aifinops/`, `None` keeps it in memory only;
    `aws_options` (an `aifinops.analysis.actions.AwsOptions`) points applies at a profile,
    region or endpoint (tests: a moto server); by default boto3's own resolution applies;
    `clock` times the SQL console's queries (snapshot tests pass a stopped one).
    """
    history: Path | None
    if sql_history_path is True:
        history = default_history_path()
    elif sql_history_path is False:
        history = None
    else:
        history = sql_history_path
    return AifinopsApp(settings, today=today, idle_release_s=idle_release_s,
                       sql_history_path=history, start=start, aws_options=aws_options,
                       clock=clock)
