"""What the app's screens ask the database, as plain functions over one DuckDB cursor.

This module imports no Textual and no Rich (a test checks it in a subprocess), so the queries the
TUI runs are the queries a report or a script can run: the app is a thin front end over them.
The SQL lives in `sql/tui/`, one file a question. Every file reads the global filters from
DuckDB variables (`tui_start`, `tui_end`, `tui_provider`, `tui_account`, `tui_team`) through the
temp views `tui_scope` and `tui_cost`, so a filter means the same thing on every screen, and any
file runs in the DuckDB CLI after a few `SET VARIABLE`s.

Each function takes a cursor of its own (`store.cursor()`), because one DuckDB connection is not
thread-safe and the app runs every function in a worker thread.

Views that other parts of aifinops add over time (`model_cost`, `idle_resources`,
`resource_hourly`, the recommendation tables) are found by name when the database is opened
(`Context.relations`); a screen whose source is missing says what would fill it instead of failing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb

from aifinops.analysis.recommend import open_savings as savings_of
from aifinops.sqlfiles import read_sql
from aifinops.status import rollups_behind

# Statuses in the order a person works through them; ACTIONABLE is what the screen lists first.
REC_STATUSES = ("open", "accepted", "failed", "applied", "snoozed", "dismissed", "resolved")
REC_ACTIONABLE = ("open", "accepted", "failed")
DEFAULT_RANGE_DAYS = 30
SQL_CONSOLE_ROW_LIMIT = 1000

_VAR_NAME = re.compile(r"^tui_[a-z_]+$")
# Variables that hold lists: NULL must still be typed VARCHAR[] so `list_contains` binds.
_LIST_VARS = frozenset({"tui_resources", "tui_rec_statuses"})
_DATE_VARS = frozenset({"tui_start", "tui_end", "tui_as_of"})
_TYPED_NULLS = {"tui_per_gpu": "BOOLEAN", "tui_bin_hours": "BIGINT"}


# ---- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The app's global filters. `None` means "all"; dates are inclusive UTC days."""

    start: date
    end: date
    provider: str | None = None
    account: str | None = None
    team: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def narrowed(self) -> bool:
        """True when provider, account or team is set (the date range always is)."""
        return any((self.provider, self.account, self.team))

    def variables(self) -> dict[str, Any]:
        return {"tui_start": self.start, "tui_end": self.end, "tui_provider": self.provider,
                "tui_account": self.account, "tui_team": self.team}

    def with_range(self, start: date, end: date) -> Filters:
        if end < start:
            start, end = end, start
        return replace(self, start=start, end=end)

    def describe(self, account_names: dict[str, str] | None = None) -> str:
        """One line for the top bar: `2026-10-30 → 2026-11-28 (30 d) · team research`."""
        account = self.account
        if account and account_names and account_names.get(account):
            account = f"{account_names[account]} ({account})"
        parts = [f"{self.start:%Y-%m-%d} → {self.end:%Y-%m-%d} ({self.days} d)"]
        parts += [f"{name} {value}" for name, value in (
            ("provider", self.provider), ("account", account), ("team", self.team)) if value]
        if len(parts) == 1:
            parts.append("all providers, accounts, teams")
        return " · ".join(parts)


def range_presets(as_of: date) -> list[tuple[str, date, date]]:
    """Date ranges people ask for, ending at the last day with data (not the wall clock)."""
    month_start = as_of.replace(day=1)
    prior_end = month_start - timedelta(days=1)
    return [
        ("last 7 days", as_of - timedelta(days=6), as_of),
        ("last 30 days", as_of - timedelta(days=DEFAULT_RANGE_DAYS - 1), as_of),
        ("month to date", month_start, as_of),
        ("last month", prior_end.replace(day=1), prior_end),
        ("last 90 days", as_of - timedelta(days=89), as_of),
    ]


# ---- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A query result: column names (with units in them, e.g. `cost_usd`) and rows."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


EMPTY = Table((), [])


@dataclass(frozen=True)
class FilterOptions:
    providers: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str | None]] = field(default_factory=list)  # (id, name)
    teams: list[str] = field(default_factory=list)

    @property
    def account_names(self) -> dict[str, str]:
        return {a: n for a, n in self.accounts if n}


