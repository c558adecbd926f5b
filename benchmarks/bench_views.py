"""How fast the views answer a typical filter on a large bill, warm (median of 5 runs).

    .venv/bin/python benchmarks/bench_views.py --rows 10000000     # builds bench-data/views-10000000
    .venv/bin/python benchmarks/bench_views.py --rows 1000000 --gpu-log bench-data/gpu.csv

It generates the demo world's CUR 2.0 bill at about --rows rows (benchmarks/make_world.py), loads
it with `aifinops ingest aws-cur` (which refreshes the rollups) plus the demo's GPU telemetry
(or a large nvidia-smi log given with --gpu-log, e.g. from benchmarks/bench_nvidia_smi.py), then
times each view the TUI reads with a one-month, one-model (or one-resource) filter. Prints the
rollup sizes too: the views read those, not the raw rows, which is why they stay fast.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

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
    "resource_hourly (one resource)": "select hour, cost, activity_max_pct from resource_hourly "
                                      "where resource_id = 'i-0a1b2c3d4e5f60003' "
                                      "and hour >= '2026-11-01' order by hour",
    "idle_resources": "select * from idle_resources limit 20",
    "spend_forecast": "select * from spend_forecast",
    "tag_coverage": "select * from tag_coverage",
}


def run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=REPO)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=REPO / "bench-data")
    parser.add_argument("--gpu-log", type=Path, help="a large nvidia-smi log to load as well")
    args = parser.parse_args()
    folder = args.data / f"views-{args.rows}"
    db = args.data / f"views-{args.rows}.duckdb"
    cli = [sys.executable, "-m", "aifinops", "--db", str(db), "--quiet"]
    if not db.exists():
        if not folder.exists():
            run([sys.executable, str(HERE / "make_world.py"), "--rows", str(args.rows),
                 "--out", str(folder)])
        print(f"ingest aws-cur: {run([*cli, 'ingest', 'aws-cur', str(folder)]):.1f}s")
        gpu = REPO / "sample_data" / "gpu" / "nvidia-smi"
        print(f"ingest nvidia-smi (demo): {run([*cli, 'ingest', 'nvidia-smi', str(gpu)]):.1f}s")
        if args.gpu_log:
            print(f"ingest nvidia-smi {args.gpu_log}: "
                  f"{run([*cli, 'ingest', 'nvidia-smi', '--host', 'gpu-train-03', str(args.gpu_log)]):.1f}s")
        print(f"refresh: {run([*cli, 'refresh']):.1f}s")

    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    sizes = {t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
             for t in ("focus_costs", "cost_daily_rollup", "cost_hourly_rollup", "gpu_hourly")}
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()))
    print(f"{'view and filter':34} {'median ms':>10} {'max ms':>8}  rows")
    for name, sql in QUERIES.items():
        con.execute(sql).fetchall()  # warm
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            rows = con.execute(sql).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{name:34} {statistics.median(times):10.1f} {max(times):8.1f}  {len(rows)}")


if __name__ == "__main__":
    main()
