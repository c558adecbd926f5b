"""Launch-to-first-overview and drill-down times of the TUI, measured with Pilot.

    .venv/bin/python benchmarks/bench_tui.py --db /tmp/demo.duckdb          # any database
    .venv/bin/python benchmarks/bench_tui.py --build bench-data/cur2-10m   # build one first
    .venv/bin/python benchmarks/bench_tui.py --db bench-data/tui-10m.duckdb --runs 3 --json out.json

Each run is a fresh Python process (cold imports, a cold DuckDB buffer pool), which:

1. starts the clock, imports the app, builds it with `make_app` (the CLI's factory) and runs it
   headless at 160×48 with Pilot;
2. records `launch → overview`: from process start to the first overview drawn (its worker's
   `DataLoaded` handled), and to the overview complete (its second, GPU part drawn too);
3. drills down as a user would, timing each step from the key press until the new screen has
   drawn — first what it draws at once (costs), then complete (GPU columns and charts): Models
   (2), the top model (enter), its top GPU resource (enter), back, Idle resources (3), the top
   idle resource (enter), Recommendations (4), the top one (enter), the overview again, and
   the overview re-filtered to month to date (a re-query);
4. reports peak RSS (`ru_maxrss`).

`--build FOLDER` ingests a CUR export folder (e.g. from `benchmarks/make_world.py --rows
10000000`) into `bench-data/tui-<name>.duckdb`, refreshes the rollups, adds hourly GPU telemetry
for every billed GPU resource when the bill has none (the TUI reads the `gpu_hourly` rollup, never
raw samples, so one row per GPU-hour is what matters; a fifth of the hosts sit idle) and runs the
recommendation engine — then measures it.

Targets (issue 6): first screen under 1.5 s, each drill-down under 300 ms, memory under 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 48)
TARGETS = {"launch_to_overview_s": 1.5, "drill_down_s": 0.3, "peak_rss_mib": 1024}

SYNTHETIC_TELEMETRY = """
INSERT INTO gpu_hosts (host, instance_id, provider, source, updated_at)
SELECT 'bench-' || r.ResourceId, r.ResourceId, 'aws', 'config', now()
FROM (SELECT DISTINCT ResourceId FROM cost_hourly_rollup) AS r
ON CONFLICT DO NOTHING;

INSERT INTO gpu_hourly
WITH hours AS (
    SELECT ResourceId, hour, greatest(1, max(coalesce(x_gpu_count, 1))) AS gpus,
           hash(ResourceId) % 5 = 0 AS idle_host
    FROM cost_hourly_rollup GROUP BY ALL
), util AS (
    SELECT h.*, g.i,
           CASE WHEN idle_host THEN 0.5
                WHEN hour(h.hour) BETWEEN 9 AND 21 THEN 70 + hash(h.hour, g.i) % 25
                ELSE 20 + hash(h.hour, g.i) % 15 END AS pct
    FROM hours AS h, range(8) AS g(i)
    WHERE g.i < h.gpus
)
SELECT 'bench-' || ResourceId, 'GPU-' || md5(ResourceId || '/' || i), hour, 'NVIDIA GPU', i,
       720, 3600, 1.0, pct, least(100, pct + 10), pct, least(100, pct + 10), 'utilization_gpu',
       CASE WHEN pct < 5 THEN 3600 ELSE 0 END, 5, 20000, 22000, 81920, 300, 400, true, 0, now()
