"""The `aifinops` command: the root group, and which module holds each command.

A module registers its commands when it is imported; the groups import it only when one of its
commands runs (`LazyGroup`), so adding a command means naming it here too (a test checks).
"""

from __future__ import annotations

import click

from aifinops.commands.base import LazyGroup, cli, ingest

__all__ = ["COMMANDS", "INGEST_COMMANDS", "cli", "main"]

COMMANDS = {
    "init": "core", "status": "core", "query": "core", "refresh": "core",
    "demo": "demo", "export": "focus", "sample": "gpu", "prices": "prices", "recs": "recs",
    "report": "report", "sync": "sync",
}
INGEST_COMMANDS = {
    "aws-cur": "aws", "focus": "focus", "gcp-billing": "gcp", "nvidia-smi": "gpu", "dcgm": "gpu",
    "spool": "gpu", "traffic": "traffic",
}


def _register(group: click.Group, commands: dict[str, str]) -> None:
    assert isinstance(group, LazyGroup)
    group.modules.update({name: f"aifinops.commands.{module}" for name, module in commands.items()})


_register(cli, COMMANDS)
_register(ingest, INGEST_COMMANDS)


def main() -> None:
    cli(prog_name="aifinops")
