"""`aifinops sync`: every source in aifinops.toml, then refresh, reports and alerts (for cron)."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from aifinops.commands.base import CliState, cli, friendly_errors, state
from aifinops.commands.report import print_written
from aifinops.config import Settings
from aifinops.errors import StoreLockedError
from aifinops.sync.config import load_sync_config
from aifinops.sync.lock import SyncLockedError
from aifinops.sync.runner import EXIT_LOCKED, SyncResult, run_sync
from aifinops.sync.sources import SourceOutcome


@cli.command()
@click.option("--no-reports", is_flag=True, help="Load and refresh only; write no report files "
                                                  "(budgets and new recommendations still alert).")
@click.option("--check", is_flag=True, help="Check [sync] in the config and list what a sync "
                                             "would do, without loading anything.")
@click.pass_context
@friendly_errors
def sync(ctx: click.Context, no_reports: bool, check: bool) -> None:
    """Load every [[sync.sources]] of aifinops.toml, refresh, run the rules, write the reports.

    Exit status: 0 all well; 2 an alert (a budget breach, or a new recommendation saving at
    least [sync] alert_new_saving_usd a month); 3 a source failed (the others were loaded);
    75 another sync is running, or another process held the database longer than [sync]
    lock_wait_s (nothing was done); 1 any other error.
    """
    st = state(ctx)
    settings = st.settings()
    if check:
        print_plan(settings)
        return

    def progress(outcome: SourceOutcome) -> None:
        mark = "ok" if outcome.ok else "FAILED"
        st.say(escape(f"{mark}: {outcome.spec.name} ({outcome.seconds:.1f}s)"))
        for line in outcome.lines:
            st.say(escape(f"    {line}"))
        for reason in outcome.failures:
            click.echo(f"error: source {outcome.spec.name}: {reason}", err=True)

    try:
        result = run_sync(settings, write_reports_now=not no_reports, on_source=progress)
    except (SyncLockedError, StoreLockedError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    print_summary(st, result)
    sys.exit(result.exit_code)


def print_summary(st: CliState, result: SyncResult) -> None:
    if not result.config.sources:
        click.echo("no [[sync.sources]] in the config: nothing was loaded (see README: sync)",
                   err=True)
    if result.refreshed and result.recommendations:
        st.say(f"refreshed {len(result.refreshed.rebuilt)} period(s) of rollups; "
               f"{result.recommendations.summary()}")
        for rule, error in result.recommendations.rules_failed.items():
            click.echo(f"warning: rule {rule} failed: {error}", err=True)
    for note in result.notes:
        st.say(note)
    if result.report is not None and not st.quiet:
        print_written(st, result.report)
    for alert in result.alerts:
        click.echo(f"ALERT {alert.kind}: {alert.message}", err=True)
    failed = result.failed
    ok = len(result.sources) - len(failed)
    trouble = bool(failed or result.alerts)
    if trouble or not st.quiet:  # --quiet in cron: silent unless there is something to act on
        click.echo(f"sync: {ok} source(s) ok, {len(failed)} failed, {len(result.alerts)} "
                   f"alert(s) in {result.seconds:.1f}s"
                   + (f"; failed: {', '.join(s.spec.name for s in failed)}" if failed else ""),
                   err=trouble)


def print_plan(settings: Settings) -> None:
    """What `sync` would do with this config (a config error exits 1 with its place)."""
    config = load_sync_config(settings)
    click.echo(f"config {settings.config_path or '(none found: defaults)'}; database "
               f"{settings.db_path}")
    for spec in config.sources:
        options = ", ".join(f"{k}={v}" for k, v in sorted(spec.options.items()))
        click.echo(f"  {spec.index}. {spec.name} [{spec.type}] {options}")
    if not config.sources:
        click.echo("  no [[sync.sources]]: a sync would only refresh and report")
    formats = ", ".join(config.report_formats) or "none"
    click.echo(f"reports: {formats} into {config.report_dir}"
               f" for {config.report_period or 'the month of the latest data'}")
    saving = ("off" if config.alert_new_saving_usd is None
              else f"a new recommendation saving ≥ ${config.alert_new_saving_usd:,.2f}/month")
    click.echo(f"alerts (exit 2): budgets {config.alert_on_budget}; {saving}; waits up to "
               f"{config.lock_wait_s:g} s for another process to let go of the database")
