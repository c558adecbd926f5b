"""The store: migrations applied in order and recorded, upgrades, read-only opens, the lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from aifinops import sqlfiles, store
from aifinops.config import load_settings
from aifinops.errors import AifinopsError, StoreLockedError


def test_fresh_database_records_every_migration(tmp_path: Path) -> None:
    settings = load_settings(db=tmp_path / "a.duckdb")
    with store.open_store(settings) as s:
        recorded = [r[0] for r in s.conn.execute(
            "select version from schema_migrations order by 1").fetchall()]
        assert recorded == [m.version for m in store.migrations()]
        catalog = s.conn.execute(
            "select gpu_count, gpu_model from ref_gpu_instance_types "
            "where instance_type = 'p4d.24xlarge'").fetchone()
        assert catalog == (8, "A100")


def test_old_database_upgrades_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sql"
    (root / "schema").mkdir(parents=True)
    (root / "reference").mkdir()
    (root / "schema" / "001_first.sql").write_text("create table a (x integer);")
    monkeypatch.setattr(sqlfiles, "sql_root", lambda: root)
    monkeypatch.setattr(store, "sql_root", lambda: root)
    settings = load_settings(db=tmp_path / "old.duckdb")
    with store.open_store(settings) as s:
        s.conn.execute("insert into a values (1)")
    (root / "schema" / "002_second.sql").write_text("alter table a add column y varchar;")
    with pytest.raises(AifinopsError, match="needs a schema upgrade"):
        store.open_store(settings, read_only=True)
    with store.open_store(settings) as s:
        assert s.conn.execute("select * from a").fetchall() == [(1, None)]
        assert [r[0] for r in s.conn.execute(
            "select name from schema_migrations order by version").fetchall()] == ["first", "second"]


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "sql"
    (root / "schema").mkdir(parents=True)
    (root / "reference").mkdir()
    (root / "schema" / "001_bad.sql").write_text("create table a (x integer); select * from nope;")
    monkeypatch.setattr(store, "sql_root", lambda: root)
    with pytest.raises(duckdb.Error):
        store.open_store(load_settings(db=tmp_path / "bad.duckdb"))
    conn = duckdb.connect(str(tmp_path / "bad.duckdb"))
    tables = {r[0] for r in conn.execute("select table_name from information_schema.tables").fetchall()}
    assert "a" not in tables


def test_read_only_open_of_missing_database(tmp_path: Path) -> None:
    with pytest.raises(AifinopsError, match=r"no database at .* run `aifinops init`"):
        store.open_store(load_settings(db=tmp_path / "none.duckdb"), read_only=True)


def test_second_writer_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    store.open_store(load_settings(db=path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
         "time.sleep(30)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreLockedError, match="in use by another process"):
            store.open_store(load_settings(db=path))
    finally:
        holder.kill()
        holder.wait()


def test_query_progress_reports_a_running_statement_and_puts_the_settings_back(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    conn = duckdb.connect(str(tmp_path / "p.duckdb"))
    settings = "select name, value from duckdb_settings() where name like '%progress%' order by 1"
    before = conn.execute(settings).fetchall()
    seen: list[float] = []
    with store.query_progress(conn, seen.append, every_s=0.01):
        rows = conn.execute("select count(*) from range(200000000) t(i) where i % 7 = 3").fetchall()
    assert rows == [(28571429,)]  # i = 3, 10, …, 199,999,999
    assert seen and all(0 <= p <= 100 for p in seen) and max(seen) > 0
    assert conn.execute(settings).fetchall() == before
    assert "%" not in capfd.readouterr().out  # DuckDB's own bar stayed unprinted


def _row_groups(path: Path, table: str) -> tuple[int, int]:
    """(row groups, rows kept incl. deleted) of `table`, read from a plain connection."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        groups = conn.execute("select count(distinct row_group_id) from pragma_storage_info(?)",
                              [table]).fetchone()
        kept = conn.execute("select estimated_size from duckdb_tables() where table_name = ?",
                            [table]).fetchone()
    finally:
        conn.close()
    assert groups is not None and kept is not None
    return int(groups[0]), int(kept[0])