@dataclass(frozen=True)
class Context:
    """What the app learns once when it opens a database, before any screen draws."""

    db_path: Path
    relations: frozenset[str]
    as_of: date | None
    first_day: date | None
    options: FilterOptions
    gpu_hours: int = 0          # rows in gpu_hourly: 0 means no GPU telemetry yet
    recommendations: int = 0    # rows in recommendations: 0 means the engine has not run
    models: tuple[str, ...] = ()  # every model with cost, biggest first (the command palette)
    host_links: str = "gpu_host_resources"  # the host → resource map: refresh's table or the view
    behind: str | None = None   # loads made with --no-refresh that the views do not show yet

    @property
    def has_costs(self) -> bool:
        return self.as_of is not None

    def has(self, *names: str) -> bool:
        return all(n in self.relations for n in names)


@dataclass(frozen=True)
class Overview:
    as_of: date
    month: str
    days_left: int
    month_to_date_usd: float
    prior_same_days_usd: float | None
    prior_month_usd: float | None
    run_rate_per_day_usd: float
    forecast_usd: float
    idle_cost_7d_usd: float | None      # None: no GPU telemetry to judge idleness
    idle_window: tuple[date, date]
    open_savings_usd: float | None      # None: no recommendations yet
    open_recommendations: int
    daily: Table                        # day, cost_usd over the filter range
    top_models: Table
    top_recommendations: Table

    @property
    def change_pct(self) -> float | None:
        """Month to date against the same days of last month."""
        if not self.prior_same_days_usd:
            return None
        return 100.0 * (self.month_to_date_usd / self.prior_same_days_usd - 1.0)


@dataclass(frozen=True)
class ModelDetail:
    model: str
    facts: dict[str, Any]
    daily: Table
    resources: Table
    gpu_hours: Table        # resource_id, host, gpu_uuid, gpu_index, hour, activity_mean_pct, …


@dataclass(frozen=True)
class ResourceDetail:
    resource_id: str
    facts: dict[str, Any]
    daily: Table
    cost_hours: Table       # hour, cost_usd
    gpu_hours: Table
    processes: Table
    recommendations: Table


@dataclass(frozen=True)
class RecommendationDetail:
    id: str
    row: dict[str, Any]     # every column of the recommendations table
    evidence: dict[str, Any]
    action_params: dict[str, Any]
    history: Table


# ---- running the SQL -----------------------------------------------------------------------


def set_variables(cur: duckdb.DuckDBPyConnection, values: dict[str, Any]) -> None:
    """`SET VARIABLE` each value with its SQL type, so `getvariable()` compares like with like."""
    for name, value in values.items():
        if not _VAR_NAME.match(name):
            raise ValueError(f"not a tui variable name: {name!r}")
        if value is None and name in _LIST_VARS:
            sql_type = "VARCHAR[]"
        elif value is None and name in _DATE_VARS:
            sql_type = "DATE"
        elif value is None and name in _TYPED_NULLS:
            sql_type = _TYPED_NULLS[name]
        elif isinstance(value, bool):
            sql_type = "BOOLEAN"
        elif isinstance(value, datetime):
            sql_type = "TIMESTAMPTZ"
        elif isinstance(value, date):
            sql_type = "DATE"
        elif isinstance(value, list | tuple):
            sql_type = "VARCHAR[]"
            value = list(value)
        elif isinstance(value, int):
            sql_type = "BIGINT"
        elif isinstance(value, float):
            sql_type = "DOUBLE"
        else:
            sql_type = "VARCHAR"
        cur.execute(f"SET VARIABLE {name} = CAST(? AS {sql_type})", [value])


def fetch(cur: duckdb.DuckDBPyConnection, name: str,
          flags: dict[str, bool] | None = None) -> Table:
    """Run `sql/tui/<name>.sql` (with its `--@flag ` lines enabled per `flags`), return the result."""
    relation = cur.execute(with_flags(read_sql(f"tui/{name}.sql"), flags or {}))
    columns = tuple(d[0] for d in relation.description or ())
    return Table(columns, [tuple(r) for r in relation.fetchall()])


