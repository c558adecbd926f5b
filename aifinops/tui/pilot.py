"""Waiting for the app under Pilot: shared by the app's tests and `benchmarks/bench_tui.py`.

A key press only starts work: screens read in workers and draw when their data arrives, so a
test or a timing must wait until no worker is pending or running and the screen is not busy.
"""

from __future__ import annotations

from typing import Any

from textual.worker import WorkerState

from aifinops.tui.screens.base import DataScreen


async def settle(pilot: Any, *, rounds: int = 200) -> None:
    """Until no worker is pending or running and every data screen has drawn."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        if busy:
            await app.workers.wait_for_complete(busy)
            continue
        screen = app.screen
        if isinstance(screen, DataScreen) and screen.busy:
            continue
        await pilot.pause()
        return
    raise RuntimeError("the app did not settle")