def _store_with_two_loads(path: Path) -> store.Store:
    s = store.open_store(load_settings(db=path))
    s.conn.execute("set threads = 1")
    s.conn.execute("create table scratch (i bigint, s varchar)")
    for _ in range(2):  # each leaves a 7,120-row tail behind a full 122,880-row group
        s.conn.execute("insert into scratch select range, range::varchar from range(130000)")
    return s


def test_closing_after_appends_only_leaves_the_insert_tails_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    s = _store_with_two_loads(path)
    assert not store.holds_deleted_rows(s.conn)
    s.close()
    # a default checkpoint would have merged tail, full group and tail into two groups
    assert _row_groups(path, "scratch") == (4, 260_000)


def test_closing_after_deletes_vacuums_the_dead_rows_away(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    s = _store_with_two_loads(path)
    s.conn.execute("delete from scratch where i % 2 = 0")  # 130,000 dead rows, one in two
    assert store.holds_deleted_rows(s.conn)
    s.close()
    groups, kept = _row_groups(path, "scratch")
    assert kept < 260_000 and groups < 4
    with store.open_store(load_settings(db=path)) as again:
        assert again.conn.execute("select count(*) from scratch").fetchone() == (130_000,)


def test_a_few_deleted_rows_are_not_worth_a_vacuum(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    s = _store_with_two_loads(path)
    s.conn.execute("delete from scratch where i % 1000 = 0")  # 260 dead rows
    assert not store.holds_deleted_rows(s.conn)
    assert store.holds_deleted_rows(s.conn, at_least=200)
    s.close()
    assert _row_groups(path, "scratch") == (4, 260_000)


_CATALOG = (
    "select 'table', table_name, sql from duckdb_tables() where not temporary "
    "union all select 'view', view_name, sql from duckdb_views() where not internal "
    "union all select 'macro', function_name, macro_definition from duckdb_functions() "
    "where not internal and function_type like '%macro%' and database_name = current_database() "
    "union all select 'sequence', sequence_name, sql from duckdb_sequences() "
    "union all select 'index', index_name, sql from duckdb_indexes() order by all"
)


def _catalog(s: store.Store) -> tuple[list[tuple[str, str, str]], list[tuple[int, str]],
                                      list[tuple[object, ...]]]:
    """What a database is made of: its objects, its migrations and the GPU catalog's rows."""
    return (s.conn.execute(_CATALOG).fetchall(),
            s.conn.execute("select version, checksum from schema_migrations order by 1").fetchall(),
            s.conn.execute("from ref_gpu_instance_types order by all").fetchall())


def test_a_new_database_is_a_copy_of_the_cached_blank_and_equals_one_built_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIFINOPS_CACHE_DIR", "")  # off: built in place, as before
    with store.open_store(load_settings(db=tmp_path / "in-place.duckdb")) as s:
        in_place = _catalog(s)
        assert s.migrated  # a new database built in place applies every migration
    monkeypatch.setenv("AIFINOPS_CACHE_DIR", str(cache))
    store.open_store(load_settings(db=tmp_path / "first.duckdb")).close()
    blanks = list(cache.iterdir())
    assert [p.name[:6] for p in blanks] == ["blank-"]  # built once, nothing else left there
    built = blanks[0].stat().st_mtime_ns
    with duckdb.connect(":memory:") as clock:
        opened_at = clock.execute("select current_timestamp").fetchone()[0]  # type: ignore[index]
    with store.open_store(load_settings(db=tmp_path / "second.duckdb")) as s:
        assert _catalog(s) == in_place
        assert s.migrated == []
        oldest = s.conn.execute("select min(applied_at) from schema_migrations "
                                "union all select min(installed_at) from shipped_objects").fetchall()
        assert all(t >= opened_at for (t,) in oldest)  # stamped when this file was made
        s.conn.execute("create table mine (x integer)")  # a copy: the blank does not change
    assert list(cache.iterdir()) == blanks and blanks[0].stat().st_mtime_ns == built
    with store.open_store(load_settings(db=tmp_path / "third.duckdb")) as s:
        assert _catalog(s) == in_place


def test_a_changed_schema_builds_a_new_blank_in_place_of_the_old(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIFINOPS_CACHE_DIR", str(cache))
    everything = store.migrations
    monkeypatch.setattr(store, "migrations", lambda: everything()[:-1])
    with store.open_store(load_settings(db=tmp_path / "older.duckdb")) as s:
        assert len(_catalog(s)[1]) == len(everything()) - 1
    older = [p.name for p in cache.iterdir()]
    monkeypatch.setattr(store, "migrations", everything)
    with store.open_store(load_settings(db=tmp_path / "newer.duckdb")) as s:
        assert len(_catalog(s)[1]) == len(everything())
    newer = [p.name for p in cache.iterdir()]
    assert len(older) == len(newer) == 1 and older != newer


def test_a_cache_that_cannot_be_written_falls_back_to_building_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("AIFINOPS_CACHE_DIR", str(blocker / "cache"))
    with store.open_store(load_settings(db=tmp_path / "a.duckdb")) as s:
        assert len(_catalog(s)[1]) == len(store.migrations()) and s.migrated


def test_a_broken_migration_fails_the_open_and_leaves_no_blank_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIFINOPS_CACHE_DIR", str(cache))
    root = tmp_path / "sql"
    (root / "schema").mkdir(parents=True)
    (root / "schema" / "001_bad.sql").write_text("create table a (x integer); select * from nope;")
    monkeypatch.setattr(store, "sql_root", lambda: root)
    with pytest.raises(duckdb.CatalogException, match="nope"):
        store.open_store(load_settings(db=tmp_path / "bad.duckdb"))
    assert list(cache.iterdir()) == [] and not (tmp_path / "bad.duckdb").exists()


def test_shipped_views_and_catalogs_are_installed_again_only_when_missing_or_changed(
        tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    store.open_store(load_settings(db=path)).close()
    with store.open_store(load_settings(db=path)) as s:
        assert store.install_shipped(s.conn) == []  # up to date: nothing rebuilt
        s.conn.execute("drop view cost_daily")
        assert store.install_shipped(s.conn) == ["views"]
        assert s.conn.execute("select count(*) from cost_daily").fetchone() == (0,)
        s.conn.execute("update shipped_objects set checksum = 'an older release' "
                       "where kind = 'reference'")
        s.conn.execute("delete from ref_gpu_instance_types")
        assert store.install_shipped(s.conn) == ["reference"]
        count = s.conn.execute("select count(*) from ref_gpu_instance_types").fetchone()
        assert count is not None and count[0] > 10
        assert store.install_shipped(s.conn, force=True) == ["reference", "views"]


def test_a_blank_whose_copies_need_work_is_built_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A release that records its shipped files differently leaves a blank of the same key whose
    every copy would reinstall the views and catalogs; the first such copy discards it."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("AIFINOPS_CACHE_DIR", str(cache))
    store.open_store(load_settings(db=tmp_path / "a.duckdb")).close()
    [blank] = cache.iterdir()
    with duckdb.connect(str(blank)) as conn:
        conn.execute("update shipped_objects set checksum = 'recorded the old way'")
    with store.open_store(load_settings(db=tmp_path / "b.duckdb")) as s:
        assert store.install_shipped(s.conn) == []  # this copy was mended
    assert not blank.exists()
    store.open_store(load_settings(db=tmp_path / "c.duckdb")).close()
    with duckdb.connect(str(blank), read_only=True) as conn:
        recorded = conn.execute("select checksum from shipped_objects order by kind").fetchall()
    assert recorded == [(sqlfiles.files_checksum(store._shipped_files(kind)),)
                        for kind in ("reference", "views")]
