"""The one DuckDB file: connections, numbered schema migrations, and transactions.

Migrations are `sql/schema/NNN_name.sql`, applied in order inside one transaction each and
recorded in `schema_migrations`, so an old database upgrades itself on the next write open. The
shipped views and reference tables are installed again when their files change
(`shipped_objects`), and a new file starts as a copy of a cached blank (`blank_database`).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from aifinops.blank_database import copy_blank, discard_blank
from aifinops.config import Settings
from aifinops.errors import AifinopsError, StoreLockedError
from aifinops.sqlfiles import files_checksum, read_sql, sql_identifier, sql_literal, sql_root

_MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def migrations() -> list[Migration]:
    found = []
    for path in sorted((sql_root() / "schema").iterdir()):
        match = _MIGRATION_RE.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise AifinopsError(f"two schema migrations share a number: {versions}")
    return found


def applied_versions(conn: duckdb.DuckDBPyConnection) -> set[int]:
    exists = conn.execute(  # duckdb_tables(), not information_schema: 1 ms instead of 8–15
        "select count(*) from duckdb_tables() where table_name = 'schema_migrations' "
        "and database_name = current_database()"
    ).fetchone()
    if not exists or not exists[0]:
        return set()
    return {row[0] for row in conn.execute("select version from schema_migrations").fetchall()}


def apply_migrations(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied."""
    done = applied_versions(conn)
    if not done:  # a new file (or one whose first migration failed): nothing recorded yet
        conn.execute(
            "create table if not exists schema_migrations ("
            " version integer primary key, name varchar, checksum varchar,"
            " applied_at timestamptz default current_timestamp)"
        )
    applied = []
    for migration in migrations():
        if migration.version in done:
            continue
        with transaction(conn):
            conn.execute(migration.path.read_text(encoding="utf-8"))
            conn.execute(
                "insert into schema_migrations (version, name, checksum) values (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
        applied.append(f"{migration.version:03d}_{migration.name}")
    return applied


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any error so the file is left as it was."""
    conn.execute("begin transaction")
    try:
        yield conn
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return sql_literal(str(value))


@contextmanager
def session_settings(conn: duckdb.DuckDBPyConnection, **values: object) -> Iterator[None]:
    """DuckDB settings for the block only: the session's own values come back afterwards, in
    reverse order, whatever happens (and a failure to restore never hides the block's own)."""
    saved = {name: conn.execute(f"select current_setting('{name}')").fetchone()[0]  # type: ignore[index]
             for name in values}
    for name, value in values.items():
        conn.execute(f"set {name} = {_literal(value)}")
    try:
        yield
    finally:
        with suppress(duckdb.Error):
            for name in reversed(values):
                conn.execute(f"set {name} = {_literal(saved[name])}")


def unordered_inserts(conn: duckdb.DuckDBPyConnection) -> AbstractContextManager[None]:
    """Bulk loads need no row order: ~25% faster and far less memory (measured in DESIGN.md)."""
    return session_settings(conn, preserve_insertion_order=False)


@contextmanager
def query_progress(conn: duckdb.DuckDBPyConnection, report: Callable[[float], None], *,
                   every_s: float = 0.25) -> Iterator[None]:
    """Call `report` with the running statement's progress (0–100) from a thread while the block
    runs. A month of CUR loads in one INSERT, so without this a bar sits at 0% for all of it.
    DuckDB's own bar stays unprinted (it would write to stdout, under --quiet too); the delay
    is set last so that it is put back first, and no bar flashes in between."""
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(every_s):
            value = conn.query_progress()  # DuckDB allows this from another thread
            if value >= 0:
                report(float(value))

    with session_settings(conn, enable_progress_bar=True, enable_progress_bar_print=False,
                          progress_bar_time=0):
        poller = threading.Thread(target=poll, name="aifinops-query-progress", daemon=True)
        poller.start()
        try:
            yield
        finally:
            stop.set()
            poller.join()


class Store:
    """An open database. One connection is not thread-safe: threads take `cursor()`s."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, path: Path, read_only: bool,
                 migrated: list[str] | None = None) -> None:
        self.conn = conn
        self.path = path
        self.read_only = read_only
        self.migrated = migrated or []  # migrations this open applied (an upgraded database)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for another thread; TimeZone is per session in DuckDB, so set it again."""
        cursor = self.conn.cursor()
        cursor.execute("set TimeZone = 'UTC'")
        return cursor

    def close(self) -> None:
        """Close; the checkpoint that follows vacuums only if deletes left enough dead rows."""
        if not self.read_only:
            with suppress(duckdb.Error):
                if holds_deleted_rows(self.conn):
                    self.conn.execute("reset max_vacuum_tasks")
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _configure(conn: duckdb.DuckDBPyConnection, settings: Settings | None) -> None:
    conn.execute("set TimeZone = 'UTC'")
    if settings is not None:
        conn.execute(f"set memory_limit = '{settings.memory_limit}'")
        if settings.threads:
            conn.execute(f"set threads = {int(settings.threads)}")


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the file, turning DuckDB's lock conflict into a message a user can act on."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise StoreLockedError(
                f"{path} is in use by another process (an ingest or sync writing, or the app "
                "or the duckdb CLI reading it; the app lets go after 20 s idle); try again when "
                "it finishes"
            ) from exc
        raise AifinopsError(f"cannot open database {path}: {text}") from exc


def open_store(settings: Settings, *, read_only: bool = False) -> Store:
    """Open (creating and migrating when writable) the database named by the settings."""
    path = settings.db_path
    if read_only:
        if not path.exists():
            raise AifinopsError(
                f"no database at {path} yet: run `aifinops init` or `aifinops demo` first"
            )
        conn = connect(path, read_only=True)
        _configure(conn, settings)
        missing = {m.version for m in migrations()} - applied_versions(conn)
        if missing:
            conn.close()
            raise AifinopsError(
                f"{path} needs a schema upgrade: run `aifinops init` (it upgrades the schema and "
                "rebuilds what the views read)"
            )
        return Store(conn, path, True)
    path.parent.mkdir(parents=True, exist_ok=True)
    blank = None
    if not path.exists():
        sources = [m.path for m in migrations()] + _shipped_files("reference") + _shipped_files("views")
        blank = copy_blank(path, sources, _build_blank)
    conn = connect(path)
    _configure(conn, settings)
    conn.execute("set max_vacuum_tasks = 0")  # see holds_deleted_rows
    if blank:  # the blank's schema was applied when it was built; this file is new now
        conn.execute("update schema_migrations set applied_at = current_timestamp")
        conn.execute("update shipped_objects set installed_at = current_timestamp")
    migrated, installed = _bring_up_to_date(conn)
    if blank and (migrated or installed):
        discard_blank(blank)
    return Store(conn, path, False, migrated)


def _bring_up_to_date(conn: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """The migrations not yet applied, then the shipped objects that changed (all of them after
    a migration, which may have dropped or changed what they read); what each did."""
    migrated = apply_migrations(conn)
    return migrated, install_shipped(conn, force=bool(migrated))


def _build_blank(path: Path) -> None:
    """A database at `path` with the schema, reference tables and views and nothing else."""
    conn = duckdb.connect(str(path))
    try:
        conn.execute("set TimeZone = 'UTC'")
        _bring_up_to_date(conn)
    finally:
        conn.close()


# DuckDB's rows per row group: fewer dead rows than this in a table are not worth a vacuum.
VACUUM_AFTER_DELETED_ROWS = 122_880


def holds_deleted_rows(conn: duckdb.DuckDBPyConnection,
                       at_least: int = VACUUM_AFTER_DELETED_ROWS) -> bool:
    """Whether some table keeps at least `at_least` deleted rows in its row groups.

    A checkpoint's vacuum does two things: it compacts row groups that deletes thinned out, and
    it merges the part-filled groups every parallel INSERT leaves behind (one per thread). The
    second alone cost 1.1 s when closing after a 1M-row load, rewriting finished row groups
    single-threaded, for no gain in scans or size. So writable stores run with vacuum off and
    turn it back on for the closing checkpoint only when deletes (a restated period, rebuilt
    rollups) left a row group's worth of dead rows in some table; whole row groups that deletes
    emptied are dropped by every checkpoint regardless.
    """
    for schema, name, kept in conn.execute(read_sql("store/table_sizes.sql")).fetchall():
        if kept < at_least:
            continue
        table = f"{sql_identifier(schema)}.{sql_identifier(name)}"
        live = conn.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
        if kept - live >= at_least:
            return True
    return False


def _shipped_files(kind: str) -> list[Path]:
    folder, pattern = {"reference": ("reference", "*.csv"), "views": ("views", "*.sql")}[kind]
    return sorted((sql_root() / folder).glob(pattern))


def install_shipped(conn: duckdb.DuckDBPyConnection, *, force: bool = False) -> list[str]:
    """(Re)install the shipped reference tables and views where the files differ from what this
    database holds (or one of them is missing); return the kinds installed.

    Every writable open used to rebuild all of them, 0.07 s on each command; now a checksum of
    the files, recorded in `shipped_objects`, says when a release changed them. `force` after a
    migration, which may have dropped or changed what they read.
    """
    present = {row[0] for row in conn.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "union all select view_name from duckdb_views() "
        "where database_name = current_database() and not internal").fetchall()}
    if "shipped_objects" not in present:
        conn.execute("create table shipped_objects (kind varchar primary key, checksum varchar "
                     "not null, installed_at timestamptz default current_timestamp)")
    recorded = dict(conn.execute("select kind, checksum from shipped_objects").fetchall())
    installs: dict[str, tuple[Callable[[duckdb.DuckDBPyConnection], None], str]] = {
        "reference": (refresh_reference_tables, "ref_"), "views": (install_views, "")}
    done = []
    for kind, (install, prefix) in installs.items():
        files = _shipped_files(kind)
        checksum = files_checksum(files)
        names = {prefix + path.stem for path in files}
        if not force and recorded.get(kind) == checksum and names <= present:
            continue
        install(conn)
        conn.execute("insert or replace into shipped_objects (kind, checksum, installed_at) "
                     "values (?, ?, current_timestamp)", [kind, checksum])
        done.append(kind)
    return done


def install_views(conn: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every `sql/views/NAME.sql` as view NAME, so the DuckDB CLI sees them too.

    A view may read another; those that fail because a dependency is not there yet are retried
    until a pass makes no progress.
    """
    pending = {p.stem: p.read_text(encoding="utf-8") for p in _shipped_files("views")}
    while pending:
        errors: dict[str, duckdb.Error] = {}
        for name, body in sorted(pending.items()):
            try:
                conn.execute(f"create or replace view {name} as {body}")
            except duckdb.CatalogException as exc:
                errors[name] = exc
        if len(errors) == len(pending):
            first, error = next(iter(errors.items()))
            raise AifinopsError(f"view {first} cannot be created: {error}")
        pending = {name: pending[name] for name in errors}


def refresh_reference_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """Reload the shipped catalogs (`sql/reference/*.csv` → `ref_<name>`), which change by release."""
    for path in _shipped_files("reference"):
        conn.execute(
            f"create or replace table ref_{path.stem} as "
            "select * from read_csv(?, header = true)",
            [str(path)],
        )
