"""Opening the app from the command line: `aifinops` with no command, and `aifinops demo`."""

from __future__ import annotations

import sys
from datetime import date

from aifinops.config import Settings


def open_app(settings: Settings, *, today: date | None = None) -> None:
    """Run the TUI on the settings' database until the user quits.

    Textual is imported here, not at module level, so `aifinops query` and cron jobs never pay
    for it. Errors opening the database are shown inside the app (with what to do next), not
    raised, so this returns only when the user quits.
    """
    from aifinops.tui.app import make_app

    make_app(settings, today=today).run()


def wants_app() -> bool:
    """True when both ends are a terminal: `aifinops demo | less` and CI print text instead."""
    return sys.stdin.isatty() and sys.stdout.isatty()
