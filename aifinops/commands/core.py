"""`init`, `status` and `query`: create the database, see what it holds, ask it anything."""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table

from aifinops.commands.base import after_ingest, cli, friendly_errors, note_if_behind, state
from aifinops.query import QueryResult, run_query, to_csv, to_json
from aifinops.status import cost_sources, last_runs, rollups_behind
from aifinops.store import open_store


@cli.command()
@click.pass_context
@friendly_errors
def init(ctx: click.Context) -> None:
    """Create the database (or upgrade its schema and rebuild its rollups) and say where it is."""
    st = state(ctx)
    settings = st.settings()
    with open_store(settings) as store:
        versions = store.conn.execute(
            "select count(*), max(version) from schema_migrations").fetchone()
        loads = store.conn.execute("select count(*) from loads").fetchone()
        if store.migrated and loads and loads[0]:
            # An upgraded database with data: new rollups are empty until a refresh fills them.
            st.say(f"upgraded: {', '.join(store.migrated)}")
            after_ingest(st, store, settings)
    assert versions is not None
    st.say(f"database {settings.db_path} ready (schema version {versions[1]}, "
           f"{versions[0]} migrations applied)")
    if settings.config_path:
        st.say(f"config {settings.config_path}")


@cli.command()
@click.pass_context
@friendly_errors
def status(ctx: click.Context) -> None:
    """Sources, billing periods, rows and totals, and when each was last loaded."""
    st = state(ctx)
    settings = st.settings()
    with open_store(settings, read_only=True) as store:
        periods = cost_sources(store)
        runs = last_runs(store)
        behind = rollups_behind(store.cursor())
    st.console.print(f"database: {settings.db_path}")
    for what, at, detail in runs:
        when = f"{at:%Y-%m-%d %H:%M} UTC" if at else "running"
        st.console.print(f"last {what}: {when}, {escape(detail)}")
    if not periods:
        st.console.print("no cost data yet: run `aifinops ingest aws-cur PATH_OR_S3_URI` "
                         "or `aifinops demo`")
        return
    table = Table("source", "account", "period", "rows", "billed", "effective", "loaded at",
                  title="cost data")
    for p in periods:
        table.add_row(p.source, p.account, p.period, f"{p.rows:,}",
                      f"{p.billed_cost:,.2f} {p.currency}", f"{p.effective_cost:,.2f} {p.currency}",
                      p.loaded_at.strftime("%Y-%m-%d %H:%M UTC") if p.loaded_at else "")
    st.console.print(table)
    if behind:
        st.console.print(f"rollups: {behind}")


def _print_table(result: QueryResult, st_console: object) -> None:
    from rich.console import Console

    assert isinstance(st_console, Console)
    table = Table(*result.columns)
    for row in result.rows:
        table.add_row(*("" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v))
                        for v in row))
    st_console.print(table)
    st_console.print(f"{len(result.rows)} row(s)")


@cli.command()
@click.argument("sql")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--limit", type=int, default=None, help="Fetch at most this many rows.")
@click.pass_context
@friendly_errors
def query(ctx: click.Context, sql: str, fmt: str, limit: int | None) -> None:
    """Run read-only SQL over the database (tables, and the views in sql/views)."""
    st = state(ctx)
    with open_store(st.settings(), read_only=True) as store:
        result = run_query(store, sql, limit=limit)
        note_if_behind(store)
    if fmt == "csv":
        sys.stdout.write(to_csv(result))
    elif fmt == "json":
        sys.stdout.write(to_json(result) + "\n")
    else:
        _print_table(result, st.console)


@cli.command("refresh")
@click.option("--full", is_flag=True, help="Rebuild every period's rollups, not only changed ones.")
@click.pass_context
@friendly_errors
def refresh_cmd(ctx: click.Context, full: bool) -> None:
    """Bring rollups and attribution up to date (ingest does this itself; use after config edits)."""
    st = state(ctx)
    settings = st.settings()
    with open_store(settings) as store:
        after_ingest(st, store, settings, full=full)
