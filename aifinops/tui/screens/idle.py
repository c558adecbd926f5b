"""Idle resources: GPUs paid for and not used → one resource, its GPUs hour by hour beside its cost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from aifinops.analysis import screens_data as sd
from aifinops.tui import format as fmt
from aifinops.tui.keys import bindings
from aifinops.tui.screens.base import DataScreen
from aifinops.tui.screens.models import strips_from
from aifinops.tui.widgets.charts import UtilStrips
from aifinops.tui.widgets.table import ResultTable

if TYPE_CHECKING:
    import duckdb

IDLE_COLUMNS = ["resource_name", "instance_type", "model", "team", "idle_cost_usd", "idle_hours",
                "idle_pct", "last_busy_at", "util_max_pct", "cost_usd"]

NO_TELEMETRY = (
    "No GPU telemetry yet, so idleness cannot be judged: the bill alone shows hours paid, not "
    "hours used.\n"
    "Next: `aifinops ingest nvidia-smi LOG.csv` (logs from `nvidia-smi --query-gpu=… -l 5`), "
    "`aifinops ingest dcgm URL`, or run `aifinops sample` on each GPU host."
)


class IdleScreen(DataScreen):
    SCOPE = "idle"
    TITLE = "Idle resources"
    BINDINGS = bindings("idle")

    def compose_body(self) -> ComposeResult:
        yield Static(id="summary", classes="section")
        yield ResultTable(id="idle")

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        return sd.idle_resources(cur, ctx, filters)

    def show(self, result: Any) -> None:
        table: sd.Table = result
        ctx = self.aifinops.ctx
        if ctx is not None and not ctx.gpu_hours:
            self.set_notice(NO_TELEMETRY)
        shown = self.query_one("#idle", ResultTable)
        shown.show(table, IDLE_COLUMNS, key="resource_id")
        more = f" · the top {shown.row_count:,} shown" if shown.hidden_rows else ""
        if table.rows:
            idle = sum(table.column("idle_cost_usd"))
            hours = sum(table.column("idle_hours"))
            with_idle = sum(1 for v in table.column("idle_hours") if v)
            self.query_one("#summary", Static).update(
                f"{fmt.money(idle)} paid for {fmt.number(hours)} idle hours on {with_idle} of "
                f"{len(table):,} GPU resources (idle: even the busiest GPU under the idle line)"
                f"{more}")
        else:
            self.query_one("#summary", Static).update("no GPU resources with telemetry in this range")
        self.query_one("#idle", ResultTable).focus()

    @on(DataTable.RowSelected, "#idle")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(ResourceDetailScreen(str(event.row_key.value).split("#")[0]))

    def action_open(self) -> None:
        self.query_one("#idle", ResultTable).action_select_cursor()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.query_one("#idle", ResultTable).row_count > 0 or None
        return True


class ResourceDetailScreen(DataScreen):
    """One resource: per-GPU activity and hourly cost on one axis, processes, recommendations."""

    SCOPE = "resource"
    TITLE = "Resource"
    BINDINGS = bindings("detail", "resource")
    HAS_MORE = True  # facts and cost first, GPU hours and processes a moment later

    def __init__(self, resource_id: str) -> None:
        super().__init__()
        self.resource_id = resource_id

    def subtitle(self) -> str:
        return self.resource_id

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="resource-facts", classes="facts")
            yield Static("GPU activity and cost, hour by hour", classes="section")
            yield UtilStrips(id="resource-strips")
            yield Static("Processes seen on its GPUs", classes="section", id="processes-title")
            yield ResultTable(id="processes")
            yield Static("Recommendations", classes="section", id="resource-recs-title")
            yield ResultTable(id="resource-recs")

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        return sd.resource_detail(cur, ctx, filters, self.resource_id, gpu=False)

    def fetch_more(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters,
                   first: Any) -> Any:
        return sd.resource_gpu(cur, ctx, filters, first)

    def show_more(self, result: Any) -> None:
        self.show(result)

    def show(self, result: Any) -> None:
        detail: sd.ResourceDetail = result
        filters = self.aifinops.filters
        assert filters is not None
        f = detail.facts
        name = f.get("resource_name") or self.resource_id
        lines = [f"[b]{name}[/b]  {self.resource_id}"]
        lines.append("  ·  ".join(str(x) for x in (
            f.get("service"), f.get("instance_type"), f.get("region"),
            f.get("pricing_category") and f"priced {f['pricing_category']}") if x))
        owner = []
        if f.get("model"):
            owner.append(f"model {f['model']} ({f.get('model_source')})")
        if f.get("team"):
            owner.append(f"team {f['team']} ({f.get('team_source')})")
        if f.get("account"):
            owner.append(f"account {f.get('account_name') or ''} {f['account']}".replace("  ", " "))
        if owner:
            lines.append("  ·  ".join(owner))
        cost = f.get("cost_usd")
        if cost is None:
            cost = sum(detail.daily.column("cost_usd")) if detail.daily.rows else None
        host = (f"GPU host {f['host']} (matched by {f.get('matched_by')})" if f.get("host")
                else "no GPU host mapped to it")
        signals = sorted({str(s) for s in detail.gpu_hours.column("activity_signal") if s}
                         ) if detail.gpu_hours.rows else []
        if signals:
            host += f"  ·  activity signal: {', '.join(signals)}"
        lines.append(f"cost in range {fmt.money(cost)}  ·  {host}")
        self.query_one("#resource-facts", Static).update("\n".join(lines))
        self.query_one("#resource-strips", UtilStrips).show(
            strips_from(detail.gpu_hours, filters, int(f.get("bin_hours", 1)), detail.cost_hours),
            "… (reading GPU hours)" if f.get("partial") else "no GPU telemetry for this range")
        processes = self.query_one("#processes", ResultTable)
        processes.show(detail.processes, ["process", "command_line", "gpus", "hours_seen",
                                          "first_seen_at", "last_seen_at", "used_mem_max_mib"],
                       key="process")
        processes.display = bool(detail.processes.rows)
        self.query_one("#processes-title", Static).update(
            "Processes seen on its GPUs" if detail.processes.rows
            else "Processes seen on its GPUs: …" if f.get("partial")
            else "Processes seen on its GPUs: none in this range")
        recs = self.query_one("#resource-recs", ResultTable)
        recs.show(detail.recommendations, ["id", "status", "monthly_saving_usd", "confidence",
                                           "title"], key="id", fill="title")
        recs.display = bool(detail.recommendations.rows)
        self.query_one("#resource-recs-title", Static).update(
            "Recommendations  (enter: evidence and plan)" if detail.recommendations.rows
            else "Recommendations: none for this resource")

    @on(DataTable.RowSelected, "#resource-recs")
    def _open_rec(self, event: DataTable.RowSelected) -> None:
        from aifinops.tui.screens.recs import RecDetailScreen

        if event.row_key.value:
            self.app.push_screen(RecDetailScreen(str(event.row_key.value)))

    def action_open(self) -> None:
        self.query_one("#resource-recs", ResultTable).action_select_cursor()
