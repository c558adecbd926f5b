"""`ingest traffic`: requests and tokens per model, for cost per request and per token."""

from __future__ import annotations

from pathlib import Path

import click

from aifinops.commands.base import after_ingest, friendly_errors, ingest, refresh_option, state
from aifinops.ingest.traffic import ingest_traffic
from aifinops.store import open_store


@ingest.command("traffic")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--model", help="Model name for scrapes without a model label (TGI).")
@refresh_option
@click.pass_context
@friendly_errors
def traffic(ctx: click.Context, paths: tuple[Path, ...], model: str | None) -> None:
    """Load a traffic CSV (hour, model, requests, input_tokens, output_tokens) or vLLM/TGI scrapes."""
    st = state(ctx)
    settings = st.settings()
    with open_store(settings) as store:
        for path in paths:
            report = ingest_traffic(store, path, model=model)
            skipped = f", {report.skipped_lines} unreadable line(s) skipped" if report.skipped_lines else ""
            st.say(f"{path}: {', '.join(report.models)}: {report.hours} model-hour(s) of traffic{skipped}")
        after_ingest(st, store, settings)
