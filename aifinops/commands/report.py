"""`aifinops report`: the period's spend, waste, budgets and recommendations as files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from aifinops.commands.base import CliState, cli, friendly_errors, note_if_behind, state
from aifinops.errors import StoreLockedError
from aifinops.reports.markdown import render_markdown
from aifinops.reports.period import PERIOD_HELP
from aifinops.reports.write import FORMATS, ReportResult, parse_formats, write_reports
from aifinops.store import open_store


def report_folder(st: CliState, out: str | None) -> Path:
    """--out, else [reports] out in aifinops.toml (relative to that file), else ./reports."""
    if out:
        return Path(out).expanduser()
    settings = st.settings()
    configured = settings.section("reports").get("out")
    if isinstance(configured, str) and configured:
        path = Path(configured).expanduser()
        if not path.is_absolute() and settings.config_path is not None:
            path = settings.config_path.parent / path
        return path
    return Path("reports")


@cli.command()
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help=f"{', '.join(FORMATS)} or all; repeat or comma-separate (default: md).")
@click.option("--out", help="Folder for the files (default: [reports] out in aifinops.toml, "
                            "else ./reports); `-` prints the Markdown report instead.")
@click.option("--period", help=f"{PERIOD_HELP} (default: the month of the latest data).")
@click.option("--no-record", is_flag=True,
              help="Do not record this report (the next one then compares with the previous).")
@click.pass_context
@friendly_errors
def report(ctx: click.Context, formats: tuple[str, ...], out: str | None, period: str | None,
           no_record: bool) -> None:
    """Write a report: spend by provider, model and team, idle GPU waste, budgets, and the
    recommendations with their savings, status and what changed since the last report."""
    st = state(ctx)
    settings = st.settings()
    if out == "-":
        from aifinops.reports.data import build_report

        if parse_formats(formats) != ["md"]:
            raise click.UsageError("--out - prints the Markdown report; give a folder for "
                                   "other formats")

        with open_store(settings, read_only=True) as store:
            sys.stdout.write(render_markdown(build_report(store.cursor(), settings,
                                                          period=period)))
            note_if_behind(store)
        return
    chosen = parse_formats(formats)
    folder = report_folder(st, out)
    try:
        store = open_store(settings, read_only=no_record)
    except StoreLockedError:  # the app or the duckdb CLI is reading: report, do not record
        store = open_store(settings, read_only=True)
        click.echo("note: the database is open in another process; this report is not "
                   "recorded, so the next one compares with the last recorded report", err=True)
    with store:
        note_if_behind(store)
        result = write_reports(store, settings, formats=chosen, out=folder, period=period,
                               record=not no_record)
    print_written(st, result)


def print_written(st: CliState, result: ReportResult) -> None:
    data = result.data
    t = data.totals
    shown = [p for p in result.paths if p.suffix != ".csv"]
    csv = sorted({p.parent for p in result.paths if p.suffix == ".csv"})
    for path in shown + csv:
        st.say(f"wrote {path}{'/' if path in csv else ''}")
    click.echo(f"{data.period.describe()}: ${t['cost']:,.2f}"
               + ("" if t["change_pct"] is None else f" ({t['change_pct']:+.1f}%)")
               + f"; idle GPU waste ${t['idle_cost']:,.2f}; {t['open_recommendations']} open "
               f"recommendation(s) worth up to ${t['open_savings_month']:,.2f}/month"
               + (f"; budgets at risk: {', '.join(t['budgets_over'])}" if t["budgets_over"]
                  else ""))
