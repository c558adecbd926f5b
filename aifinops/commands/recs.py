"""`aifinops recs`: ranked recommendations, their evidence and plans, and what to do about them.

Thin over `aifinops.analysis.recommend` (state) and `aifinops.analysis.actions` (plans, apply):
the TUI calls the same functions.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import click
from rich.table import Table

from aifinops.analysis.actions import (
    AwsOptions,
    action_log,
    apply_recommendation,
    check_can_apply,
    render_plan,
)
from aifinops.analysis.recommend import (
    ACTIONABLE,
    STATUSES,
    Recommendation,
    change_status,
    get_recommendation,
    history,
    list_recommendations,
    run_recommendations,
)
from aifinops.commands.base import CliState, cli, friendly_errors, state
from aifinops.errors import AifinopsError
from aifinops.store import open_store


def _statuses(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return ACTIONABLE
    if value.strip().lower() == "all":
        return None
    return tuple(s.strip().lower() for s in value.split(",") if s.strip())


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, default=str, ensure_ascii=False))


@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--status", "status", default=None, metavar="LIST",
              help=f"Comma-separated statuses ({', '.join(STATUSES)}) or 'all' "
                   f"[default: {','.join(ACTIONABLE)}].")
@click.option("--rule", default=None, help="Only this rule's recommendations.")
@click.option("--limit", type=int, default=None, help="Show at most this many.")
@click.pass_context
@friendly_errors
def recs(ctx: click.Context, fmt: str, status: str | None, rule: str | None,
         limit: int | None) -> None:
    """Recommendations ranked by monthly saving, with confidence and evidence.

    Each has a stable id (R-1f3a). `recs show ID` gives its numbers, the signals it could and
    could not check, and its plan; accept, dismiss or snooze it; `recs apply ID` runs the plan.
    """
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    with open_store(st.settings(), read_only=True) as store:
        runs = store.conn.execute("select count(*) from recommendation_runs").fetchone()
        items = list_recommendations(store.conn, _statuses(status), rule=rule)
    items = items[:limit] if limit is not None else items
    if fmt == "json":
        _dump([r.to_json() for r in items])
        return
    if not runs or not runs[0]:
        st.console.print("no recommendations yet: run `aifinops recs run` (it runs after every "
                         "refresh too)")
        return
    table = Table("id", "USD/month", "confidence", "status", "rule", "recommendation",
                  title="recommendations")
    for r in items:
        table.add_row(r.id, _money(r.monthly_saving_usd),
                      f"{r.confidence_label} ({r.confidence:.2f})", r.status, r.rule, r.title)
    st.console.print(table)
    total = sum(r.monthly_saving_usd for r in items)
    st.console.print(f"{len(items)} recommendation(s), {_money(total)} USD/month in all "
                     "(savings overlap: stopping an instance also ends its resize)")


@recs.command("run")
@click.pass_context
@friendly_errors
def run_cmd(ctx: click.Context) -> None:
    """Run every rule now and merge the results (refresh does this after each ingest)."""
    st = state(ctx)
    settings = st.settings()
    with open_store(settings) as store:
        report = run_recommendations(store, settings)
    st.say(report.summary())
    for name, error in report.rules_failed.items():
        st.err.print(f"rule {name} failed: {error}", markup=False, highlight=False, soft_wrap=True)
    if report.rules_failed:
        sys.exit(1)


def _show(st: CliState, rec: Recommendation, events: list[Any], actions: list[Any]) -> None:
    out = st.console
    out.print(f"{rec.id}  {rec.title}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"  status      {rec.status}"
              + (f" until {rec.snoozed_until}" if rec.snoozed_until else "")
              + (f" ({rec.status_reason})" if rec.status_reason else ""), markup=False)
    out.print(f"  saving      {_money(rec.monthly_saving_usd)} USD/month", markup=False)
    out.print(f"  confidence  {rec.confidence_label} ({rec.confidence:.2f})", markup=False)
    out.print(f"  rule        {rec.rule}   resource {rec.resource_id}", markup=False)
    out.print(f"  model/team  {rec.model or '-'} / {rec.team or '-'}   provider {rec.provider}",
              markup=False)
    out.print(f"  checked     {', '.join(rec.signals_used) or '-'}", markup=False)
    out.print(f"  not checked {', '.join(rec.signals_missing) or '-'}", markup=False)
    out.print("evidence", markup=False)
    out.print(json.dumps(rec.evidence, indent=2, ensure_ascii=False), markup=False,
              highlight=False)
    out.print(render_plan(rec).render(), markup=False, highlight=False, soft_wrap=True)
    out.print("history", markup=False)
    for e in events:
        out.print(f"  {e.changed_at:%Y-%m-%d %H:%M} {e.actor}: {e.from_status or '-'} → "
                  f"{e.to_status}" + (f" ({e.reason})" if e.reason else ""), markup=False,
                  highlight=False)
    for a in actions:
        out.print(f"  {a['acted_at']:%Y-%m-%d %H:%M} {a['actor']}: {a['mode']} {a['outcome']}"
                  + (f" ({a['error']})" if a["error"] else ""), markup=False, highlight=False, soft_wrap=True)


@recs.command()
@click.argument("rec_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
@friendly_errors
def show(ctx: click.Context, rec_id: str, fmt: str) -> None:
    """The numbers used, the signals checked and not checked, the plan and the history."""
    st = state(ctx)
    with open_store(st.settings(), read_only=True) as store:
        rec = get_recommendation(store.conn, rec_id)
        events = history(store.conn, rec.id)
        actions = action_log(store, rec.id)
    if fmt == "json":
        _dump({**rec.to_json(), "plan": render_plan(rec).to_json(),
               "history": [e.__dict__ for e in events], "actions": actions})
        return
    _show(st, rec, events, actions)


def _by_option(func: Any) -> Any:
    return click.option("--by", default=None,
                        help="Name to record in the audit trail (default: your OS user).")(func)


def _transition(ctx: click.Context, rec_id: str, command: str, **kw: Any) -> None:
    st = state(ctx)
    with open_store(st.settings()) as store:
        rec = change_status(store, rec_id, command, **kw)
    st.say(f"{rec.id} is {rec.status}: {rec.title}")


@recs.command()
@click.argument("rec_id")
@click.option("--reason", default=None, help="Why (recorded in the audit trail).")
@_by_option
@click.pass_context
@friendly_errors
def accept(ctx: click.Context, rec_id: str, reason: str | None, by: str | None) -> None:
    """Accept a recommendation: its plan may then be applied."""
    _transition(ctx, rec_id, "accept", by=by, reason=reason)


@recs.command()
@click.argument("rec_id")
@click.option("--reason", required=True, help="Why it does not apply (kept, and shown to others).")
@_by_option
@click.pass_context
@friendly_errors
def dismiss(ctx: click.Context, rec_id: str, reason: str, by: str | None) -> None:
    """Dismiss a recommendation; it returns only if its saving grows past the regrow factor."""
    _transition(ctx, rec_id, "dismiss", by=by, reason=reason)


@recs.command()
@click.argument("rec_id")
@click.option("--until", "until", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Reopen on this date (YYYY-MM-DD).")
@click.option("--reason", default=None)
@_by_option
@click.pass_context
@friendly_errors
def snooze(ctx: click.Context, rec_id: str, until: Any, reason: str | None,
           by: str | None) -> None:
    """Hide a recommendation until a date; the first run on or after it reopens it."""
    day: date = until.date()
    _transition(ctx, rec_id, "snooze", by=by, reason=reason, until=day)


@recs.command()
@click.argument("rec_id")
@click.option("--dry-run", is_flag=True, help="Check with the API's dry run; change nothing.")
@click.option("--yes", is_flag=True, help="Apply it (after reading the plan shown first).")
@click.option("--profile", default=None, help="AWS profile (as for the AWS CLI).")
@click.option("--region", default=None, help="AWS region (default: the resource's own).")
@click.option("--endpoint-url", default=None, help="Send AWS calls here (tests, proxies).")
@_by_option
@click.pass_context
@friendly_errors
def apply(ctx: click.Context, rec_id: str, dry_run: bool, yes: bool, profile: str | None,
          region: str | None, endpoint_url: str | None, by: str | None) -> None:
    """Run an accepted recommendation's plan: --dry-run to check, --yes to do it."""
    st = state(ctx)
    if dry_run and yes:
        raise click.UsageError("--dry-run and --yes: pick one")
    with open_store(st.settings()) as store:
        rec = get_recommendation(store.conn, rec_id)
        st.console.print(render_plan(rec).render(), markup=False, highlight=False, soft_wrap=True)
        check_can_apply(rec)
        if not dry_run and not yes:
            raise AifinopsError(f"nothing done: re-run with --yes to apply {rec.id}, or "
                                "--dry-run to check it first")
        result = apply_recommendation(
            store, rec.id, dry_run=dry_run, confirmed=yes, by=by,
            aws=AwsOptions(profile=profile, region=region, endpoint_url=endpoint_url))
    if result.error:
        st.err.print(f"{result.mode} failed: {result.error}", markup=False, highlight=False, soft_wrap=True)
        st.say(f"{result.rec_id} is {result.status}")
        sys.exit(1)
    what = "dry run passed: nothing changed" if dry_run else "applied"
    st.say(f"{result.rec_id}: {what} ({len(result.calls)} API call(s) recorded); "
           f"status {result.status}")
    st.console.print(json.dumps(result.state, indent=2, default=str), markup=False,
                     highlight=False)
