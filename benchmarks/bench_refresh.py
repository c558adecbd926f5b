"""What `refresh` spends per step, on a copy of a database, and whether a change to the refresh
SQL leaves every rollup as it was.

    flock /tmp/aifinops-bench.lock .venv/bin/python benchmarks/bench_refresh.py DB [--full]
    .venv/bin/python benchmarks/bench_refresh.py DB --full --snapshot DIR   # before a change
    .venv/bin/python benchmarks/bench_refresh.py DB --full --check DIR      # after it

DB is copied first (to --scratch, default next to it with a .bench suffix), so each run starts
from the same state: a database with a bill loaded but not refreshed (a first load, what
`aifinops ingest` refreshes after) or a refreshed one with --full. --snapshot writes every
rollup table to Parquet with doubles rounded to 1e-6; --check compares the refreshed tables with
such a snapshot, EXCEPT ALL both ways, and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from aifinops.analysis.refresh import ROLLUP_TABLES, refresh  # noqa: E402
from aifinops.config import load_settings  # noqa: E402
from aifinops.store import open_store  # noqa: E402

# refresh_state holds a timestamp per row; rollup_state's refreshed_at differs run to run.
COMPARED = tuple(t for t in ROLLUP_TABLES if t not in ("refresh_state",))
VOLATILE = {"rollup_state": "refreshed_at", "refresh_state": "updated_at"}


def rounded(conn: duckdb.DuckDBPyConnection, table: str) -> str:
    """SELECT of `table` with doubles rounded to 1e-6 (sums may differ in the last bits)."""
    cols = conn.execute("select column_name, data_type from information_schema.columns "
                        "where table_name = ? order by ordinal_position", [table]).fetchall()
    parts = [f"round({name}, 6) as {name}" if kind == "DOUBLE" else name
             for name, kind in cols if name != VOLATILE.get(table)]
    return f"select {', '.join(parts)} from {table}"


def snapshot(conn: duckdb.DuckDBPyConnection, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for table in COMPARED:
        conn.execute(f"copy ({rounded(conn, table)}) to '{out / table}.parquet'")


def check(conn: duckdb.DuckDBPyConnection, snap: Path) -> bool:
    same = True
    for table in COMPARED:
        query = rounded(conn, table)
        old = f"read_parquet('{snap / table}.parquet')"
        row = conn.execute(f"select (select count(*) from ({query} except all select * from {old})),"
                           f" (select count(*) from (select * from {old} except all {query})),"
                           f" (select count(*) from {table})").fetchone()
        assert row is not None
        extra, missing, n = row
        verdict = "ok" if not extra and not missing else f"DIFFERS: +{extra} -{missing}"
        print(f"  {table:24} {n:>10} rows  {verdict}")
        same = same and not extra and not missing
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--scratch", type=Path)
    parser.add_argument("--memory-limit", default=None, help="default: the settings' (1GB)")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("--check", type=Path)
    args = parser.parse_args()

    scratch = args.scratch or args.db.with_suffix(".bench.duckdb")
    shutil.copyfile(args.db, scratch)
    settings = load_settings(db=scratch)
    if args.memory_limit:
        settings = replace(settings, memory_limit=args.memory_limit)
    if args.threads:
        settings = replace(settings, threads=args.threads)
    ok = True
    try:
        with open_store(settings) as store:
            report = refresh(store, settings, full=args.full)
            for name, seconds in report.steps.items():
                print(f"  {name:48} {seconds:7.2f} s")
            print(f"  {'refresh':48} {report.seconds:7.2f} s   touched {json.dumps(report.touched)}"
                  f"   peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
            if args.snapshot:
                snapshot(store.conn, args.snapshot)
            if args.check:
                ok = check(store.conn, args.check)
    finally:
        scratch.unlink(missing_ok=True)
        scratch.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