FROM util;
"""


def build(folder: Path, db: Path) -> None:
    """Ingest, refresh, add telemetry if missing, run the recommendation engine."""
    from aifinops.analysis.recommend import run_recommendations
    from aifinops.analysis.refresh import refresh
    from aifinops.config import load_settings
    from aifinops.demo.build import sample_data_root
    from aifinops.ingest.aws_cur import ingest_aws_cur
    from aifinops.store import open_store

    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    settings = load_settings(db=db, config=sample_data_root() / "aifinops.toml")
    steps: list[tuple[str, float]] = []
    with open_store(settings) as store:
        t = time.perf_counter()
        ingest_aws_cur(store, str(folder), settings=settings)
        steps.append(("ingest", time.perf_counter() - t))
        t = time.perf_counter()
        refresh(store, settings)
        steps.append(("refresh", time.perf_counter() - t))
        if not store.conn.execute("select count(*) from gpu_hourly").fetchone()[0]:  # type: ignore[index]
            t = time.perf_counter()
            store.conn.execute(SYNTHETIC_TELEMETRY)
            refresh(store, settings)  # new hosts: their links and GPU days are rolled up
            steps.append(("telemetry", time.perf_counter() - t))
        t = time.perf_counter()
        run_recommendations(store, settings)
        steps.append(("recommendations", time.perf_counter() - t))
        counts = store.conn.execute(
            "select (select count(*) from focus_costs), (select count(*) from gpu_hourly), "
            "(select count(*) from recommendations)").fetchone()
    assert counts is not None
    print(f"built {db}: {counts[0]:,} cost rows, {counts[1]:,} GPU-hours, "
          f"{counts[2]} recommendations; " + ", ".join(f"{n} {s:.1f}s" for n, s in steps))


# ---- one measured run (in a child process) -------------------------------------------------


def child(db: str, started: float) -> dict[str, Any]:
    import asyncio
    import resource

    t_import = time.perf_counter()
    started_perf = t_import - (time.time() - started)  # process start on the perf clock
    from textual.message import Message

    from aifinops.config import load_settings
    from aifinops.tui.app import make_app
    from aifinops.tui.pilot import settle
    from aifinops.tui.screens.base import DataLoaded, DataScreen

    imported = time.perf_counter() - t_import
    results: dict[str, Any] = {"import_s": imported}
    first_draws: list[float] = []

    def hook(message: Message) -> None:
        if isinstance(message, DataLoaded):
            first_draws.append(time.perf_counter())

    async def step(pilot: Any, name: str, *keys: str) -> None:
        first_draws.clear()
        t = time.perf_counter()
        await pilot.press(*keys)
        await settle(pilot, rounds=2000)
        results[name] = time.perf_counter() - t
        if first_draws:
            results[name + "_first"] = first_draws[0] - t
        screen = pilot.app.screen
        if isinstance(screen, DataScreen) and screen.load_seconds is not None:
            results[name + "_query_s"] = screen.load_seconds

    async def run() -> None:
        t_app = time.perf_counter()
        app = make_app(load_settings(db=db), sql_history_path=None)
        async with app.run_test(size=SIZE, message_hook=hook) as pilot:
            await settle(pilot, rounds=2000)
            if app.ctx is None:
                raise RuntimeError(f"the app did not open the database: {app.open_error}")
            results["app_to_overview_s"] = time.perf_counter() - t_app
            results["launch_to_overview_s"] = time.time() - started
            if first_draws:
                results["launch_to_overview_first_s"] = (
                    first_draws[0] - t_app + (t_app - t_import) + (t_import - started_perf))
            screen = app.screen
            if isinstance(screen, DataScreen) and screen.load_seconds is not None:
                results["overview_query_s"] = screen.load_seconds
            await step(pilot, "models", "2")
            await step(pilot, "model_detail", "enter")
            await step(pilot, "resource_from_model", "enter")
            await pilot.press("escape", "escape")
            await step(pilot, "idle", "3")
            await step(pilot, "resource_from_idle", "enter")
            await step(pilot, "recs", "4")
            await step(pilot, "rec_detail", "enter")
            await pilot.press("escape")
            await step(pilot, "overview_again", "1")
            from aifinops.analysis.screens_data import Filters

            assert app.filters is not None
            first_draws.clear()
            t = time.perf_counter()
            app.set_filters(Filters(app.filters.end.replace(day=1), app.filters.end))
            await settle(pilot, rounds=2000)
            results["overview_refilter"] = time.perf_counter() - t
            if first_draws:
                results["overview_refilter_first"] = first_draws[0] - t

    asyncio.run(run())
    results["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def measure(db: Path, runs: int) -> list[dict[str, Any]]:
    out = []
    for n in range(runs):
        code = (f"import json, sys, time; started = time.time(); sys.path.insert(0, {str(ROOT)!r}); "
                "from benchmarks.bench_tui import child; "
                f"print('RESULT ' + json.dumps(child({str(db)!r}, started)))")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=ROOT, env={**os.environ, "TEXTUAL": ""})
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode or line is None:
            sys.exit(f"run {n + 1} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        out.append(json.loads(line[len("RESULT "):]))
    return out


DRILLS = ("models", "model_detail", "resource_from_model", "idle", "resource_from_idle", "recs",
          "rec_detail", "overview_again", "overview_refilter")


def report(db: Path, results: list[dict[str, Any]]) -> None:
    size = db.stat().st_size / 2**20
    print(f"\n{db} ({size:,.0f} MiB), {len(results)} cold run(s), Pilot at {SIZE[0]}×{SIZE[1]}")
    print("medians (max) in seconds; first: the screen's cost part drawn, done: its GPU part too")
    print(f"{'step':<24}{'first':>8}{'(max)':>8}{'done':>8}{'(max)':>8}  target on first")

    def row(name: str, target: float | None, first_key: str | None = None) -> None:
        done = sorted(r[name] for r in results if name in r)
        if not done:
            return
        first = sorted(r[first_key or name + "_first"] for r in results
                       if (first_key or name + "_first") in r) or done

        def med(v: list[float]) -> float:
            return v[len(v) // 2]

        mark = "" if target is None else (f"< {target:g} s " + ("ok" if max(first) < target
                                                                 else "MISSED"))
        print(f"{name:<24}{med(first):8.3f}{max(first):8.3f}{med(done):8.3f}{max(done):8.3f}"
              f"  {mark}")

    row("import_s", None)
    row("launch_to_overview_s", TARGETS["launch_to_overview_s"], "launch_to_overview_first_s")
    for name in DRILLS:
        row(name, TARGETS["drill_down_s"])
    rss = max(r["peak_rss_mib"] for r in results)
    print(f"{'peak RSS':<24}{rss:10.0f} MiB            < {TARGETS['peak_rss_mib']} MiB "
          + ("ok" if rss < TARGETS["peak_rss_mib"] else "MISSED"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="database to measure")
    parser.add_argument("--build", type=Path, metavar="CUR_FOLDER",
                        help="build bench-data/tui-<folder name>.duckdb from this export first")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    args = parser.parse_args(argv)
    db = args.db
    if args.build:
        db = db or ROOT / "bench-data" / f"tui-{args.build.name}.duckdb"
        build(args.build, db)
    if db is None:
        parser.error("give --db, or --build a CUR export folder")
    results = measure(db, args.runs)
    report(db, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
