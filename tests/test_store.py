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
