"""What every data screen shares: a worker that reads, messages that bring the result back.

A screen names what it reads (`fetch`, a call into the UI-free query layer, run in a thread
worker with a cursor of its own) and how it draws it (`show`, on the UI thread). The worker never
touches a widget: it posts `DataLoaded` or `DataFailed` (past tense, as harlequin does) and the
screen's handlers own the state. Starting a new load cancels the screen's previous one
(`exclusive=True` in the screen's own `load` group), and a result that arrives for filters or a
database generation that are no longer current is dropped, so a fast typist never sees an old
answer over a new one.

A screen remembers which filters and generation it drew; when it comes back into view
(`ScreenResume`) after either changed, it reloads.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Container
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from aifinops.analysis.screens_data import Context, Filters, first_lines
from aifinops.errors import StoreLockedError
from aifinops.tui import keys
from aifinops.tui.database import Database

if TYPE_CHECKING:
    import duckdb

    from aifinops.tui.app import AifinopsApp


class _Read(Message):
    """What a screen's worker read, for which filters and which generation of the screen.

    DataLoaded and MoreLoaded are siblings, not parent and child: Textual calls the handlers of
    a message's base classes too, and the first draw must not run again for the second read."""

    def __init__(self, result: Any, filters: Filters, generation: int, seconds: float) -> None:
        super().__init__()
        self.result = result
        self.filters = filters
        self.generation = generation
        self.seconds = seconds


class DataLoaded(_Read):
    """A screen's worker read its data."""


class MoreLoaded(_Read):
    """A screen's second, slower read (see `DataScreen.fetch_more`) finished."""


class DataFailed(Message):
    """A screen's worker could not read: `locked` when another process holds the file."""

    def __init__(self, error: str, *, locked: bool, filters: Filters, generation: int) -> None:
        super().__init__()
        self.error = error
        self.locked = locked
        self.filters = filters
        self.generation = generation


LOADING_DELAY_S = 0.12

EMPTY_DATABASE = (
    "This database has no costs yet.\n\n"
    "Next:\n"
    "  aifinops demo                         build a demo world and open it here\n"
    "  aifinops ingest aws-cur s3://BUCKET/PREFIX/EXPORT   load an AWS CUR 2.0 or legacy export\n"
    "  aifinops ingest nvidia-smi gpu.csv    add GPU telemetry (what makes idle cost visible)\n"
    "then come back with `aifinops`."
)


