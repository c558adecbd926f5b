"""How long the recommendation rules and the engine take on a growing demo world.

    python benchmarks/bench_rules.py                  # scale 1 and 20
    python benchmarks/bench_rules.py --scale 1 50 200

For each scale it writes the demo bill with every EC2 host and SageMaker endpoint cloned `scale`
times (benchmarks/make_world.py's generator), ingests and refreshes it into a fresh database,
gives every billed GPU instance a host in `gpu_hosts` and an hour of `gpu_hourly` per GPU for
every billed hour (hash-varied activity, so idle, oversized and fleet rules have work to do),
then times each rule alone and two full engine runs (the first opens everything, the second
merges with what the first stored). Prints one line per rule and per run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from aifinops.analysis.recommend import data_as_of, run_recommendations
from aifinops.analysis.refresh import refresh
from aifinops.analysis.rules import set_variables, shipped_rules, thresholds
from aifinops.config import load_settings
from aifinops.demo import cur_gen
from aifinops.demo.build import sample_data_root
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.store import open_store, transaction

# Synthetic telemetry for every billed GPU instance: activity varies by instance and hour; a
# tenth of instances idle, a fifth low and flat, the rest busy by day.
TELEMETRY = """
INSERT INTO gpu_hosts (host, instance_id, provider, source, updated_at)
SELECT DISTINCT ResourceId, ResourceId, 'aws', 'config', now()
FROM cost_hourly_rollup WHERE ResourceId LIKE 'i-%';

INSERT INTO gpu_hourly (host, gpu_uuid, hour, gpu_index, samples, observed_seconds, coverage,
    util_mean_pct, util_max_pct, activity_mean_pct, activity_max_pct, activity_signal,
    idle_seconds, idle_util_pct, mem_used_mean_mib, mem_used_max_mib, mem_total_mib, raw_kept,
    load_id, updated_at)
WITH h AS (
    SELECT DISTINCT ResourceId AS host, hour, greatest(x_gpu_count, 1) AS gpus,
           hash(ResourceId) % 10 AS kind
    FROM cost_hourly_rollup WHERE ResourceId LIKE 'i-%'
), g AS (
    SELECT h.*, unnest(range(h.gpus)) AS gpu FROM h
), a AS (
    SELECT *, CASE WHEN kind = 0 THEN 0.5
                   WHEN kind IN (1, 2) THEN 10 + (hash(host, hour, gpu) % 10)
                   WHEN hour(hour) BETWEEN 9 AND 18 THEN 60 + (hash(host, hour, gpu) % 40)
                   ELSE (hash(host, hour, gpu) % 20) END AS act
    FROM g
)
SELECT host, host || '-gpu' || gpu, hour, gpu, 60, 3600, 1.0, act, act, act, act,
       'utilization_gpu', CASE WHEN act < 5 THEN 3600 ELSE 0 END, 5.0,
       12000 + 100 * gpu, 14000 + 100 * gpu, 24576, true, 0, now()
FROM a;
"""


def bench(scale: int, work: Path) -> None:
    folder = work / f"scale-{scale}"
    if folder.exists():
        shutil.rmtree(folder)
    bill = folder / "cur2"
    t0 = time.perf_counter()
    cur_gen.write_cur2(bill, scale=scale)
    settings = load_settings(db=folder / "bench.duckdb", config=sample_data_root() / "aifinops.toml")
    with open_store(settings) as store:
        ingest_aws_cur(store, str(bill), settings=settings)
        refresh(store, settings)
        with transaction(store.conn):
            store.conn.execute(TELEMETRY)
        rows = store.conn.execute("select count(*) from focus_costs").fetchone()
        gpu_rows = store.conn.execute("select count(*) from gpu_hourly").fetchone()
        assert rows is not None and gpu_rows is not None
        print(f"scale={scale} cost_rows={rows[0]:,} gpu_hourly_rows={gpu_rows[0]:,} "
              f"setup_s={time.perf_counter() - t0:.1f}")
        conn = store.conn
        set_variables(conn, thresholds(settings), data_as_of(conn))
        for rule in shipped_rules():
            t = time.perf_counter()
            found = conn.execute(f"select count(*) from ({rule.sql().strip().rstrip(';')})").fetchone()
            assert found is not None
            print(f"  rule {rule.name:<20} candidates={found[0]:>6} "
                  f"seconds={time.perf_counter() - t:.3f}")
        for label in ("first run", "second run"):
            t = time.perf_counter()
            report = run_recommendations(store, settings)
            print(f"  engine {label:<12} candidates={report.candidates} opened={report.opened} "
                  f"failed={len(report.rules_failed)} seconds={time.perf_counter() - t:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--work", type=Path, default=None,
                        help="scratch folder (default: a temporary one, removed afterwards)")
    args = parser.parse_args(argv)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        for scale in args.scale:
            bench(scale, args.work)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scale:
            bench(scale, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
