"""How fast the views answer a typical filter on a large bill plus tens of millions of GPU
samples, warm (median of 5 runs), and what refresh costs, full and incremental.

    .venv/bin/python benchmarks/bench_views.py --rows 10000000 --gpu-samples 50000000
    .venv/bin/python benchmarks/bench_views.py --rows 1000000 --gpu-samples 0      # bill only

Builds (or reuses) bench-data/views-<rows>-s<samples>.duckdb: the demo world's CUR 2.0 bill at
about --rows rows (benchmarks/make_world.py, `aifinops ingest aws-cur`, which refreshes), the
demo's nvidia-smi logs, then about --gpu-samples synthetic samples: one host per billed GPU
resource, every GPU sampled every --interval seconds over the hours it was billed, written
straight into gpu_samples one week per load and rolled up by the ingest's own GpuLoad.finish()
(gpu_hourly, retention pruning) — so the rollups are what an ingest of those logs would leave.

Then, each in a fresh process that reports its peak RSS (ru_maxrss):

- `refresh` after the GPU loads (every new host-day folded in), `refresh --full`, a refresh
  after one billing period is restated (a new `loads` row for 2026-10, as a re-ingest of the
  same files writes), a refresh after a one-hour GPU load on one host, and a no-op refresh;
- each view the app reads with a one-month, one-model (or one-resource) filter, warm.

The database is opened with memory_limit --memory-limit (default 768MB) for every step.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

QUERIES = {
    "cost_daily (month, model)": "select service, sum(cost) from cost_daily where month = '2026-11' "
                                 "and model = 'llama-ft-70b' group by all",
    "team_cost (month)": "select team, sum(cost) from team_cost where month = '2026-11' group by all",
    "model_cost (month)": "select model, sum(cost), sum(idle_cost), sum(busy_gpu_hours) "
                          "from model_cost where month = '2026-11' group by all",
    "model_cost (month, model)": "select day, cost, idle_cost from model_cost "
                                 "where month = '2026-11' and model = 'llama-ft-70b'",
    "resource_gpu_daily (one resource)": "select day, busy_gpu_hours, idle_gpu_hours "
                                         "from resource_gpu_daily "
                                         "where resource_id = 'i-0a1b2c3d4e5f60003' "
                                         "and day >= '2026-11-01' order by day",
    "resource_hourly (one resource)": "select hour, cost, activity_max_pct from resource_hourly "
                                      "where resource_id = 'i-0a1b2c3d4e5f60003' "
                                      "and hour >= '2026-11-01' order by hour",
    "resource_hourly (month, idle)": "select resource_id, count(*), sum(cost) from resource_hourly "
                                     "where hour >= '2026-11-01' and is_idle group by all",
    "idle_resources": "select * from idle_resources limit 20",
    "spend_forecast": "select * from spend_forecast",
    "tag_coverage": "select * from tag_coverage",
    "resource_model_share (month)": "select model, sum(share) from resource_model_share "
                                    "where day >= '2026-11-01' group by all",
}
SIZES = ("focus_costs", "gpu_samples", "gpu_hourly", "cost_daily_rollup", "cost_hourly_rollup",
         "cost_daily_attributed", "gpu_host_daily", "resource_hourly_rollup",
         "resource_daily_rollup", "model_cost_daily")
WEEK = timedelta(days=7)


def run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=REPO)
    return time.perf_counter() - t0


def step(db: Path, name: str, memory_limit: str, **options: Any) -> dict[str, Any]:
    """Run one step in a fresh process; return what it printed (JSON) plus its peak RSS."""
    call = f"child({str(db)!r}, {name!r}, {memory_limit!r}, {options!r})"
    code = (f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
            f"from benchmarks.bench_views import child; print('RESULT ' + json.dumps({call}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        sys.exit(f"step {name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(line[len("RESULT "):])
    return result


def child(db: str, name: str, memory_limit: str, options: dict[str, Any]) -> dict[str, Any]:
    import resource

    from aifinops.config import load_settings

    settings = replace(load_settings(db=Path(db)), memory_limit=memory_limit)
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    if name == "views":
        out = time_views(settings)
    elif name == "gpu":
        out = load_gpu(settings, int(options["samples"]), int(options["interval"]))
    else:
        out = do_refresh(settings, name)
    out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def do_refresh(settings: Any, name: str) -> dict[str, Any]:
    from aifinops.analysis.refresh import refresh
    from aifinops.ingest.gpu_load import GpuLoad, GpuSettings
    from aifinops.store import open_store, transaction

    with open_store(settings) as store:
        conn = store.conn
        if name == "refresh-restated":
            conn.execute("insert into loads (load_id, source, source_key, unit, uri, "
                         "billing_period, started_at, outcome) select nextval('load_id_seq'), "
                         "source, source_key, unit, uri, billing_period, now(), 'replaced' "
                         "from loads where billing_period = '2026-10' limit 1")
        if name == "refresh-gpu-hour":
            with transaction(conn):
                load = GpuLoad(conn, GpuSettings.from_settings(settings), "bench", "bench://",
                               "bench")
                start = datetime(2026, 11, 20, 10, tzinfo=UTC)
                set_range(conn, start, start + timedelta(hours=1), 60)
                conn.execute(  # this step's samples from an earlier run: replaced, not doubled
                    "delete from gpu_samples where source = 'bench' and interval_s = 60 "
                    "and ts >= getvariable('bench_from') and ts < getvariable('bench_to')")
                conn.execute(
                    (HERE / "sql" / "bench_gpu_samples.sql").read_text()
                    .replace("FROM bench_gpu_fleet AS f,",
                             "FROM (SELECT * FROM bench_gpu_fleet ORDER BY host LIMIT 1) AS f,"))
                load.finish()
                load.record()
        report = refresh(store, settings, full=name == "refresh-full")
    return {"rebuilt": len(report.rebuilt), "touched": report.touched,
            "steps": {k: round(v, 2) for k, v in report.steps.items()},
            "refresh_s": report.seconds}


def set_range(conn: Any, start: datetime, end: datetime, interval: int) -> None:
    conn.execute("set variable bench_from = ?::TIMESTAMPTZ", [start])
    conn.execute("set variable bench_to = ?::TIMESTAMPTZ", [end])
    conn.execute("set variable bench_interval_s = ?::BIGINT", [interval])


def load_gpu(settings: Any, samples: int, interval: int) -> dict[str, Any]:
    """Synthetic telemetry for the whole GPU fleet, a week per load, through GpuLoad.finish()."""
    from aifinops.ingest.gpu_load import GpuLoad, GpuSettings
    from aifinops.store import open_store, transaction

    fleet_sql = (HERE / "sql" / "bench_gpu_fleet.sql").read_text()
    samples_sql = (HERE / "sql" / "bench_gpu_samples.sql").read_text()
    loaded = 0
    loads = 0
    with open_store(settings) as store:
        conn = store.conn
        conn.execute("set preserve_insertion_order = false")
        conn.execute(fleet_sql)
        row = conn.execute("select min(first_hour), max(end_hour) from bench_gpu_fleet").fetchone()
        assert row is not None
        start, end = row
        gpu = GpuSettings.from_settings(settings, now=end)
        t = start
        while t < end and loaded < samples:
            with transaction(conn):
                load = GpuLoad(conn, gpu, "bench", f"bench://{t:%Y-%m-%d}", "bench")
                set_range(conn, t, min(end, t + WEEK), interval)
                conn.execute(samples_sql)
                got = conn.execute("select count(*) from gpu_samples where load_id = "
                                   "getvariable('gpu_load_id')").fetchone()
                load.report.samples_loaded = int(got[0]) if got else 0
                load.report.rows_read = load.report.samples_loaded
                load.finish()
                load.record()
            loaded += load.report.samples_loaded
            loads += 1
            print(f"  GPU load {loads}: {t:%Y-%m-%d} +7 d, {load.report.samples_loaded:,} samples",
                  file=sys.stderr, flush=True)
            t += WEEK
    return {"samples": loaded, "loads": loads}


def time_views(settings: Any) -> dict[str, Any]:
    from aifinops.store import open_store

    with open_store(settings, read_only=True) as store:
        con = store.cursor()
        sizes = {t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
                 for t in SIZES}
        times: dict[str, Any] = {}
        for name, sql in QUERIES.items():
            con.execute(sql).fetchall()  # warm
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                rows = con.execute(sql).fetchall()
                runs.append((time.perf_counter() - t0) * 1000)
            times[name] = (statistics.median(runs), max(runs), len(rows))
    return {"sizes": sizes, "times": times}


def has_fleet(db: Path) -> bool:
    """Whether the synthetic GPU fleet was loaded already (its table is there)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return bool(con.execute("select count(*) from information_schema.tables "
                                "where table_name = 'bench_gpu_fleet'").fetchone()[0])  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gpu-samples", type=int, default=50_000_000)
    parser.add_argument("--interval", type=int, default=2400,
                        help="seconds between a GPU's samples (default 2400: ~50M samples for "
                             "the 10M-row bill's ~32,000 GPUs over two months)")
    parser.add_argument("--data", type=Path, default=REPO / "bench-data")
    parser.add_argument("--memory-limit", default="768MB")
    parser.add_argument("--skip-refresh", action="store_true", help="only time the views")
    args = parser.parse_args()
    folder = args.data / f"views-{args.rows}"
    db = args.data / f"views-{args.rows}-s{args.gpu_samples}.duckdb"
    cli = [sys.executable, "-m", "aifinops", "--db", str(db), "--quiet"]
    env_note = f"memory_limit {args.memory_limit}, {os.cpu_count()} CPUs (shared box)"
    print(f"{db}: {env_note}")
    if not db.exists():
        if not folder.exists():
            run([sys.executable, str(HERE / "make_world.py"), "--rows", str(args.rows),
                 "--out", str(folder)])
        print(f"ingest aws-cur: {run([*cli, 'ingest', 'aws-cur', str(folder)]):.1f}s")
        gpu = REPO / "sample_data" / "gpu" / "nvidia-smi"
        print(f"ingest nvidia-smi (demo): {run([*cli, 'ingest', 'nvidia-smi', str(gpu)]):.1f}s")
    if args.gpu_samples and not has_fleet(db):
        r = step(db, "gpu", args.memory_limit, samples=args.gpu_samples, interval=args.interval)
        print(f"GPU samples: {r['samples']:,} in {r['loads']} loads, {r['seconds']:.1f}s, "
              f"peak {r['peak_rss_mib']:.0f} MiB")
    if not args.skip_refresh:
        print(f"{'refresh':28} {'seconds':>8} {'peak MiB':>9}  touched / steps")
        for name in ("refresh", "refresh-full", "refresh-restated", "refresh-gpu-hour",
                     "refresh-noop"):
            r = step(db, name, args.memory_limit)
            print(f"{name:28} {r['refresh_s']:8.1f} {r['peak_rss_mib']:9.0f}  "
                  f"periods {r['rebuilt']}, {r['touched']}\n{'':48}{r['steps']}")
    r = step(db, "views", args.memory_limit)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in r["sizes"].items()))
    print(f"{'view and filter':36} {'median ms':>10} {'max ms':>8}  rows")
    for name, (median, worst, rows) in r["times"].items():
        mark = "" if median < 200 else "  > 200 ms"
        print(f"{name:36} {median:10.1f} {worst:8.1f}  {rows}{mark}")
    print(f"views process peak RSS {r['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
