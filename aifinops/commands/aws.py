"""`ingest aws-cur`: load AWS CUR 2.0 or legacy CUR from a file, folder or S3 prefix."""

from __future__ import annotations

import click

from aifinops.commands.base import (
    CliState,
    after_ingest,
    friendly_errors,
    ingest,
    load_progress,
    refresh_option,
    state,
)
from aifinops.ingest.aws_cur import IngestReport, ingest_aws_cur
from aifinops.store import open_store


@ingest.command("aws-cur")
@click.argument("uri")
@click.option("--profile", help="AWS profile for s3:// URIs (default: the standard chain).")
@click.option("--region", help="AWS region of the bucket.")
@click.option("--endpoint-url", help="S3-compatible endpoint (MinIO, Ceph, a test server).")
@click.option("--force", is_flag=True, help="Reload periods even if their files did not change.")
@refresh_option
@click.pass_context
@friendly_errors
def aws_cur(ctx: click.Context, uri: str, profile: str | None, region: str | None,
            endpoint_url: str | None, force: bool) -> None:
    """Load every billing period under URI (a file, a folder, or s3://bucket/prefix)."""
    st = state(ctx)
    settings = st.settings()
    with open_store(settings) as store:
        with load_progress(st, store) as step:
            report = ingest_aws_cur(store, uri, settings=settings, profile=profile, region=region,
                                    endpoint_url=endpoint_url, force=force, progress=step)
        print_report(st, report)
        after_ingest(st, store, settings)


def print_report(st: CliState, report: IngestReport) -> None:
    """Reconciliation per period: rows, BilledCost and EffectiveCost, as loaded."""
    if st.quiet:
        loaded = [u for u in report.units if not u.skipped]
        click.echo(f"{report.uri}: {len(loaded)} period(s) loaded, "
                   f"{len(report.skipped)} unchanged, {report.rows:,} rows")
        return
    from rich.table import Table

    table = Table("unit", "account", "period", "rows", "BilledCost", "EffectiveCost", "outcome",
                  title=f"ingest {report.uri}")
    for unit in report.units:
        if unit.skipped:
            table.add_row(unit.unit, "", "", "", "", "", "unchanged, skipped")
        for p in unit.periods:
            table.add_row(unit.unit, p.source_key, p.period, f"{p.rows:,}", f"{p.billed_cost:,.2f}",
                          f"{p.effective_cost:,.2f}",
                          f"replaced {p.replaced_rows:,} rows" if p.replaced_rows else "loaded")
    st.console.print(table)
