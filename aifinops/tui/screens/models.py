"""Models: what each costs and wastes → one model: its days, its resources, its GPUs by the hour."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from aifinops.analysis import screens_data as sd
from aifinops.tui import format as fmt
from aifinops.tui.keys import bindings
from aifinops.tui.screens.base import DataScreen
from aifinops.tui.widgets.charts import BarChart, StripData, UtilStrips
from aifinops.tui.widgets.table import ResultTable

if TYPE_CHECKING:
    import duckdb

MODEL_COLUMNS = ["model", "cost_usd", "gpu_hours", "util_mean_pct", "idle_gpu_hours",
                 "idle_cost_usd", "cost_per_busy_gpu_hour_usd", "cost_per_1k_requests_usd"]


class ModelsScreen(DataScreen):
    """Costs first (one pass over cost_daily), then the GPU columns (model_cost or the GPU
    rollups), so a large fleet shows its models at once and its waste a moment later."""

    SCOPE = "models"
    TITLE = "Models"
    HAS_MORE = True
    BINDINGS = bindings("models")

    def compose_body(self) -> ComposeResult:
        yield Static(id="summary", classes="section")
        yield ResultTable(id="models")

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        return sd.model_costs(cur, ctx, filters)

    def fetch_more(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters,
                   first: Any) -> Any:
        return sd.models(cur, ctx, filters)

    def show(self, result: Any) -> None:
        table: sd.Table = result
        self.query_one("#models", ResultTable).show(table, ["model", "cost_usd", "share_pct"],
                                                    key="model")
        total = sum(table.column("cost_usd")) if table.rows else 0.0
        self.query_one("#summary", Static).update(
            f"{len(table)} models · {fmt.money(total)} · reading GPU hours…")
        self.query_one("#models", ResultTable).focus()

    def show_more(self, result: Any) -> None:
        table: sd.Table = result
        ctx = self.aifinops.ctx
        self.query_one("#models", ResultTable).show(table, MODEL_COLUMNS, key="model")
        total = sum(table.column("cost_usd")) if table.rows else 0.0
        idle = (sum(v or 0 for v in table.column("idle_cost_usd"))
                if "idle_cost_usd" in table.columns else 0)
        notes = [f"{len(table)} models · {fmt.money(total)} · idle GPU cost {fmt.money(idle)}"]
        filters = self.aifinops.filters
        if ctx is not None and not ctx.gpu_hours:
            notes.append("no GPU telemetry yet: `aifinops ingest nvidia-smi` fills the GPU columns")
        elif ctx is not None and filters is not None and ctx.has("model_cost") and filters.narrowed:
            notes.append("shared GPU hosts unsplit: the split by process needs no provider, "
                         "account or team filter")
        else:
            notes.append("util: GPU activity · idle: GPU-hours under the idle line")
        self.query_one("#summary", Static).update("   ".join(notes))
        self.query_one("#models", ResultTable).focus()

    @on(DataTable.RowSelected, "#models")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(ModelDetailScreen(str(event.row_key.value).split("#")[0]))

    def action_open(self) -> None:
        self.query_one("#models", ResultTable).action_select_cursor()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.query_one("#models", ResultTable).row_count > 0 or None
        return True


def strips_from(gpu_hours: sd.Table, filters: sd.Filters, bin_hours: int = 1,
                cost_hours: sd.Table | None = None) -> StripData | None:
    """Chart rows, one per GPU (`host GPU n`) or per host, on the filter range's hour axis."""
    if not gpu_hours.rows:
        return None
    start = datetime.combine(filters.start, time(), tzinfo=UTC)
    end = datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=UTC)
    samples = [(f"{r['host']} GPU{r['gpu_index']}" if r["gpu_index"] is not None else r["host"],
                r["hour"], r["activity_mean_pct"]) for r in gpu_hours.records()]
    cost = None
    if cost_hours is not None:
        cost = list(zip(cost_hours.column("hour"), cost_hours.column("cost_usd"), strict=True))
    return StripData.build(start, end, samples, cost, bin_hours=bin_hours)


