"""Recommendations: decide (accept, dismiss, snooze), read the evidence and plan, apply.

Writes go through `aifinops.tui.rec_actions` in a worker: the database is opened for writing only
for that one change, and a sync holding the lock gets a clear message, not a crash. After a
change the app's data generation moves on, so every screen that shows recommendations reloads
when next seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Select, Static
from textual.worker import get_current_worker

from aifinops.analysis import screens_data as sd
from aifinops.errors import AifinopsError, StoreLockedError
from aifinops.store import Store
from aifinops.tui import format as fmt
from aifinops.tui import rec_actions
from aifinops.tui.database import Database
from aifinops.tui.keys import bindings
from aifinops.tui.screens.base import DataScreen
from aifinops.tui.screens.dialogs import AskDate, AskReason
from aifinops.tui.widgets.table import ResultTable

if TYPE_CHECKING:
    import duckdb

ACTIONABLE = "actionable"
ALL = "__all__"
FROM_FILTERS = "__filters__"
REC_COLUMNS = ["id", "status", "monthly_saving_usd", "confidence", "rule", "team", "title"]


class RecommendationChanged(Message):
    """A worker changed a recommendation's state (or failed to)."""

    def __init__(self, rec_id: str, message: str, *, ok: bool, locked: bool = False) -> None:
        super().__init__()
        self.rec_id = rec_id
        self.message = message
        self.ok = ok
        self.locked = locked


class RecActions:
    """Accept / dismiss / snooze / apply for the recommendation a screen points at.

    Mixed into the list and the detail screen; each says which recommendation and its status.
    """

    def current_rec(self) -> tuple[str, str, str, str | None, str | None] | None:
        """(id, status, title, action kind, provider) of the recommendation the keys act on."""
        raise NotImplementedError

    def rec_check(self, action: str) -> bool | None:
        if not action.startswith("rec_"):
            return True
        action = action.removeprefix("rec_")
        rec = self.current_rec()
        if rec is None:
            return None
        if action == "apply":
            return (rec[1] in rec_actions.allowed_from("apply")
                    and rec_actions.can_apply(rec[3], rec[4])) or None
        return (rec[1] in rec_actions.allowed_from(action) and rec_actions.can_change_status()) or None

    def action_rec_accept(self) -> None:
        rec = self.current_rec()
        if rec:
            screen = self._screen()
            screen._write(screen.aifinops.db, rec[0], "accept", None, None, screen.aifinops.today)

    def action_rec_dismiss(self) -> None:
        rec = self.current_rec()
        if not rec:
            return
        screen = self._screen()

        def answered(reason: str | None) -> None:
            if reason:
                screen._write(screen.aifinops.db, rec[0], "dismiss", reason, None,
                              screen.aifinops.today)

        screen.app.push_screen(AskReason(f"{rec[0]}  {rec[2]}"), answered)

    def action_rec_snooze(self) -> None:
        rec = self.current_rec()
        if not rec:
            return
        screen = self._screen()

        def answered(until: date | None) -> None:
            if until:
                screen._write(screen.aifinops.db, rec[0], "snooze", None, until,
                              screen.aifinops.today)

        screen.app.push_screen(AskDate(f"{rec[0]}  {rec[2]}", screen.aifinops.today), answered)

    def action_rec_apply(self) -> None:
        rec = self.current_rec()
        if not rec:
            return
        screen = self._screen()

        def finished(result: rec_actions.ActionResult | None) -> None:
            if result is not None:
                screen.aifinops.data_changed()

        screen.app.push_screen(ApplyScreen(rec[0], rec[2]), finished)

    def _screen(self) -> RecScreenBase:
        assert isinstance(self, RecScreenBase)
        return self


