"""One sync at a time per database: an advisory lock file beside it, held for the whole run.

DuckDB's own file lock would make a second sync fail half-way with a storage error; this lock
makes it stop before doing anything and say who holds it. The lock is released by the kernel if
the process dies, so a crashed sync never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from aifinops.errors import AifinopsError


class SyncLockedError(AifinopsError):
    """Another sync holds the lock."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".sync.lock")


class SyncLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def __enter__(self) -> SyncLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise SyncLockedError(
                f"another aifinops sync is running on this database ({holder}; lock file "
                f"{self.path}); this one stops without doing anything") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, started "
                     f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
