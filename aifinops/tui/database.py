"""The app's hold on the database file: read-only, shared by worker threads, let go when idle.

DuckDB locks the file per process: while any process holds it read-only, no other process can
open it for writing, and on Linux a read-only open fails while another process writes. A TUI
that kept its connection for the whole session would make every nightly `aifinops sync` fail. So
the app holds a read-only connection only while it is reading: each worker takes a cursor of its
own (one DuckDB connection is not thread-safe), and a timer closes the connection once nothing
has read for `idle_release_s` seconds. The next read opens it again — and says clearly, instead
of failing, when a sync holds the lock at that moment.

A write (accepting a recommendation, applying it) waits for the readers to finish, closes the
read-only connection — DuckDB refuses a second, writable connection to the same file in one
process — opens the store for writing, and lets the next read reopen read-only.

No Textual here: the app, the benchmark and the tests use this class alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from aifinops.config import Settings
from aifinops.store import Store, open_store

DEFAULT_IDLE_RELEASE_S = 20.0
# Screens read rollups, so reading needs far less than ingest: a lower cap keeps the whole app
# (Python, Textual, DuckDB's buffers) under 1 GiB. A smaller configured limit is kept.
READ_MEMORY_LIMIT = "768MB"
_UNITS = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "kib": 2**10, "mib": 2**20,
          "gib": 2**30, "tib": 2**40}


def _bytes(text: str) -> float | None:
    """'1GB' → 1e9; None for a value this does not understand (left to DuckDB as it is)."""
    number = text.strip().lower().rstrip("s")
    unit = number.lstrip("0123456789. ")
    try:
        return float(number[: len(number) - len(unit)]) * _UNITS[unit.strip() or "b"]
    except (KeyError, ValueError):
        return None


def read_memory_limit(configured: str) -> str:
    """The memory limit for the app's read-only connection: READ_MEMORY_LIMIT or less."""
    have, cap = _bytes(configured), _bytes(READ_MEMORY_LIMIT)
    return configured if have is not None and cap is not None and have <= cap else READ_MEMORY_LIMIT


class Database:
    """A lazily opened, idle-released, read-only `Store`, plus short write sessions."""

    def __init__(self, settings: Settings, *, idle_release_s: float = DEFAULT_IDLE_RELEASE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.idle_release_s = idle_release_s
        self._clock = clock
        self._store: Store | None = None
        self._readers = 0
        self._writing = False
        self._last_used = clock()
        self._cond = threading.Condition()
        self.opens = 0  # how many times the file was opened read-only (tests and benchmarks)

    @property
    def path(self) -> Path:
        return self.settings.db_path

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def _ensure_open(self) -> Store:
        # Called with the condition held. Raises StoreLockedError or AifinopsError as they come.
        if self._store is None:
            self._store = open_store(self.settings, read_only=True)
            self._store.conn.execute(
                f"set memory_limit = '{read_memory_limit(self.settings.memory_limit)}'")
            self.opens += 1
        return self._store

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one worker; opens the file read-only first if needed."""
        with self._cond:
            while self._writing:
                self._cond.wait()
            store = self._ensure_open()
            self._readers += 1
        try:
            cur = store.cursor()
            try:
                # Session settings are per cursor: the store's UTC does not carry over.
                cur.execute("set TimeZone = 'UTC'")
                yield cur
            finally:
                cur.close()
        finally:
            with self._cond:
                self._readers -= 1
                self._last_used = self._clock()
                self._cond.notify_all()

    @contextmanager
    def store_reader(self) -> Iterator[Store]:
        """Like `reader`, as a `Store` (for library functions such as `run_query`)."""
        with self.reader() as cur:
            yield Store(cur, self.path, True)

    @contextmanager
    def writer(self) -> Iterator[Store]:
        """The store opened for writing, for one action; readers wait until it is closed.

        Raises StoreLockedError when another process (a sync) holds the file.
        """
        with self._cond:
            while self._writing or self._readers:
                self._cond.wait()
            self._writing = True
            self._close_locked()
        try:
            store = open_store(self.settings, read_only=False)
            try:
                store.conn.execute("set TimeZone = 'UTC'")
                yield store
            finally:
                store.close()
        finally:
            with self._cond:
                self._writing = False
                self._last_used = self._clock()
                self._cond.notify_all()

    def release_if_idle(self) -> bool:
        """Close the connection when nothing has read for `idle_release_s`; True if it did."""
        with self._cond:
            if (self._store is None or self._readers or self._writing
                    or self._clock() - self._last_used < self.idle_release_s):
                return False
            self._close_locked()
            return True

    def close(self) -> None:
        with self._cond:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            finally:
                self._store = None