class RecScreenBase(RecActions, DataScreen):
    """A data screen that can change recommendations."""

    @work(thread=True, exclusive=True, exit_on_error=False, group="write")
    def _write(self, db: Database, rec_id: str, command: str, reason: str | None,
               until: date | None, today: date) -> None:
        try:
            change = rec_actions.change_status(db, rec_id, command, reason=reason, until=until,
                                               today=today)
        except StoreLockedError as exc:
            self.post_message(RecommendationChanged(
                rec_id, f"Not saved: {exc}", ok=False, locked=True))
        except AifinopsError as exc:
            self.post_message(RecommendationChanged(rec_id, str(exc), ok=False))
        else:
            self.post_message(RecommendationChanged(rec_id, change.message, ok=True))

    @on(RecommendationChanged)
    def _changed(self, message: RecommendationChanged) -> None:
        message.stop()
        if message.ok:
            self.notify(message.message, title="saved")
            self.aifinops.data_changed()
        else:
            self.notify(message.message, title="database busy" if message.locked else "not done",
                        severity="error", timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.rec_check(action)


@dataclass(frozen=True)
class RecsData:
    table: sd.Table
    rules: list[str]
    teams: list[str]


class RecsScreen(RecScreenBase):
    SCOPE = "recs"
    TITLE = "Recommendations"
    BINDINGS = bindings("recs")

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="rec-filters"):
            yield Select([("status: to decide", ACTIONABLE)]
                         + [(f"status: {s}", s) for s in sd.REC_STATUSES]
                         + [("status: any", ALL)],
                         value=ACTIONABLE, allow_blank=False, id="rec-status")
            yield Select([("kind: any", ALL)], value=ALL, allow_blank=False, id="rec-kind")
            yield Select([("team: as filtered", FROM_FILTERS)], value=FROM_FILTERS,
                         allow_blank=False, id="rec-team")
        yield Static(id="summary", classes="section")
        yield ResultTable(id="recs")

    def _selection(self) -> tuple[tuple[str, ...] | None, str | None, str | object | None]:
        status = self.query_one("#rec-status", Select).value
        kind = self.query_one("#rec-kind", Select).value
        team = self.query_one("#rec-team", Select).value
        statuses = (sd.REC_ACTIONABLE if status == ACTIONABLE else None if status == ALL
                    else (str(status),))
        return (statuses, None if kind == ALL else str(kind),
                sd.FROM_FILTERS if team == FROM_FILTERS else None if team == ALL else str(team))

    def reload(self) -> None:
        self._chosen = self._selection()
        super().reload()

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        statuses, rule, team = self._chosen
        table = sd.recommendations(cur, ctx, filters, statuses=statuses, rule=rule,
                                   team=team)  # type: ignore[arg-type]
        rules = sd.recommendation_rules(cur, ctx)
        teams = [r[0] for r in cur.execute(
            "select distinct team from recommendations where team is not null order by 1"
        ).fetchall()] if ctx.has("recommendations") else []
        return RecsData(table, rules, teams)

    def show(self, result: Any) -> None:
        data: RecsData = result
        ctx = self.aifinops.ctx
        kind = self.query_one("#rec-kind", Select)
        options = [("kind: any", ALL)] + [(f"kind: {r.replace('_', ' ')}", r) for r in data.rules]
        if [v for _, v in options] != [v for _, v in getattr(self, "_kind_options", [])]:
            current = kind.value
            with self.prevent(Select.Changed):
                kind.set_options(options)
                kind.value = current if current in [v for _, v in options] else ALL
            self._kind_options = options
        team = self.query_one("#rec-team", Select)
        filters = self.aifinops.filters
        team_options = [(f"team: as filtered ({filters.team if filters and filters.team else 'all'})",
                         FROM_FILTERS), ("team: any", ALL)] + [(f"team: {t}", t) for t in data.teams]
        if team_options != getattr(self, "_team_options", None):
            current = team.value
            with self.prevent(Select.Changed):
                team.set_options(team_options)
                team.value = current if current in [v for _, v in team_options] else FROM_FILTERS
            self._team_options = team_options
        self.query_one("#recs", ResultTable).show(data.table, REC_COLUMNS, key="id", fill="title")
        saving = sum(data.table.column("monthly_saving_usd")) if data.table.rows else 0.0
        if ctx is not None and not ctx.has("recommendations"):
            summary = "this database has no recommendations table: run any writing command"
        elif ctx is not None and not ctx.recommendations and not data.table.rows:
            summary = "no recommendations yet: `aifinops recs` runs the rules after a sync"
        else:
            table = self.query_one("#recs", ResultTable)
            shown = (f"{len(data.table):,} (the top {table.row_count:,} shown)"
                     if table.hidden_rows else f"{len(data.table):,} shown")
            summary = (f"{shown} · {fmt.money(saving)}/month if all were done · "
                       "a accept · d dismiss · s snooze · A apply · enter evidence and plan")
        self.query_one("#summary", Static).update(summary)
        self.query_one("#recs", ResultTable).focus()

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        if event.select.id in ("rec-status", "rec-kind", "rec-team") and self.drawn_for:
            self.reload()

    def current_rec(self) -> tuple[str, str, str, str | None, str | None] | None:
        table = self.query_one("#recs", ResultTable)
        record = table.selected_record
        if record is None:
            return None
        return (str(record["id"]), str(record["status"]), str(record["title"]),
                _opt(record.get("action_kind")), _opt(record.get("provider")))

    @on(DataTable.RowHighlighted, "#recs")
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#recs")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(RecDetailScreen(str(event.row_key.value)))

    def action_open(self) -> None:
        self.query_one("#recs", ResultTable).action_select_cursor()