class ModelDetailScreen(DataScreen):
    """One model: daily cost, the resources it runs on, its GPUs hour by hour."""

    SCOPE = "model"
    TITLE = "Models"
    HAS_MORE = True
    BINDINGS = bindings("detail", "model")

    def __init__(self, model: str) -> None:
        super().__init__()
        self.model = model

    def subtitle(self) -> str:
        return self.model

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            with Horizontal(id="model-head"):
                yield BarChart(id="model-chart")
                yield Static(id="model-facts", classes="facts")
            yield Static("Resources  (enter: open)", classes="section")
            yield ResultTable(id="model-resources")
            yield Static("GPU activity, hour by hour", classes="section", id="strips-title")
            yield UtilStrips(id="model-strips")

    def fetch(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters) -> Any:
        return sd.model_detail_costs(cur, ctx, filters, self.model)

    def fetch_more(self, cur: duckdb.DuckDBPyConnection, ctx: sd.Context, filters: sd.Filters,
                   first: Any) -> Any:
        return sd.model_detail(cur, ctx, filters, self.model)

    def show_more(self, result: Any) -> None:
        self.show(result)

    def show(self, result: Any) -> None:
        detail: sd.ModelDetail = result
        filters = self.aifinops.filters
        assert filters is not None
        self.query_one("#model-chart", BarChart).show(
            list(zip(detail.daily.column("day"), detail.daily.column("cost_usd"), strict=True)))
        facts = detail.facts
        lines = [
            f"[b]{self.model}[/b]",
            f"cost in range   {fmt.money(facts['cost_usd'])}",
            f"per day         {fmt.money(facts['cost_usd'] / max(filters.days, 1))}",
            f"resources       {facts['resources']}",
            f"teams           {', '.join(facts['teams']) or fmt.DASH}",
        ]
        if facts.get("requests"):
            per_1k = facts["cost_usd"] / (facts["requests"] / 1000.0)
            lines.append(f"requests        {fmt.number(facts['requests'])}")
            lines.append(f"per 1k requests {fmt.money(per_1k)}")
        self.query_one("#model-facts", Static).update("\n".join(lines))
        shared = "share_pct" in detail.resources.columns and any(
            (v or 100) < 100 for v in detail.resources.column("share_pct"))
        self.query_one("#model-resources", ResultTable).show(
            detail.resources,
            ["resource_name", "service", "instance_type", "cost_usd"]
            + (["share_pct"] if shared else [])
            + ["util_mean_pct", "idle_gpu_hours", "idle_cost_usd"],
            key="resource_id", fill="service", labels={"share_pct": "Model's share"})
        self.query_one("#model-strips", UtilStrips).show(
            strips_from(detail.gpu_hours, filters, int(facts.get("bin_hours", 1))),
            "…" if facts.get("partial") else "no GPU telemetry for this range")
        hosts = int(facts.get("gpu_hosts", 0))
        title = "GPU activity, hour by hour" + ("  (reading GPU hours…)" if facts.get("partial")
                                                else "")
        if hosts > sd.PER_GPU_UP_TO_HOSTS:
            title += "  (one line per host: the mean of its GPUs"
            title += (f"; the {sd.MAX_STRIP_HOSTS} costliest of {hosts} hosts)"
                      if hosts > sd.MAX_STRIP_HOSTS else ")")
        self.query_one("#strips-title", Static).update(title)
        self.query_one("#model-resources", ResultTable).focus()

    @on(DataTable.RowSelected, "#model-resources")
    def _open(self, event: DataTable.RowSelected) -> None:
        from aifinops.tui.screens.idle import ResourceDetailScreen

        if event.row_key.value:
            self.app.push_screen(ResourceDetailScreen(str(event.row_key.value).split("#")[0]))

    def action_open(self) -> None:
        self.query_one("#model-resources", ResultTable).action_select_cursor()
