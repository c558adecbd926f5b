"""SQL console: read-only SQL over the same database, results in a table, a history, clear errors.

Queries go through `aifinops.query.run_query` (the `aifinops query` command's function) on a
read-only cursor in a worker, so a slow query never freezes the screen and a write is refused by
DuckDB itself. The history keeps the last queries in memory and, when the app is given a path,
in a file (one JSON string a line), so yesterday's query is one key away.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from aifinops.analysis import screens_data as sd
from aifinops.errors import StoreLockedError
from aifinops.query import QueryError, run_query
from aifinops.tui import format as fmt
from aifinops.tui.database import Database
from aifinops.tui.keys import bindings
from aifinops.tui.screens.base import DataScreen
from aifinops.tui.widgets.table import ResultTable

if TYPE_CHECKING:
    import duckdb

HISTORY_LIMIT = 200
STARTER = ("-- Read-only SQL over this database: ctrl+r runs it. Views: cost_daily, team_cost,\n"
           "-- tag_coverage, spend_forecast, gpu_host_hourly, recommendations, …\n"
           "select model, round(sum(cost), 2) as cost_usd\n"
           "from cost_daily\nwhere month = (select max(month) from cost_daily)\n"
           "group by model order by cost_usd desc")


class QueryExecuted(Message):
    """The console's worker ran a query (`error` set when DuckDB refused it)."""

    def __init__(self, sql: str, result: sd.Table | None, error: str | None, seconds: float,
                 truncated: bool, locked: bool = False) -> None:
        super().__init__()
        self.sql = sql
        self.result = result
        self.error = error
        self.seconds = seconds
        self.truncated = truncated
        self.locked = locked


class History:
    """Most recent last; duplicates move to the end; optionally mirrored to a file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.items: list[str] = []
        if path is not None and path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    value = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(value, str):
                    self._add(value)

    def _add(self, sql: str) -> None:
        if sql in self.items:
            self.items.remove(sql)
        self.items.append(sql)
        del self.items[:-HISTORY_LIMIT]

    def add(self, sql: str) -> None:
        self._add(sql)
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text("".join(json.dumps(s) + "\n" for s in self.items),
                                     encoding="utf-8")
            except OSError:
                self.path = None  # a read-only home: keep the history in memory only


class SqlScreen(DataScreen):
    SCOPE = "sql"
    TITLE = "SQL"
    NEEDS_COSTS = False
    BINDINGS = bindings("sql")

    def __init__(self) -> None:
        super().__init__()
        self.history_index: int | None = None
        self.last_sql: str | None = None
        self._query_in_flight = False  # a query is in flight until its result is drawn

    @property
    def busy(self) -> bool:
        return super().busy or self._query_in_flight

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="sql-top"):
            with Vertical(id="sql-editor-box"):
                yield TextArea(STARTER, id="sql-editor", show_line_numbers=True,
                               tab_behavior="indent", soft_wrap=False)
            with Vertical(id="sql-history-box"):
                yield Static("History  (enter: load)", classes="section")
                yield OptionList(id="sql-history")
        yield Static("ctrl+r run · ctrl+↑/↓ history · esc leaves the editor (then 1–5 switch "
                     "screens)", id="sql-status", classes="section")
        yield ResultTable(id="sql-results")

    def on_mount(self) -> None:
        super().on_mount()
        self._fill_history()
        self.query_one("#sql-editor", TextArea).focus()

    @property
    def history(self) -> History:
        return self.aifinops.sql_history

    def reload(self) -> None:
        # Nothing to read until the user runs something; keep the last result on screen.
        app = self.aifinops
        self.update_topbar()
        self.drawn_for = (app.filters, app.generation) if app.filters else None

    def _fill_history(self) -> None:
        options = self.query_one("#sql-history", OptionList)
        options.clear_options()
        for index, sql in reversed(list(enumerate(self.history.items))):
            first = " ".join(line for line in sql.splitlines()
                             if line.strip() and not line.strip().startswith("--"))
            text = first or sql
            options.add_option(Option(text if len(text) <= 34 else text[:33] + "…", id=str(index)))

    # -- running --------------------------------------------------------------------------

    def action_run(self) -> None:
        editor = self.query_one("#sql-editor", TextArea)
        sql = editor.selected_text.strip() or editor.text.strip()
        if not sql:
            return
        self.history.add(editor.text.strip())
        self._fill_history()
        self.history_index = None
        self.query_one("#sql-status", Static).update("running…")
        self.query_one("#sql-results", ResultTable).loading = True
        self._query_in_flight = True
        self._execute(self.aifinops.db, sql, self.aifinops.clock)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sql")
    def _execute(self, db: Database, sql: str, clock: Callable[[], float]) -> None:
        worker = get_current_worker()
        started = clock()
        result: sd.Table | None = None
        error: str | None = None
        truncated = locked = False
        try:
            with db.store_reader() as store:
                answer = run_query(store, sql, limit=sd.SQL_CONSOLE_ROW_LIMIT + 1)
            rows = answer.rows
            truncated = len(rows) > sd.SQL_CONSOLE_ROW_LIMIT
            result = sd.Table(tuple(answer.columns), rows[: sd.SQL_CONSOLE_ROW_LIMIT])
        except QueryError as exc:
            error = sd.first_lines(str(exc), 6)
        except StoreLockedError as exc:
            error, locked = str(exc), True
        except Exception as exc:
            error = sd.first_lines(str(exc), 6) or type(exc).__name__
        if not worker.is_cancelled:
            self.post_message(QueryExecuted(sql, result, error, clock() - started,
                                            truncated, locked))

    @on(QueryExecuted)
    def _executed(self, message: QueryExecuted) -> None:
        message.stop()
        self._query_in_flight = False
        table = self.query_one("#sql-results", ResultTable)
        table.loading = False
        status = self.query_one("#sql-status", Static)
        self.last_sql = message.sql
        if message.error is not None:
            status.update(Text(message.error, style="bold #d75f5f"))
            status.add_class("error")
            table.show(sd.EMPTY)  # an old result under a new error reads as the answer
            return
        status.remove_class("error")
        assert message.result is not None
        result = message.result
        table.show(result)
        if not result.columns:
            status.update(f"done in {message.seconds * 1000:.0f} ms (no rows returned)")
            return
        shown = f"first {fmt.number(len(result))} rows" if message.truncated else (
            f"{fmt.number(len(result))} row{'s' if len(result) != 1 else ''}")
        status.update(f"{shown} in {message.seconds * 1000:.0f} ms · ctrl+r run again")

    # -- history --------------------------------------------------------------------------

    def action_history(self, step: int) -> None:
        items = self.history.items
        if not items:
            return
        index = len(items) if self.history_index is None else self.history_index
        index = max(0, min(len(items) - 1, index + step))
        self.history_index = index
        self.query_one("#sql-editor", TextArea).load_text(items[index])

    @on(OptionList.OptionSelected, "#sql-history")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            index = int(event.option.id)
            self.history_index = index
            editor = self.query_one("#sql-editor", TextArea)
            editor.load_text(self.history.items[index])
            editor.focus()

    def action_leave_editor(self) -> None:
        self.query_one("#sql-results", ResultTable).focus()

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        return None

    def show(self, result: Any) -> None:
        return None