@dataclass(frozen=True)
class RecDetailData:
    detail: sd.RecommendationDetail
    plan: str | None


class RecDetailScreen(RecScreenBase):
    """One recommendation: what it saves, the numbers behind it, the signals, the plan, history."""

    SCOPE = "rec"
    TITLE = "Recommendation"
    BINDINGS = bindings("detail", "rec")

    def __init__(self, rec_id: str) -> None:
        super().__init__()
        self.rec_id = rec_id
        self.record: dict[str, Any] | None = None

    def subtitle(self) -> str:
        return self.rec_id

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="rec-head", classes="facts")
            with Horizontal(id="rec-columns"):
                with Vertical(classes="half"):
                    yield Static("Evidence", classes="section")
                    yield Static(id="rec-evidence", classes="facts")
                with Vertical(classes="half"):
                    yield Static("Plan", classes="section")
                    yield Static(id="rec-plan", classes="plan")
            yield Static("History", classes="section")
            yield ResultTable(id="rec-history")

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        detail = sd.recommendation_detail(cur, ctx, self.rec_id)
        try:
            plan = rec_actions.plan_text(Store(cur, ctx.db_path, True), self.rec_id)
        except AifinopsError as exc:
            plan = f"(no plan: {exc})"
        return RecDetailData(detail, plan)

    def show(self, result: Any) -> None:
        data: RecDetailData = result
        row = data.detail.row
        self.record = row
        head = Text()
        head.append(f"{row['title']}\n", style="bold")
        head.append(f"saves {fmt.money(row['monthly_saving_usd'])}/month", style="bold #5faf5f")
        head.append(f"  ·  confidence {fmt.confidence(row['confidence'])}  ·  status ")
        head.append(str(row["status"]), style="bold")
        if row.get("status_reason"):
            head.append(f" ({row['status_reason']})", style="#9e9e9e")
        if row.get("snoozed_until"):
            head.append(f" until {row['snoozed_until']}")
        head.append(f"\n{row['rule'].replace('_', ' ')} → {row['action_kind']}  ·  "
                    f"{row['resource_id']}  ·  model {row.get('model') or fmt.DASH}  ·  "
                    f"team {row.get('team') or fmt.DASH}", style="#9e9e9e")
        self.query_one("#rec-head", Static).update(head)
        evidence = Text()
        for key, value in data.detail.evidence.items():
            evidence.append(f"{key.replace('_', ' ')}: ", style="#9e9e9e")
            evidence.append(f"{_evidence_value(key, value)}\n")
        used = list(row.get("signals_used") or [])
        missing = list(row.get("signals_missing") or [])
        evidence.append("\nsignals used: ", style="#9e9e9e")
        evidence.append(", ".join(used) or fmt.DASH, style="#5faf5f")
        evidence.append("\ncould not check: ", style="#9e9e9e")
        evidence.append(", ".join(missing) or "nothing", style="#d7af5f" if missing else "")
        self.query_one("#rec-evidence", Static).update(evidence)
        if data.plan is None:
            params = data.detail.action_params
            plan = Text("This aifinops cannot render plans yet; the action's parameters:\n\n",
                        style="#9e9e9e")
            for key, value in params.items():
                plan.append(f"{key}: {value}\n")
        else:
            plan = Text(data.plan)
        if not rec_actions.can_apply(row["action_kind"], row.get("provider")):
            plan.append("\n\nThis is a plan to follow by hand: aifinops does not apply it.",
                        style="#9e9e9e")
        elif row["status"] == "accepted":
            plan.append("\n\nA: apply (asks to confirm, runs a dry run first)", style="bold")
        elif row["status"] == "open":
            plan.append("\n\na: accept first; then A applies it", style="#9e9e9e")
        self.query_one("#rec-plan", Static).update(plan)
        self.query_one("#rec-history", ResultTable).show(
            data.detail.history, ["changed_at", "actor", "kind", "what", "detail"])
        self.refresh_bindings()

    def current_rec(self) -> tuple[str, str, str, str | None, str | None] | None:
        if self.record is None:
            return None
        return (self.rec_id, str(self.record["status"]), str(self.record["title"]),
                _opt(self.record.get("action_kind")), _opt(self.record.get("provider")))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _evidence_value(key: str, value: Any) -> str:
    if isinstance(value, float):
        if key.endswith("_usd") or "usd" in key:
            return fmt.money(value)
        if key.endswith("_pct"):
            return fmt.pct(value)
        return f"{value:,.4g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


