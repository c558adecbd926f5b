"""Decisions that return a value: why dismiss, until when to snooze, which filters, help.

Each is a `ModalScreen[T]` dismissed with its answer (or None when cancelled), as Textual's guide
has it, so the caller's code reads `self.app.push_screen(AskReason(...), on_answer)`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from aifinops.analysis.screens_data import FilterOptions, Filters, range_presets
from aifinops.tui.keys import GLOBAL, SCOPE_TITLES, keys_for

ALL = "__all__"


class AskReason(ModalScreen[str | None]):
    """Dismiss: a reason is required, so the next person knows why."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.rec_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Dismiss — why?", classes="dialog-title")
            yield Static(self.rec_title, classes="dialog-sub")
            yield Input(placeholder="e.g. the job restarts on Monday; owner agreed", id="reason")
            yield Static("", id="reason-error", classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Dismiss", variant="warning", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#reason-error", Static).update("a reason is needed")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AskDate(ModalScreen[date | None]):
    """Snooze: until a day after today (it reopens then)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, today: date) -> None:
        super().__init__()
        self.rec_title = title
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Snooze — until when?", classes="dialog-title")
            yield Static(self.rec_title, classes="dialog-sub")
            with Horizontal(classes="buttons"):
                for days in (7, 14, 30, 90):
                    yield Button(f"{days} days", id=f"d{days}")
            yield Input(value=f"{self.today + timedelta(days=14):%Y-%m-%d}", id="until",
                        placeholder="YYYY-MM-DD")
            yield Static("", id="until-error", classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Snooze", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed)
    def _preset(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("d"):
            days = int(event.button.id[1:])
            self.query_one("#until", Input).value = f"{self.today + timedelta(days=days):%Y-%m-%d}"
            self._ok()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#until", Input).value.strip()
        try:
            until = date.fromisoformat(text)
        except ValueError:
            self.query_one("#until-error", Static).update("write the day as YYYY-MM-DD")
            return
        if until <= self.today:
            self.query_one("#until-error", Static).update(f"pick a day after {self.today}")
            return
        self.dismiss(until)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterScreen(ModalScreen[Filters | None]):
    """The global filters: a date range (presets or typed days), provider, account, team."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, filters: Filters, options: FilterOptions, as_of: date) -> None:
        super().__init__()
        self.filters = filters
        self.options = options
        self.as_of = as_of

    def compose(self) -> ComposeResult:
        presets = range_presets(self.as_of)
        with Vertical(classes="dialog wide"):
            yield Label("Filters", classes="dialog-title")
            with Grid(id="filter-grid"):
                yield Label("Range")
                yield Select([(name, name) for name, _, _ in presets], prompt="pick a range",
                             id="preset", allow_blank=True, classes="span3")
                yield Label("From")
                yield Input(value=f"{self.filters.start:%Y-%m-%d}", id="start")
                yield Label("To")
                yield Input(value=f"{self.filters.end:%Y-%m-%d}", id="end")
                yield Label("Provider")
                yield Select([("all providers", ALL)] + [(p, p) for p in self.options.providers],
                             value=self.filters.provider or ALL, allow_blank=False, id="provider")
                yield Label("Account")
                yield Select([("all accounts", ALL)] + [
                    (f"{name}  {acct}" if name else acct, acct)
                    for acct, name in self.options.accounts],
                    value=self.filters.account or ALL, allow_blank=False, id="account")
                yield Label("Team")
                yield Select([("all teams", ALL)] + [(t, t) for t in self.options.teams],
                             value=self.filters.team or ALL, allow_blank=False, id="team",
                             classes="span3")
            yield Static("", id="filter-error", classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Apply", variant="primary", id="ok")
                yield Button("Reset", id="reset")
                yield Button("Cancel", id="cancel")

    @on(Select.Changed, "#preset")
    def _preset(self, event: Select.Changed) -> None:
        for name, start, end in range_presets(self.as_of):
            if name == event.value:
                self.query_one("#start", Input).value = f"{start:%Y-%m-%d}"
                self.query_one("#end", Input).value = f"{end:%Y-%m-%d}"

    def _choice(self, widget_id: str) -> str | None:
        value = self.query_one(f"#{widget_id}", Select).value
        return None if value in (ALL, Select.BLANK) else str(value)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        try:
            start = date.fromisoformat(self.query_one("#start", Input).value.strip())
            end = date.fromisoformat(self.query_one("#end", Input).value.strip())
        except ValueError:
            self.query_one("#filter-error", Static).update("write days as YYYY-MM-DD")
            return
        if end < start:
            self.query_one("#filter-error", Static).update("the range ends before it starts")
            return
        self.dismiss(Filters(start, end, self._choice("provider"), self._choice("account"),
                             self._choice("team")))

    @on(Button.Pressed, "#reset")
    def _reset(self) -> None:
        for name, start, end in range_presets(self.as_of):
            if name == "last 30 days":
                self.dismiss(Filters(start, end))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """Every key that works here, from the key registry (the same one the bindings come from)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__()
        self.scopes = scopes

    def compose(self) -> ComposeResult:
        text = Text()
        for scope in (*self.scopes, GLOBAL):
            entries = keys_for(scope)
            if not entries:
                continue
            text.append(f"{SCOPE_TITLES.get(scope, scope)}\n", style="bold")
            for key in entries:
                text.append(f"  {key.display:<14}", style="bold #87afd7")
                text.append(key.description)
                if key.help:
                    text.append(f" — {key.help}", style="#9e9e9e")
                text.append("\n")
            text.append("\n")
        text.append("The mouse works too: click a row to select it, click again to open it.\n",
                    style="#9e9e9e")
        text.append("Everything is read-only except accepting, dismissing, snoozing and applying, "
                    "which open the database for writing for that one change.", style="#9e9e9e")
        with Vertical(classes="dialog wide"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(text, id="help-text")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
