"""Errors a user can act on: each names the input, the place in it and what was expected."""

from __future__ import annotations


class AifinopsError(Exception):
    """Base for errors shown to users as one clear message (no traceback)."""


class InputError(AifinopsError):
    """An input file or object that cannot be loaded as it is."""

    def __init__(self, source: str, problem: str, *, where: str | None = None) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        place = f" ({where})" if where else ""
        super().__init__(f"{source}{place}: {problem}")


class StoreLockedError(AifinopsError):
    """Another process holds the database's write lock."""


class ConfigError(AifinopsError):
    """aifinops.toml or an environment override is not what we expect."""
