"""The `aifinops` command: the root group plus every command module, registered on import."""

from __future__ import annotations

import aifinops.commands.aws
import aifinops.commands.core
import aifinops.commands.demo
import aifinops.commands.focus
import aifinops.commands.gcp
import aifinops.commands.gpu
import aifinops.commands.prices
import aifinops.commands.recs
import aifinops.commands.report
import aifinops.commands.sync
import aifinops.commands.traffic
import aifinops.commands.tui  # noqa: F401  (each module registers its commands)
from aifinops.commands.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="aifinops")