def prepare(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters, *views: str,
            **extra: Any) -> None:
    """Set the filter variables (and any `tui_<extra>`), then (re)create the temp views named.

    Every query function calls this first with the views it reads; unset extras are NULL so a
    file that tests `getvariable('tui_model') IS NULL` sees "all".
    """
    values = filters.variables()
    for key in ("model", "resource", "resources", "rec_rule", "rec_statuses", "rec_id", "as_of",
                "per_gpu", "bin_hours"):
        values.setdefault(f"tui_{key}", None)
    values.update({f"tui_{k}": v for k, v in extra.items()})
    set_variables(cur, values)
    cur.execute(read_sql("tui/scope.sql"))
    if ctx.host_links in ctx.relations:
        cur.execute(read_sql("tui/host_links.sql").replace("{source}", ctx.host_links))
    flags = {"wanted": values.get("tui_resources") is not None, "narrowed": filters.narrowed}
    for view in views:
        cur.execute(with_flags(read_sql(f"tui/{view}.sql"), flags))


def with_flags(sql: str, flags: dict[str, bool]) -> str:
    """Enable the `--@flag ` lines of a file whose flag is set (they are comments otherwise),
    so an optional restriction is either in the SQL or not there at all."""
    for flag, on in flags.items():
        if on:
            sql = sql.replace(f"--@{flag} ", "")
    return sql