class DataScreen(Screen[None]):
    """A screen that shows one read of the database under the global filters."""

    SCOPE: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    NEEDS_COSTS: ClassVar[bool] = True
    HAS_MORE: ClassVar[bool] = False  # draws in two steps: fetch/show, then fetch_more/show_more

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.drawn_for: tuple[Filters, int] | None = None
        self.locked = False
        self.load_seconds: float | None = None
        self._pending = False
        self._pending_more = False
        self._loading_timer: Timer | None = None
        self.more_seconds: float | None = None

    @property
    def aifinops(self) -> AifinopsApp:
        from aifinops.tui.app import AifinopsApp

        assert isinstance(self.app, AifinopsApp)
        return self.app

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield Static(id="notice", classes="hidden")
        with Container(id="body"):
            yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def subtitle(self) -> str:
        """Extra words for the top bar after the screen's title (a model's name, …)."""
        return ""

    def update_topbar(self) -> None:
        app = self.aifinops
        parts = [f"[b]aifinops[/b] › [b]{self.TITLE}[/b]"]
        if self.subtitle():
            parts[0] += f" › [b]{self.subtitle()}[/b]"
        if app.filters is not None:
            names = app.ctx.options.account_names if app.ctx else None
            parts.append(app.filters.describe(names))
        if app.ctx is not None and app.ctx.as_of is not None:
            parts.append(f"data to {app.ctx.as_of:%Y-%m-%d}")
        parts.append("read-only")
        self.query_one("#topbar", Static).update("  │  ".join(parts))

    def set_notice(self, text: str | None, *, tone: str = "info") -> None:
        notice = self.query_one("#notice", Static)
        if not text:
            notice.add_class("hidden")
            return
        notice.remove_class("hidden", "info", "error", "warning")
        notice.add_class(tone)
        notice.update(text)

    # -- loading --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.update_topbar()
        self.reload()

    def on_screen_resume(self) -> None:
        self.update_topbar()
        app = self.aifinops
        if app.filters is not None and self.drawn_for != (app.filters, app.generation):
            self.reload()

    def is_stale(self) -> bool:
        app = self.aifinops
        return self.drawn_for != (app.filters, app.generation)

    def reload(self) -> None:
        app = self.aifinops
        if app.ctx is None or app.filters is None:
            return
        self.update_topbar()
        if self.NEEDS_COSTS and not app.ctx.has_costs:
            self.set_notice(EMPTY_DATABASE)
            self.query_one("#body").display = False
            self.drawn_for = (app.filters, app.generation)
            return
        self._pending_more = False
        self._show_loading_later()
        self._fetch(app.db, app.ctx, app.filters, app.generation)

    def _show_loading_later(self) -> None:
        """The spinner appears only if the read takes longer than a blink: a fast drill-down
        then draws once, without a flash of spinner (and without its layout pass)."""
        if self._loading_timer is not None:
            self._loading_timer.stop()
        body = self.query_one("#body")
        self._loading_timer = self.set_timer(
            LOADING_DELAY_S, lambda: setattr(body, "loading", True) if self._pending else None)
        self._pending = True

    @property
    def busy(self) -> bool:
        """A read is in flight (tests and the benchmark wait on this, never on a clock)."""
        return self._pending or self._pending_more

    def _stop_loading(self) -> None:
        self._pending = False
        if self._loading_timer is not None:
            self._loading_timer.stop()
            self._loading_timer = None
        self.query_one("#body").loading = False

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters) -> Any:
        """Read what the screen shows. Runs in a worker thread: no widgets here."""
        raise NotImplementedError

    def show(self, result: Any) -> None:
        """Draw a result (UI thread)."""
        raise NotImplementedError

    def fetch_more(self, cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters,
                   first: Any) -> Any:
        """The slower part of the screen, read after the first part is on screen (a worker
        thread; no widgets). Screens with HAS_MORE draw what is cheap at once — costs — and fill
        in what needs the GPU rollups a moment later, instead of showing nothing until both."""
        return None

    def show_more(self, result: Any) -> None:
        """Draw the slower part (UI thread)."""

    @work(thread=True, exclusive=True, exit_on_error=False, group="load-more")
    def _fetch_more(self, db: Database, ctx: Context, filters: Filters, generation: int,
                    first: Any) -> None:
        worker = get_current_worker()
        started = time.perf_counter()
        try:
            with db.reader() as cur:
                result = self.fetch_more(cur, ctx, filters, first)
        except StoreLockedError as exc:
            if not worker.is_cancelled:
                self.post_message(DataFailed(str(exc), locked=True, filters=filters,
                                             generation=generation))
        except Exception as exc:
            if not worker.is_cancelled:
                self.post_message(DataFailed(first_lines(str(exc)) or type(exc).__name__,
                                             locked=False, filters=filters, generation=generation))
        else:
            if not worker.is_cancelled:
                self.post_message(MoreLoaded(result, filters, generation,
                                             time.perf_counter() - started))

    @on(MoreLoaded)
    def _more_loaded(self, message: MoreLoaded) -> None:
        message.stop()
        if not self._current(message.filters, message.generation):
            return
        self._pending_more = False
        self.more_seconds = message.seconds
        self.show_more(message.result)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _fetch(self, db: Database, ctx: Context, filters: Filters, generation: int) -> None:
        worker = get_current_worker()
        started = time.perf_counter()
        try:
            with db.reader() as cur:
                result = self.fetch(cur, ctx, filters)
        except StoreLockedError as exc:
            if not worker.is_cancelled:
                self.post_message(DataFailed(str(exc), locked=True, filters=filters,
                                             generation=generation))
        except Exception as exc:  # shown to the user; a bug must not kill the app
            if not worker.is_cancelled:
                self.post_message(DataFailed(first_lines(str(exc)) or type(exc).__name__,
                                             locked=False, filters=filters, generation=generation))
        else:
            if not worker.is_cancelled:
                self.post_message(DataLoaded(result, filters, generation,
                                             time.perf_counter() - started))

    def _current(self, filters: Filters, generation: int) -> bool:
        app = self.aifinops
        return (filters, generation) == (app.filters, app.generation)

    @on(DataLoaded)
    def _loaded(self, message: DataLoaded) -> None:
        message.stop()
        if not self._current(message.filters, message.generation):
            return
        self._stop_loading()
        self.query_one("#body").display = True
        self.locked = False
        self.set_notice(None)
        self.load_seconds = message.seconds
        self.drawn_for = (message.filters, message.generation)
        self.show(message.result)
        self.refresh_bindings()
        if self.HAS_MORE:
            app = self.aifinops
            assert app.ctx is not None
            self._pending_more = True
            self._fetch_more(app.db, app.ctx, message.filters, message.generation, message.result)

    @on(DataFailed)
    def _failed(self, message: DataFailed) -> None:
        message.stop()
        if not self._current(message.filters, message.generation):
            return
        self._stop_loading()
        self._pending_more = False
        if message.locked:
            self.locked = True
            self.set_notice(
                f"{message.error}.\nShowing what was read before; retrying every few seconds "
                "(F5 to retry now).", tone="warning")
        else:
            self.set_notice(f"Could not read the data for this screen:\n{message.error}",
                            tone="error")

    # -- keys -----------------------------------------------------------------------------

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


def scope_bindings(*scopes: str) -> list[Any]:
    return keys.bindings(*scopes)
