"""`ingest focus` and `export focus`: FOCUS 1.0–1.2 files in, FOCUS 1.2 CostAndUsage out."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from aifinops.commands.aws import print_report
from aifinops.commands.base import (
    after_ingest,
    cli,
    friendly_errors,
    ingest,
    load_progress,
    refresh_option,
    state,
)
from aifinops.commands.gcp import print_coercions, print_failures
from aifinops.export.focus_check import NOT_CHECKED, check_focus_file
from aifinops.export.focus_export import export_focus
from aifinops.ingest.focus import (
    DEFAULT_ACCOUNT,
    DEFAULT_CURRENCY,
    DEFAULT_PROVIDER,
    Defaults,
    ingest_focus_paths,
)
from aifinops.store import open_store


@ingest.command("focus")
@click.argument("paths", nargs=-1, required=True)
@click.option("--provider", default=DEFAULT_PROVIDER, show_default=True,
              help="ProviderName for files that have none.")
@click.option("--account", default=DEFAULT_ACCOUNT, show_default=True,
              help="BillingAccountId for files that have none.")
@click.option("--currency", default=DEFAULT_CURRENCY, show_default=True,
              help="BillingCurrency for files that have none (and no PricingCurrency).")
@click.option("--force", is_flag=True, help="Reload paths even if their files did not change.")
@click.option("--profile", help="AWS profile for s3:// paths.")
@click.option("--region", help="AWS region of the bucket.")
@click.option("--endpoint-url", help="S3-compatible endpoint for s3:// paths.")
@refresh_option
@click.pass_context
@friendly_errors
def focus_in(ctx: click.Context, paths: tuple[str, ...], provider: str, account: str,
             currency: str, force: bool, profile: str | None, region: str | None,
             endpoint_url: str | None) -> None:
    """Load FOCUS 1.0, 1.1 or 1.2 exports (CSV or parquet; files, folders or s3:// prefixes).

    Each PATH loads as one unit: every (provider:billing account, month) in its files replaces
    that month's previous copy. What had to be read leniently is listed per column. A PATH that
    fails is reported and the others still load.
    """
    st = state(ctx)
    settings = st.settings()
    defaults = Defaults(provider=provider, account=account, currency=currency)
    with open_store(settings) as store:
        with load_progress(st, store) as step:
            batch = ingest_focus_paths(store, paths, settings=settings, defaults=defaults,
                                       force=force, progress=step, profile=profile,
                                       region=region, endpoint_url=endpoint_url)
        after_ingest(st, store, settings)
    for report in batch.reports:
        print_report(st, report)
        for note in report.notes:
            st.say(f"  {note}")
        print_coercions(st, report.coercions)
    print_failures(st, batch.failures)
    if batch.failures:
        sys.exit(1)


@cli.group("export")
def export_group() -> None:
    """Write the database's data as files for other tools."""


@export_group.command("focus")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .parquet or .csv.")
@click.option("--period", metavar="YYYY-MM", help="One billing month (default: all).")
@click.option("--check/--no-check", default=True, show_default=True,
              help="Check the written file against the FOCUS 1.2 rules aifinops can express.")
@click.pass_context
@friendly_errors
def focus_out(ctx: click.Context, out: Path, period: str | None, check: bool) -> None:
    """Export FOCUS 1.2 CostAndUsage (the 57 FOCUS columns; datetimes in UTC)."""
    st = state(ctx)
    with open_store(st.settings(), read_only=True) as store:
        result = export_focus(store, out, period=period)
    st.say(f"wrote {result.rows:,} rows of FOCUS 1.2 CostAndUsage to {result.path} "
           f"({result.format}, {result.seconds:.2f}s)")
    if not check:
        return
    report = check_focus_file(result.path)
    failed = report.failed
    mandatory = [r for r in failed if r.level == "M"]
    if st.quiet:
        if failed:
            for r in failed:
                click.echo(f"  rule {r.rule} ({r.level}): {r.violations:,} row(s)")
    else:
        st.console.print(f"checked {len(report.results)} FOCUS 1.2 rules: "
                         f"{len(report.results) - len(failed)} passed, {len(failed)} failed "
                         f"({len(mandatory)} mandatory)")
        if failed:
            table = Table("rule", "level", "rows", "example", "what it asks")
            for r in failed:
                table.add_row(r.rule, r.level, f"{r.violations:,}", r.example or "", r.description)
            st.console.print(table)
        st.console.print("not checked: " + "; ".join(NOT_CHECKED))
    if mandatory:
        sys.exit(2)