class ActionFinished(Message):
    """A dry run or an apply came back (or could not run)."""

    def __init__(self, result: rec_actions.ActionResult | None, error: str | None = None,
                 locked: bool = False) -> None:
        super().__init__()
        self.result = result
        self.error = error
        self.locked = locked


class ApplyScreen(ModalScreen[rec_actions.ActionResult | None]):
    """Apply with care: confirm, dry run, show its result, apply on a second confirmation, then
    show the outcome. Nothing runs until a button is pressed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, rec_id: str, title: str) -> None:
        super().__init__()
        self.rec_id = rec_id
        self.rec_title = title
        self.stage = "confirm"  # confirm → dry-run → dry-run-done → applying → done
        self.final: rec_actions.ActionResult | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"Apply {self.rec_id}?", classes="dialog-title")
            yield Static(self.rec_title, classes="dialog-sub")
            yield Static("A dry run goes first where the cloud API has one; nothing changes "
                         "until you confirm a second time.", id="apply-status")
            yield Static("", id="apply-result", classes="plan")
            with Horizontal(classes="buttons"):
                yield Button("Dry run", variant="primary", id="dry-run")
                yield Button("Apply now", variant="error", id="apply", disabled=True)
                yield Button("Cancel", id="cancel")

    @property
    def _db(self) -> Database:
        from aifinops.tui.app import AifinopsApp

        assert isinstance(self.app, AifinopsApp)
        return self.app.db

    def on_mount(self) -> None:
        from aifinops.tui.app import AifinopsApp

        assert isinstance(self.app, AifinopsApp)
        self._aws_options = self.app.aws_options

    @on(Button.Pressed, "#dry-run")
    def _dry_run(self) -> None:
        self.stage = "dry-run"
        self.query_one("#dry-run", Button).disabled = True
        self.query_one("#apply-status", Static).update("Running the dry run…")
        self._run(self._db, dry_run=True)

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        self.stage = "applying"
        self.query_one("#apply", Button).disabled = True
        self.query_one("#apply-status", Static).update("Applying…")
        self._run(self._db, dry_run=False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="apply")
    def _run(self, db: Database, *, dry_run: bool) -> None:
        worker = get_current_worker()
        try:
            result = rec_actions.run_action(db, self.rec_id, dry_run=dry_run,
                                            aws=self._aws_options)
        except StoreLockedError as exc:
            message = ActionFinished(None, str(exc), locked=True)
        except Exception as exc:  # the library's own errors and the cloud's, shown as they are
            message = ActionFinished(None, sd.first_lines(str(exc), 6) or type(exc).__name__)
        else:
            message = ActionFinished(result)
        if not worker.is_cancelled:
            self.post_message(message)

    @on(ActionFinished)
    def _finished(self, message: ActionFinished) -> None:
        status = self.query_one("#apply-status", Static)
        out = self.query_one("#apply-result", Static)
        cancel = self.query_one("#cancel", Button)
        if message.result is None:
            status.update(Text("Database busy: " if message.locked else "Could not run: ",
                               style="bold #d75f5f"))
            out.update(message.error or "")
            self.query_one("#dry-run", Button).disabled = self.stage != "dry-run"
            cancel.label = "Close"
            return
        result = message.result
        text = Text(result.summary + "\n", style="bold #5faf5f" if result.ok else "bold #d75f5f")
        for line in result.details:
            text.append(f"  {line}\n")
        out.update(text)
        if result.mode == "dry-run":
            if result.ok:
                status.update("Dry run passed. Apply it for real?")
                self.query_one("#apply", Button).disabled = False
                self.query_one("#apply", Button).focus()
            else:
                status.update(Text("The dry run failed: nothing was changed.", style="bold"))
                cancel.label = "Close"
            self.stage = "dry-run-done"
        else:
            self.stage = "done"
            self.final = result
            status.update(Text(f"Outcome: {'applied' if result.ok else 'failed'} "
                               f"(status now {result.status})", style="bold"))
            cancel.label = "Close"
            cancel.focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.stage == "applying":
            return  # an apply in flight finishes and reports; closing now would hide it
        self.dismiss(self.final)
