"""What the app writes: a recommendation's change of state, its plan, its dry run and its apply.

Each function opens the database for writing for as long as the one change takes (through
`Database.writer`, which waits for readers and closes the read-only connection first), calls the
library that owns the rule — `aifinops.analysis.recommend` for state, `aifinops.analysis.actions`
for plans and applies — and returns what happened as plain data for a message. The library
writes the audit rows; nothing here writes SQL of its own, so the CLI (`aifinops recs …`) and the
app cannot disagree about what accepting means.

A database locked by another process raises `StoreLockedError` from `writer()`; the caller says
so and nothing is lost. No Textual here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType
from typing import Any

from aifinops.errors import AifinopsError
from aifinops.store import Store
from aifinops.tui.database import Database

# Which state each command may start from, for greying out keys before asking the library.
# The library checks again (and is the authority); this only keeps the footer honest.
FALLBACK_TRANSITIONS: dict[str, frozenset[str]] = {
    "accept": frozenset({"open", "snoozed", "dismissed", "failed"}),
    "dismiss": frozenset({"open", "accepted", "snoozed", "failed"}),
    "snooze": frozenset({"open", "accepted", "failed"}),
    "apply": frozenset({"accepted"}),
}


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def allowed_from(command: str) -> frozenset[str]:
    recommend = _module("aifinops.analysis.recommend")
    transitions = getattr(recommend, "TRANSITIONS", None) if recommend else None
    if transitions and command in transitions:
        return frozenset(transitions[command][0])
    return FALLBACK_TRANSITIONS.get(command, frozenset())


def can_change_status() -> bool:
    recommend = _module("aifinops.analysis.recommend")
    return recommend is not None and hasattr(recommend, "change_status")


@dataclass(frozen=True)
class StatusChange:
    rec_id: str
    command: str
    status: str            # the status after the change
    message: str


def change_status(db: Database, rec_id: str, command: str, *, reason: str | None = None,
                  until: date | None = None, today: date | None = None,
                  by: str | None = None) -> StatusChange:
    """accept, dismiss (needs a reason) or snooze (needs a future date), audited by the library."""
    recommend = _module("aifinops.analysis.recommend")
    if recommend is None or not hasattr(recommend, "change_status"):
        raise AifinopsError("this aifinops has no recommendation engine")
    with db.writer() as store:
        rec = recommend.change_status(store, rec_id, command, by=by, reason=reason, until=until,
                                      today=today)
    status = str(getattr(rec, "status", command))
    words = {"accept": "accepted", "dismiss": "dismissed", "snooze": "snoozed"}[command]
    extra = f" until {until:%Y-%m-%d}" if command == "snooze" and until else ""
    return StatusChange(rec_id, command, status, f"{rec_id} {words}{extra}")


# ---- plans and applies (aifinops.analysis.actions) -----------------------------------------


@dataclass(frozen=True)
class ActionResult:
    """What a dry run or an apply did, in words a person reads, plus the library's record."""

    rec_id: str
    mode: str                  # dry-run | apply
    ok: bool
    summary: str
    details: list[str] = field(default_factory=list)
    status: str | None = None  # the recommendation's status afterwards
    raw: Any = None


def actions_module() -> ModuleType | None:
    return _module("aifinops.analysis.actions")


def can_apply(action_kind: str | None = None, provider: str | None = None) -> bool:
    """Whether this aifinops can apply recommendations (of this kind, on this provider)."""
    if actions_module() is None:
        return False
    if action_kind is None:
        return True
    from aifinops.analysis.rules import APPLICABLE_KINDS

    return action_kind in APPLICABLE_KINDS and (provider or "aws") == "aws"


def plan_text(store: Store, rec_id: str) -> str | None:
    """The exact change an apply would make (AWS CLI, boto3, Terraform or gcloud), as the CLI
    prints it; None when this aifinops cannot render plans. Reads only."""
    actions = actions_module()
    if actions is None:
        return None
    from aifinops.analysis.recommend import get_recommendation

    rec = get_recommendation(store.conn, rec_id)
    return str(actions.render_plan(rec).render())


def run_action(db: Database, rec_id: str, *, dry_run: bool, by: str | None = None,
               aws: Any = None) -> ActionResult:
    """Dry-run or apply an accepted recommendation. The library checks the state, runs the
    API's dry run first, records every call and the outcome, and moves the recommendation to
    applied or failed; the app's confirmation dialog is the `--yes`."""
    actions = actions_module()
    if actions is None:
        raise AifinopsError("this aifinops cannot apply recommendations")
    with db.writer() as store:
        result = actions.apply_recommendation(store, rec_id, dry_run=dry_run,
                                              confirmed=not dry_run, by=by, aws=aws)
    ok = result.outcome == "ok"
    mode = "dry-run" if dry_run else "apply"
    if dry_run:
        summary = "dry run passed: the API accepts this change" if ok else "dry run failed"
    else:
        summary = f"applied: status is now {result.status}" if ok else (
            f"apply failed: status is now {result.status}")
    details = [_describe_call(call) for call in result.calls]
    if result.error:
        details.append(f"error: {result.error}")
    return ActionResult(rec_id, mode, ok, summary, details, status=result.status, raw=result)


def _describe_call(call: dict[str, Any]) -> str:
    what = f"{call.get('service')} {call.get('operation')}"
    if call.get("dry_run"):
        return f"{what}: dry run — {call['dry_run']}"
    if call.get("error"):
        error = call["error"]
        return f"{what}: {error.get('code') or 'error'}"
    return f"{what}: ok"
