"""How long a report takes on a large database, and what it costs in memory.

    .venv/bin/python benchmarks/bench_report.py                                  # the demo world
    .venv/bin/python benchmarks/bench_report.py --db bench-data/views-10000000.duckdb

Works on a copy of --db (bench-data/report-<name>.duckdb, migrated to the current schema), so
the source database is never changed. Each step runs in a fresh process that reports its peak
RSS (ru_maxrss of the child):

- `raw`: plain DuckDB over focus_costs — effective cost of the report's month by provider, by
  service and by team tag, and per day — the floor for "sum this month's bill";
- `build`: `build_report` (every section: providers, services, models, teams, idle GPU waste,
  budgets, recommendations, what changed) through the views;
- `all formats`: build plus writing Markdown, HTML, CSV and JSON.

Prints rows in the bill, seconds, peak RSS and each time as a multiple of `raw`.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

RAW_SQL = """
with m as (
    select * from focus_costs
    where ChargePeriodStart >= $start and ChargePeriodStart < $end
)
select (select count(*) from m),
       (select list(x) from (select ProviderName, sum(EffectiveCost) x from m group by 1)),
       (select list(x) from (select ServiceName, sum(EffectiveCost) x from m group by 1)),
       (select list(x) from (select Tags['team'], sum(EffectiveCost) x from m group by 1)),
       (select list(x) from (select ChargePeriodStart::date, sum(EffectiveCost) x from m
                             group by 1))
"""


def child(step: str, db: str, period: str | None, out: str) -> dict[str, Any]:
    """One measured step, in this (fresh) process."""
    from aifinops.config import load_settings
    from aifinops.reports.data import build_report, data_as_of
    from aifinops.reports.period import parse_period
    from aifinops.reports.write import write_files
    from aifinops.store import open_store

    settings = load_settings(db=db, config=REPO / "sample_data" / "aifinops.toml")
    started = time.perf_counter()
    with open_store(settings, read_only=True) as store:
        cur = store.cursor()
        span = parse_period(period, data_as_of(cur))
        if step == "raw":
            row = cur.execute(RAW_SQL, {"start": span.start, "end": span.end}).fetchone()
            rows = row[0] if row else 0
        else:
            data = build_report(cur, settings, period=period)
            rows = int(data.totals["days_with_data"])
            if step == "all formats":
                write_files(data, ["md", "html", "csv", "json"], Path(out))
    seconds = time.perf_counter() - started
    return {"step": step, "seconds": seconds, "peak_bytes": peak_rss(), "rows": rows,
            "period": span.label}


def peak_rss() -> int:
    """VmHWM of this process: ru_maxrss would report the parent's peak when that was larger
    (Linux carries it across fork and exec), and the parent has just refreshed a big copy."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(step: str, db: Path, period: str | None, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", step, "--db", str(db), "--out", str(out)]
    if period:
        cmd += ["--period", period]
    wall = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - wall
    return result


def prepare(db: Path | None, fresh: bool) -> Path:
    """A migrated copy of --db (kept for the next run unless `fresh`), or the demo world."""
    from aifinops.analysis.refresh import refresh
    from aifinops.config import load_settings
    from aifinops.demo.build import build_demo
    from aifinops.store import open_store

    data = REPO / "bench-data"
    data.mkdir(exist_ok=True)
    config = REPO / "sample_data" / "aifinops.toml"
    if db is None:
        target = data / "report-demo.duckdb"
        build_demo(load_settings(db=target, config=config))
        return target
    target = data / f"report-{db.stem}.duckdb"
    if target.exists() and not fresh and target.stat().st_mtime > db.stat().st_mtime:
        return target
    shutil.copy(db, target)
    settings = load_settings(db=target, config=config)
    with open_store(settings) as store:  # applies the migrations this checkout has
        refresh(store, settings)  # an upgrade can leave rollups to rebuild
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="database to report on (default: the demo)")
    parser.add_argument("--period", help="report period (default: the latest month)")
    parser.add_argument("--out", type=Path, default=None, help="where report files go")
    parser.add_argument("--fresh", action="store_true", help="copy --db again even if a copy "
                        "newer than it is in bench-data/")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, str(args.db), args.period, str(args.out))))
        return
    db = prepare(args.db, args.fresh)
    out = args.out or Path(tempfile.mkdtemp(prefix="aifinops-report-"))
    with __import__("duckdb").connect(str(db), read_only=True) as conn:
        bill_rows = conn.execute("select count(*) from focus_costs").fetchone()[0]
    print(f"database {db} ({db.stat().st_size / 2**20:,.0f} MiB, {bill_rows:,} cost rows)")
    print(f"{'step':<12} {'period':<9} {'seconds':>8} {'peak RSS':>10} {'vs raw':>8}")
    raw_seconds = None
    for step in ("raw", "build", "all formats"):
        r = measure(step, db, args.period, out)
        raw_seconds = raw_seconds or r["seconds"]
        ratio = "" if step == "raw" else f"{r['seconds'] / raw_seconds:.2f}x"
        print(f"{step:<12} {r['period']:<9} {r['seconds']:>8.2f} "
              f"{r['peak_bytes'] / 2**20:>7,.0f} MiB {ratio:>8}")
    print(f"files in {out}")


if __name__ == "__main__":
    main()
