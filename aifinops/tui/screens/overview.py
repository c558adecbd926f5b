"""Overview: where the month stands, where it is heading, what is wasted, what to do about it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from aifinops.analysis import screens_data as sd
from aifinops.tui import format as fmt
from aifinops.tui.keys import bindings
from aifinops.tui.screens.base import DataScreen
from aifinops.tui.widgets.charts import BarChart
from aifinops.tui.widgets.kpi import Kpi
from aifinops.tui.widgets.table import ResultTable

if TYPE_CHECKING:
    import duckdb


class OverviewScreen(DataScreen):
    SCOPE = "overview"
    TITLE = "Overview"
    HAS_MORE = True
    BINDINGS = bindings("overview")

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="kpis"):
            yield Kpi("Month to date", id="kpi-mtd")
            yield Kpi("Month-end forecast", id="kpi-forecast")
            yield Kpi("vs last month", id="kpi-change")
            yield Kpi("Idle GPU cost, 7 d", id="kpi-idle")
            yield Kpi("Open savings", id="kpi-savings")
        yield Static(id="chart-title", classes="section")
        yield BarChart(id="daily-chart")
        with Horizontal(id="tops"):
            with Vertical(classes="half"):
                yield Static("Top models in the range  (enter: open)", classes="section")
                yield ResultTable(id="top-models")
            with Vertical(classes="half"):
                yield Static("Top recommendations  (enter: evidence and plan)", classes="section")
                yield ResultTable(id="top-recs")

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        return sd.overview(cur, ctx, filters)

    def fetch_more(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters,
                   first: Any) -> Any:
        return sd.overview_more(cur, ctx, filters)

    def show_more(self, result: Any) -> None:
        more: sd.OverviewMore = result
        view = self._view
        if more.idle_cost_7d_usd is None:
            self.query_one("#kpi-idle", Kpi).set_value(fmt.DASH, "no GPU telemetry")
        else:
            start, end = view.idle_window
            note = (f"{start:%b %-d}–{end:%-d}" if start.month == end.month
                    else f"{start:%b %-d}–{end:%b %-d}")
            self.query_one("#kpi-idle", Kpi).set_value(
                fmt.money(more.idle_cost_7d_usd), note, tone="bad" if more.idle_cost_7d_usd else "")
        if more.top_models is not None:
            self._show_top_models(more.top_models)

    def show(self, result: Any) -> None:
        view: sd.Overview = result
        ctx = self.aifinops.ctx
        self.query_one("#kpi-mtd", Kpi).set_value(
            fmt.money(view.month_to_date_usd), f"{view.as_of:%b} 1–{view.as_of.day}")
        self.query_one("#kpi-forecast", Kpi).set_value(
            fmt.money(view.forecast_usd),
            f"+{fmt.money(view.run_rate_per_day_usd)}/d × {view.days_left} d")
        change = view.change_pct
        prior = (f"same days: {fmt.money(view.prior_same_days_usd)}"
                 if view.prior_same_days_usd else "no data last month")
        self.query_one("#kpi-change", Kpi).set_value(
            fmt.pct(change, signed=True) if change is not None else fmt.DASH, prior,
            tone="" if change is None else ("bad" if change > 0 else "good"))
        self._view = view
        self.query_one("#kpi-idle", Kpi).set_value("…", "reading GPU hours")
        if view.open_savings_usd is None:
            recs_available = bool(ctx and ctx.has("recommendations"))
            savings_value = fmt.DASH
            savings_note = "run `aifinops recs`" if recs_available else "none yet"
        else:
            savings_value = f"{fmt.money(view.open_savings_usd)}/mo"
            savings_note = f"{view.open_recommendations} to decide"
        self.query_one("#kpi-savings", Kpi).set_value(
            savings_value, savings_note, tone="good" if view.open_savings_usd else "")
        filters = self.aifinops.filters
        assert filters is not None
        self.query_one("#chart-title", Static).update(
            f"Daily cost  {filters.start:%Y-%m-%d} → {filters.end:%Y-%m-%d}   "
            f"total {fmt.money(sum(view.daily.column('cost_usd')))}")
        self.query_one("#daily-chart", BarChart).show(
            list(zip(view.daily.column("day"), view.daily.column("cost_usd"), strict=True)))
        self._show_top_models(view.top_models)
        self.query_one("#top-recs", ResultTable).show(
            view.top_recommendations, ["monthly_saving_usd", "status", "title"], key="id",
            fill="title")
        if not isinstance(self.focused, ResultTable):
            self.query_one("#top-models", ResultTable).focus()

    def _show_top_models(self, table: sd.Table) -> None:
        self.query_one("#top-models", ResultTable).show(
            _with_change(table), ["model", "cost_usd", "share_pct", "change"],
            key="model", labels={"change": "Change"})

    @on(DataTable.RowSelected, "#top-models")
    def _open_model(self, event: DataTable.RowSelected) -> None:
        from aifinops.tui.screens.models import ModelDetailScreen

        if event.row_key.value:
            self.app.push_screen(ModelDetailScreen(str(event.row_key.value).split("#")[0]))

    @on(DataTable.RowSelected, "#top-recs")
    def _open_rec(self, event: DataTable.RowSelected) -> None:
        from aifinops.tui.screens.recs import RecDetailScreen

        if event.row_key.value:
            self.app.push_screen(RecDetailScreen(str(event.row_key.value)))

    def action_open(self) -> None:
        focused = self.focused
        if isinstance(focused, ResultTable) and focused.row_count:
            focused.action_select_cursor()


def _with_change(table: sd.Table) -> sd.Table:
    rows = [(*row, fmt.change(r["cost_usd"], r["prior_cost_usd"]))
            for row, r in zip(table.rows, table.records(), strict=True)]
    return sd.Table((*table.columns, "change"), rows)
