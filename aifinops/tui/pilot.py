"""Waiting for the app under Pilot: shared by the app's tests and `benchmarks/bench_tui.py`.

A key press only starts work: screens read in workers and draw when their data arrives, so a
test or a timing must wait until no worker is pending or running, the screen is not busy and its
tables have laid out their rows, checked twice: under heavy CPU contention one quiet moment
came before the last table had drawn.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from textual.widgets import DataTable
from textual.worker import WorkerCancelled, WorkerState

from aifinops.tui.screens.base import DataScreen


def _quiet(app: Any) -> bool:
    """Nothing left to draw: no worker pending or running, the data screen not waiting for a
    read, and no table with rows added but not yet measured (DataTable does that on its next
    idle event; a snapshot taken before it shows the table empty)."""
    if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        return False
    screen = app.screen
    if isinstance(screen, DataScreen) and screen.busy:
        return False
    return not any(getattr(t, "_require_update_dimensions", False)
                   or getattr(t, "_updated_cells", None) for t in screen.query(DataTable))


async def settle(pilot: Any, *, rounds: int = 200) -> None:
    """Until the app is quiet (`_quiet`) twice in a row, a pause apart."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if busy:
            # an exclusive read cancelled for a newer one: the next round waits for that one
            with suppress(WorkerCancelled):
                await app.workers.wait_for_complete(busy)
            continue
        if not _quiet(app):
            continue
        await pilot.pause()
        if _quiet(app):
            return
    raise RuntimeError("the app did not settle")