def relations(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    rows = cur.execute("select table_name from information_schema.tables "
                       "where table_schema = 'main'").fetchall()
    return frozenset(r[0] for r in rows)


def _count(cur: duckdb.DuckDBPyConnection, table: str, present: frozenset[str]) -> int:
    if table not in present:
        return 0
    row = cur.execute(f"select count(*) from (select 1 from {table} limit 1000)").fetchone()
    return int(row[0]) if row else 0


# ---- what the app asks ---------------------------------------------------------------------


def load_context(cur: duckdb.DuckDBPyConnection, db_path: Path) -> Context:
    """Freshness, filter choices and which sources exist: read once when the database opens."""
    present = relations(cur)
    as_of = first_day = None
    options = FilterOptions()
    models: tuple[str, ...] = ()
    if "cost_daily_rollup" in present:
        row = fetch(cur, "as_of").rows[0]
        as_of, first_day = row[0], row[1]
        if first_day is not None and as_of is None:
            as_of = cur.execute("select max(day) from cost_daily_rollup").fetchone()[0]  # type: ignore[index]
    if as_of is not None and {"cost_daily", "team_cost"} <= present:
        table = fetch(cur, "filter_options")
        providers = [r[1] for r in table.rows if r[0] == "provider"]
        accounts = [(r[1], r[2]) for r in table.rows if r[0] == "account"]
        teams = [r[1] for r in table.rows if r[0] == "team"]
        options = FilterOptions(providers, accounts, teams)
        models = tuple(r[0] for r in cur.execute(
            "select model from cost_daily group by model order by sum(cost) desc, model"
        ).fetchall())
    host_links = "gpu_host_resources"
    if "gpu_host_links" in present and _count(cur, "gpu_host_links", present):
        host_links = "gpu_host_links"
    return Context(
        db_path=db_path, relations=present, as_of=as_of, first_day=first_day, options=options,
        host_links=host_links,
        gpu_hours=_count(cur, "gpu_hourly", present),
        recommendations=_count(cur, "recommendations", present), models=models,
        behind=rollups_behind(cur) if {"rollup_state", "gpu_loads"} <= present else None,
    )


def default_filters(ctx: Context, today: date) -> Filters:
    """The last 30 days up to the last day with data (or to today on an empty database)."""
    end = ctx.as_of or today
    return Filters(start=end - timedelta(days=DEFAULT_RANGE_DAYS - 1), end=end)


def overview(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters) -> Overview:
    """Headline numbers for the month of the last day with data, the daily chart, the tops —
    everything one pass over cost_daily answers. `overview_more` adds what needs GPU rollups."""
    assert ctx.as_of is not None, "overview needs cost data; the app shows its welcome instead"
    prepare(cur, ctx, filters, "overview_days", as_of=ctx.as_of)
    kpis = fetch(cur, "overview_kpis").records()[0]
    daily = fetch(cur, "overview_daily")
    top = fetch(cur, "top_models")
    recs = EMPTY
    open_savings: float | None = None
    open_count = 0
    if ctx.has("recommendations") and ctx.recommendations:
        recs = recommendations(cur, ctx, filters, statuses=REC_ACTIONABLE)
        open_savings = savings_of(recs.records())
        open_count = sum(1 for status in recs.column("status") if status == "open")
    return Overview(
        as_of=kpis["as_of"], month=kpis["month"], days_left=int(kpis["days_left"]),
        month_to_date_usd=float(kpis["month_to_date_usd"]),
        prior_same_days_usd=kpis["prior_same_days_usd"], prior_month_usd=kpis["prior_month_usd"],
        run_rate_per_day_usd=float(kpis["run_rate_per_day_usd"]),
        forecast_usd=float(kpis["forecast_usd"]),
        idle_cost_7d_usd=None, idle_window=(ctx.as_of - timedelta(days=6), ctx.as_of),
        open_savings_usd=open_savings, open_recommendations=open_count,
        daily=daily, top_models=top, top_recommendations=Table(recs.columns, recs.rows[:6]),
    )


@dataclass(frozen=True)
class OverviewMore:
    """The overview's slower half: idle GPU cost of the last 7 days (None: no telemetry), and
    the top models from model_cost when it answers for these filters (None: keep the first)."""

    idle_cost_7d_usd: float | None
    top_models: Table | None


def overview_more(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters) -> OverviewMore:
    assert ctx.as_of is not None
    idle_cost: float | None = None
    if ctx.gpu_hours and _gpu_ready(ctx):
        week = filters.with_range(ctx.as_of - timedelta(days=6), ctx.as_of)
        idle = idle_resources(cur, ctx, week)
        idle_cost = float(sum(idle.column("idle_cost_usd"))) if idle.rows else 0.0
    top: Table | None = None
    if uses_model_cost(ctx, filters):
        prepare(cur, ctx, filters, as_of=ctx.as_of)
        top = fetch(cur, "top_models_from_model_cost")
    return OverviewMore(idle_cost, top)


def model_costs(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters) -> Table:
    """Models by cost alone (one pass over cost_daily): what the Models screen draws first."""
    prepare(cur, ctx, filters, "overview_days", as_of=filters.end)
    return fetch(cur, "top_models")


def _gpu_ready(ctx: Context) -> bool:
    return ctx.has("gpu_hourly", ctx.host_links, "resource_hourly_rollup", "resource_daily_rollup")


MAX_STRIP_HOSTS = 24       # a model on more hosts draws its 24 biggest
PER_GPU_UP_TO_HOSTS = 4    # up to this many hosts, one line per GPU; beyond, one per host
STRIP_CELLS = 120          # buckets across the range, so a long range stays a small result


def bin_hours(filters: Filters) -> int:
    """Hours per chart bucket: 1 up to five days, then as many as keep ~120 buckets."""
    return max(1, -(-filters.days * 24 // STRIP_CELLS))


def uses_model_cost(ctx: Context, filters: Filters) -> bool:
    """model_cost (issue 4's per-model truth: shared GPU hosts split by process) answers when it
    exists and no provider, account or team filter asks for columns it does not have."""
    return ctx.has("model_cost") and not filters.narrowed


def models(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters) -> Table:
    """Per model: cost, GPU-hours, utilisation, idle GPU-hours and cost, unit costs."""
    if uses_model_cost(ctx, filters):
        prepare(cur, ctx, filters)
        return fetch(cur, "models_from_model_cost")
    if _gpu_ready(ctx):
        prepare(cur, ctx, filters, "resource_owner", "resource_hours")
        return fetch(cur, "models")
    return model_costs(cur, ctx, filters)


def model_detail_costs(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters,
                       model: str) -> ModelDetail:
    """The cheap half of a model's page: its daily cost and its resources as cost_daily
    attributes them (no process split, no GPU columns); `model_detail` is the whole page."""
    prepare(cur, ctx, filters, "model_costs", model=model)
    daily = fetch(cur, "daily_cost")
    resources = Table(("resource_id", "resource_name", "service", "instance_type", "cost_usd"),
                      cur.execute(
        "select resource_id, coalesce(resource_name, resource_id, '(no resource: fees, tax, "
        "credits)'), service, instance_type, cost_usd from tui_model_costs "
        "where cost_usd <> 0 order by cost_usd desc, resource_id").fetchall())
    teams = [r[0] for r in cur.execute(
        "select team, sum(cost) from tui_cost where model = ? group by team order by 2 desc",
        [model]).fetchall()]
    facts: dict[str, Any] = {"cost_usd": float(sum(daily.column("cost_usd"))),
                             "resources": len(resources), "teams": teams, "partial": True}
    return ModelDetail(model, facts, daily, resources, EMPTY)


def model_detail(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters,
                 model: str) -> ModelDetail:
    """A model's daily cost, the resources it runs on (with its share of shared GPU hosts) and
    their GPUs hour by hour. The expensive joins are restricted to the model's resources."""
    prepare(cur, ctx, filters, "model_costs", model=model)
    if ctx.has("resource_model_share") and not filters.narrowed:
        cur.execute(read_sql("tui/model_shared_resources.sql"))
    ids = [r[0] for r in cur.execute(
        "select distinct resource_id from tui_model_costs where resource_id is not null").fetchall()]
    daily = fetch(cur, "model_daily_from_model_cost" if uses_model_cost(ctx, filters)
                  else "daily_cost")
    if _gpu_ready(ctx):
        set_variables(cur, {"tui_resources": ids})
        resources = fetch(cur, "model_resources", {"narrowed": filters.narrowed})
        hosted = [r["resource_id"] for r in resources.records() if r.get("host")]
        set_variables(cur, {"tui_resources": hosted[:MAX_STRIP_HOSTS],
                            "tui_per_gpu": len(hosted) <= PER_GPU_UP_TO_HOSTS,
                            "tui_bin_hours": bin_hours(filters)})
        gpu = fetch(cur, "gpu_hours") if hosted else EMPTY
    else:
        resources = Table(("resource_id", "resource_name", "cost_usd"), cur.execute(
            "select resource_id, coalesce(resource_name, resource_id), cost_usd "
            "from tui_model_costs order by cost_usd desc").fetchall())
        gpu = EMPTY
    facts: dict[str, Any] = {
        "cost_usd": float(sum(daily.column("cost_usd"))),
        "resources": len(ids),
        "gpu_hosts": len([r for r in resources.records() if r.get("host")]),
        "bin_hours": bin_hours(filters),
    }
    team_rows = cur.execute(
        "select team, sum(cost) from tui_cost where model = ? group by team order by 2 desc",
        [model]).fetchall()
    facts["teams"] = [r[0] for r in team_rows]
    if "model_traffic" in ctx.relations:
        row = cur.execute(
            "select sum(requests) from model_traffic where model = ? and hour >= ? and hour < ?",
            [model, _start_at(filters), _end_at(filters)]).fetchone()
        facts["requests"] = row[0] if row else None
    return ModelDetail(model, facts, daily, resources, gpu)


def idle_resources(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters) -> Table:
    """GPU resources by idle cost over the range (empty when there is no telemetry)."""
    if not _gpu_ready(ctx):
        return EMPTY
    prepare(cur, ctx, filters, "resource_owner")
    return fetch(cur, "idle_resources", {"narrowed": filters.narrowed})


def resource_detail(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters,
                    resource_id: str, *, gpu: bool = True) -> ResourceDetail:
    """A resource's facts, daily and hourly cost, recommendations and (with `gpu`) its GPUs
    hour by hour and the processes on them. `gpu=False` is the page's cheap first half
    (`facts["partial"]`); `resource_gpu` adds the rest."""
    prepare(cur, ctx, filters, resource=resource_id, resources=[resource_id], per_gpu=True,
            bin_hours=bin_hours(filters))
    daily = fetch(cur, "daily_cost")
    facts: dict[str, Any] = {}
    cost_hours = EMPTY
    if _gpu_ready(ctx):
        facts_table = fetch(cur, "resource_facts")
        facts = facts_table.records()[0] if facts_table.rows else {}
        cost_hours = fetch(cur, "resource_cost_hours")
    recs = EMPTY
    if ctx.has("recommendations"):
        recs = recommendations(cur, ctx, filters, statuses=None, resource_id=resource_id,
                               team=None)
    facts.setdefault("resource_id", resource_id)
    facts["bin_hours"] = bin_hours(filters)
    detail = ResourceDetail(resource_id, facts, daily, cost_hours, EMPTY, EMPTY, recs)
    if not gpu:
        facts["partial"] = True
        return detail
    return resource_gpu(cur, ctx, filters, detail)


def resource_gpu(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters,
                 detail: ResourceDetail) -> ResourceDetail:
    """The slower half of a resource's page: its GPUs hour by hour (gpu_hourly) and processes."""
    facts = {k: v for k, v in detail.facts.items() if k != "partial"}
    if not _gpu_ready(ctx):
        return replace(detail, facts=facts)
    prepare(cur, ctx, filters, resource=detail.resource_id, resources=[detail.resource_id],
            per_gpu=True, bin_hours=bin_hours(filters))
    gpu = fetch(cur, "gpu_hours")
    processes = EMPTY
    if "gpu_process_hourly" in ctx.relations:
        processes = fetch(cur, "resource_processes")
    return replace(detail, facts=facts, gpu_hours=gpu, processes=processes)


class _FromFilters:
    """Sentinel: take the value from the global filters."""


FROM_FILTERS = _FromFilters()


def recommendations(cur: duckdb.DuckDBPyConnection, ctx: Context, filters: Filters, *,
                    statuses: Sequence[str] | None = REC_ACTIONABLE, rule: str | None = None,
                    team: str | _FromFilters | None = FROM_FILTERS,
                    resource_id: str | None = None) -> Table:
    """Recommendations by saving; the team is the global filter's unless one is given."""
    if not ctx.has("recommendations"):
        return EMPTY
    scoped = filters if isinstance(team, _FromFilters) else replace(filters, team=team)
    prepare(cur, ctx, scoped, rec_statuses=list(statuses) if statuses else None,
            tui_rec_rule=rule, resource=resource_id)
    return fetch(cur, "recommendations")


def recommendation_rules(cur: duckdb.DuckDBPyConnection, ctx: Context) -> list[str]:
    """The rules (kinds) that have produced recommendations, for the screen's filter."""
    if not ctx.has("recommendations"):
        return []
    return [r[0] for r in cur.execute(
        "select distinct rule from recommendations order by rule").fetchall()]


def recommendation_detail(cur: duckdb.DuckDBPyConnection, ctx: Context,
                          rec_id: str) -> RecommendationDetail:
    relation = cur.execute("select * from recommendations where id = ?", [rec_id])
    columns = [d[0] for d in relation.description or ()]
    found = relation.fetchone()
    if found is None:
        raise LookupError(f"no recommendation {rec_id}")
    row = dict(zip(columns, found, strict=True))
    history = EMPTY
    if ctx.has("recommendation_events", "recommendation_actions"):
        set_variables(cur, {"tui_rec_id": rec_id})
        history = fetch(cur, "recommendation_events")
    return RecommendationDetail(
        id=rec_id, row=row, evidence=_json_object(row.get("evidence")),
        action_params=_json_object(row.get("action_params")), history=history)


def _json_object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    parsed = json.loads(value)
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _start_at(filters: Filters) -> datetime:
    return datetime.combine(filters.start, time(), tzinfo=UTC)


def _end_at(filters: Filters) -> datetime:
    return datetime.combine(filters.end + timedelta(days=1), time(), tzinfo=UTC)


def first_lines(text: str, limit: int = 3) -> str:
    """The first lines of an error, which is where DuckDB says what is wrong."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[:limit])


def as_rows(records: Iterable[dict[str, Any]], columns: Sequence[str]) -> Table:
    return Table(tuple(columns), [tuple(r.get(c) for c in columns) for r in records])
