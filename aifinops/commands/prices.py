"""`aifinops prices`: the instance price catalog rules use, and refreshing it from AWS."""

from __future__ import annotations

import json

import click
from rich.table import Table

from aifinops.analysis.prices import catalog, update_prices
from aifinops.commands.base import cli, friendly_errors, state
from aifinops.store import open_store


@cli.group()
def prices() -> None:
    """GPU instance prices: the shipped catalog and prices fetched from AWS."""


@prices.command("show")
@click.option("--type", "instance_type", default=None, help="Only this instance type.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
@friendly_errors
def show(ctx: click.Context, instance_type: str | None, fmt: str) -> None:
    """Prices per instance type and region, each with its source and date."""
    st = state(ctx)
    with open_store(st.settings(), read_only=True) as store:
        rows = catalog(store, instance_type)
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in rows], indent=2, default=str))
        return
    table = Table("provider", "type", "region", "GPUs", "on-demand $/h", "spot $/h", "as of",
                  "source", title="instance prices")
    for r in rows:
        table.add_row(r.provider, r.instance_type, r.region,
                      f"{r.gpu_count or ''} {r.gpu_model or ''}".strip(),
                      "" if r.on_demand_usd_per_hour is None else f"{r.on_demand_usd_per_hour:.4f}",
                      "" if r.spot_usd_per_hour is None else f"{r.spot_usd_per_hour:.4f}",
                      str(r.as_of or ""), r.source or "")
    st.console.print(table)


@prices.command("update")
@click.option("--region", default="us-east-1", show_default=True,
              help="Region whose prices to fetch.")
@click.option("--type", "types", multiple=True, help="Instance type (repeat; default: every EC2 "
                                                     "GPU type in the catalog).")
@click.option("--spot/--no-spot", default=True, show_default=True,
              help="Also read current spot prices (EC2 DescribeSpotPriceHistory).")
@click.option("--profile", default=None, help="AWS profile (as for the AWS CLI).")
@click.option("--endpoint-url", default=None, help="Send AWS calls here (tests, proxies).")
@click.pass_context
@friendly_errors
def update(ctx: click.Context, region: str, types: tuple[str, ...], spot: bool,
           profile: str | None, endpoint_url: str | None) -> None:
    """Fetch on-demand prices from the AWS Pricing API (needs network and pricing:GetProducts)."""
    st = state(ctx)
    with open_store(st.settings()) as store:
        report = update_prices(store, region=region, instance_types=list(types) or None,
                               spot=spot, profile=profile, endpoint_url=endpoint_url)
    st.say(f"{len(report.updated)} price(s) updated for {region} "
           f"({report.spot_found} with a spot price)"
           + (f"; not offered there: {', '.join(report.not_found)}" if report.not_found else ""))
