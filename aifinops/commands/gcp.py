"""`ingest gcp-billing`: the GCP Cloud Billing export, from BigQuery tables or exported files."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click
from rich.table import Table

from aifinops.commands.aws import print_report
from aifinops.commands.base import (
    CliState,
    after_ingest,
    friendly_errors,
    ingest,
    load_progress,
    refresh_option,
    state,
)
from aifinops.ingest.focus import Coercion, Failure
from aifinops.ingest.gcp_billing import GcpBatch, ingest_gcp_sources
from aifinops.store import open_store


@ingest.command("gcp-billing")
@click.argument("paths", nargs=-1)
@click.option("--table", "tables", multiple=True, metavar="PROJECT.DATASET.TABLE",
              help="A BigQuery billing export table (standard or detailed); repeatable.")
@click.option("--project", help="Project that runs (and pays for) the query jobs "
                                "(default: the table's project).")
@click.option("--location", help="BigQuery location of the dataset, e.g. US or EU "
                                 "(default: the table's).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m"]),
              help="Load invoice months from this date's month on (default: the current and the "
                   "previous month, or [gcp] lookback_months).")
@click.option("--lookback-months", type=click.IntRange(min=0),
              help="How many invoice months before the current one to check for late rows.")
@click.option("--pushdown", is_flag=True,
              help="Sum rows per day and resource inside BigQuery and load only those.")
@click.option("--force", is_flag=True, help="Reload months even if their export did not change.")
@click.option("--api-endpoint", help="BigQuery API root (an emulator or a test server).")
@click.option("--anonymous", is_flag=True,
              help="Send no credentials (emulators and tests only).")
@refresh_option
@click.pass_context
@friendly_errors
def gcp_billing(ctx: click.Context, paths: tuple[str, ...], tables: tuple[str, ...],
                project: str | None, location: str | None, since: datetime | None,
                lookback_months: int | None, pushdown: bool, force: bool,
                api_endpoint: str | None, anonymous: bool) -> None:
    """Load GCP billing: BigQuery export tables (--table) and/or exported files (PATHS).

    PATHS are files or folders of the export as BigQuery writes it (newline-delimited JSON or
    parquet, nested) or a flattened CSV. Each (billing account, invoice month) replaces its
    previous copy. A table or path that fails is reported and the others still load.
    """
    if not paths and not tables:
        raise click.UsageError("give --table PROJECT.DATASET.TABLE and/or export files or folders")
    st = state(ctx)
    settings = st.settings()
    since_date = since.date() if since is not None else None
    options: dict[str, Any] = {"project": project, "location": location, "since": since_date,
               "lookback_months": lookback_months, "pushdown": pushdown,
               "api_endpoint": api_endpoint, "anonymous": anonymous}
    with open_store(settings) as store:
        with load_progress(st, store) as step:
            batch = ingest_gcp_sources(store, settings=settings, tables=tables, paths=paths,
                                       force=force, progress=step, **options)
        after_ingest(st, store, settings)
    print_batch(st, batch)
    if batch.all_failures:
        sys.exit(1)


def print_batch(st: CliState, batch: GcpBatch) -> None:
    for report in batch.reports:
        print_report(st, report)
        for note in report.notes:
            st.say(f"  {note}")
        print_coercions(st, report.coercions)
    print_failures(st, batch.all_failures)


def print_coercions(st: CliState, coercions: list[Coercion]) -> None:
    if not coercions:
        return
    table = Table("column", "rows", "read leniently", "example", title="coerced on the way in")
    for c in coercions:
        table.add_row(c.column, f"{c.rows:,}", c.what, "" if c.example is None else repr(c.example))
    if st.quiet:
        for c in coercions:
            click.echo(f"  coerced {c.describe()}")
    else:
        st.console.print(table)


def print_failures(st: CliState, failures: list[Failure]) -> None:
    """Always shown, even with --quiet: what did not load and why (the rest did)."""
    for failure in failures:
        click.echo(f"error: {failure.reason}", err=True)
    if failures:
        click.echo(f"{len(failures)} source(s) failed; everything else was loaded", err=True)
