"""`aifinops demo`: build the demo world's database and show what it holds."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from aifinops.commands.aws import print_report
from aifinops.commands.base import CliState, cli, friendly_errors, state
from aifinops.commands.tui import open_app, wants_app
from aifinops.config import load_settings
from aifinops.demo.build import DEMO_DB_NAME, build_demo, sample_data_root
from aifinops.sqlfiles import read_sql
from aifinops.store import open_store


@cli.command()
@click.option("--db", "demo_db", type=click.Path(dir_okay=False), default=None,
              help=f"Where to build the demo database (default: ./{DEMO_DB_NAME}; --db before "
                   "the command works too). The file is recreated.")
@click.pass_context
@friendly_errors
def demo(ctx: click.Context, demo_db: str | None) -> None:
    """Build a fresh database from the bundled sample data and summarise it."""
    st = state(ctx)
    path = Path(demo_db or st.db or DEMO_DB_NAME)
    settings = load_settings(db=path, config=st.config or sample_data_root() / "aifinops.toml")
    build = build_demo(settings)
    for report in build.reports:
        print_report(st, report)
    summarise(st, path)
    st.console.print(f"\ndemo database: {path}\ntry: aifinops --db {path} query "
                     "\"select model, round(sum(cost), 2) as cost, round(sum(idle_cost), 2) as idle "
                     "from model_cost group by all order by cost desc\"\n"
                     f"     aifinops --db {path} recs\n"
                     f"     aifinops --db {path} report --format html,md --out reports/\n"
                     f"     aifinops --db {path}   (the app)")
    if wants_app() and not st.quiet:
        open_app(settings)


def summarise(st: CliState, path: Path) -> None:
    with open_store(load_settings(db=path), read_only=True) as store:
        cur = store.cursor()
        for dim in ("service", "model", "team"):
            rows = cur.execute(read_sql("status/spend_by.sql"), {"dim": dim}).fetchall()
            periods = sorted({r[0] for r in rows})
            names = sorted({r[1] for r in rows},
                           key=lambda n: -sum(r[2] for r in rows if r[1] == n))
            table = Table(dim, *periods, title=f"effective cost by {dim} (USD)")
            cells = {(r[1], r[0]): r[2] for r in rows}
            for name in names[:10]:
                table.add_row(name, *(f"{cells.get((name, p), 0):,.2f}" for p in periods))
            st.console.print(table)
        titles = {"idle": "idle GPUs, last 7 days (idle cost per month, USD)",
                  "recs": "top recommendations (saving per month, USD)"}
        for kind, title in titles.items():
            table = Table("what", "detail", "USD/month", title=title)
            for _, what, detail, usd in cur.execute(read_sql("status/top_findings.sql"),
                                                    {"kind": kind}).fetchall():
                table.add_row(what, detail, f"{usd:,.2f}")
            st.console.print(table)
