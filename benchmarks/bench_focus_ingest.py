"""FOCUS ingest against a plain DuckDB CTAS of the same parquet: rows/s, seconds, peak RSS.

    .venv/bin/python benchmarks/bench_focus_ingest.py [--rows 1000000] [--workdir bench-data]

Generates (once, cached in the work folder) a FOCUS 1.2 parquet file shaped like a provider's
export (typed costs and datetimes, JSON tags, a few x_ columns), then times in fresh
subprocesses, each with its own database file, so peak RSS is one job's alone:

- raw: `CREATE TABLE t AS SELECT * FROM read_parquet(...)`, the floor for getting those bytes
  into DuckDB storage;
- ingest: `aifinops.ingest.focus.ingest_focus` on the same file (lenient reading, coercion
  counts, tag macros, GPU catalog join, the replace-by-period transaction).

Both run with the same memory_limit and threads (aifinops' defaults unless given).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GENERATE = """
COPY (
    SELECT
        round(0.5 + (hash(i) % 10000) / 100.0, 6)                        AS BilledCost,
        round(0.5 + (hash(i) % 10000) / 110.0, 6)                        AS EffectiveCost,
        round(0.5 + (hash(i) % 10000) / 90.0, 6)                         AS ListCost,
        round(0.5 + (hash(i) % 10000) / 100.0, 6)                        AS ContractedCost,
        '1111222233' || (i % 4)                                          AS BillingAccountId,
        'acme-' || (i % 4)                                               AS BillingAccountName,
        'USD'                                                            AS BillingCurrency,
        TIMESTAMPTZ '2026-10-01 00:00:00+00'                             AS BillingPeriodStart,
        TIMESTAMPTZ '2026-11-01 00:00:00+00'                             AS BillingPeriodEnd,
        TIMESTAMPTZ '2026-10-01 00:00:00+00' + to_hours(CAST(i % 744 AS BIGINT)) AS ChargePeriodStart,
        TIMESTAMPTZ '2026-10-01 01:00:00+00' + to_hours(CAST(i % 744 AS BIGINT)) AS ChargePeriodEnd,
        CASE WHEN i % 50 = 0 THEN 'Tax' ELSE 'Usage' END                 AS ChargeCategory,
        NULL::VARCHAR                                                    AS ChargeClass,
        'p5.48xlarge On Demand Linux'                                    AS ChargeDescription,
        CASE WHEN i % 50 = 0 THEN 'Recurring' ELSE 'Usage-Based' END     AS ChargeFrequency,
        CASE WHEN i % 50 = 0 THEN NULL ELSE 'Standard' END               AS PricingCategory,
        1.0                                                              AS PricingQuantity,
        'Hours'                                                          AS PricingUnit,
        1.0                                                              AS ConsumedQuantity,
        'Hours'                                                          AS ConsumedUnit,
        55.04                                                            AS ListUnitPrice,
        55.04                                                            AS ContractedUnitPrice,
        'AWS'                                                            AS ProviderName,
        'Amazon Web Services, Inc.'                                      AS PublisherName,
        'Amazon Web Services, Inc.'                                      AS InvoiceIssuerName,
        'us-east-1'                                                      AS RegionId,
        'US East (N. Virginia)'                                          AS RegionName,
        'us-east-1a'                                                     AS AvailabilityZone,
        'i-' || lpad(CAST(i % 5000 AS VARCHAR), 17, '0')                 AS ResourceId,
        'gpu-' || (i % 5000)                                             AS ResourceName,
        'Instance'                                                       AS ResourceType,
        'Compute'                                                        AS ServiceCategory,
        'Virtual Machines'                                               AS ServiceSubcategory,
        'Amazon Elastic Compute Cloud'                                   AS ServiceName,
        'SKU' || (i % 300)                                               AS SkuId,
        'SKU' || (i % 300) || '.JRTCKXETXF'                              AS SkuPriceId,
        '2100000000' || (i % 20)                                         AS SubAccountId,
        'team-' || (i % 20)                                              AS SubAccountName,
        '{"user_model":"model-' || (i % 12) || '","user_team":"team-' || (i % 5) || '"}' AS Tags,
        'USE1-BoxUsage:' || (['p5.48xlarge', 'p4d.24xlarge', 'g5.2xlarge', 'm7i.large'])[1 + i % 4]
                                                                         AS x_UsageType,
        'RunInstances'                                                   AS x_Operation,
        'AmazonEC2'                                                      AS x_ServiceCode
    FROM range(@ROWS@) AS t(i)
) TO '@PATH@' (FORMAT parquet, COMPRESSION zstd)
"""

RAW_JOB = """
import duckdb, json, sys, time
db, path, memory, threads = sys.argv[1:5]
conn = duckdb.connect(db)
conn.execute(f"SET memory_limit = '{memory}'")
if threads != "0":
    conn.execute(f"SET threads = {threads}")
conn.execute("SET preserve_insertion_order = false")
t0 = time.perf_counter()
conn.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')")
conn.execute("CHECKPOINT")
seconds = time.perf_counter() - t0
rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]
print(json.dumps({"seconds": seconds, "rows": rows}))
"""

INGEST_JOB = """
import json, sys, time
sys.path.insert(0, sys.argv[5])
from aifinops.config import load_settings
from aifinops.ingest.focus import ingest_focus
from aifinops.store import open_store
db, path, memory, threads = sys.argv[1:5]
settings = load_settings(db=db)
settings.memory_limit = memory
settings.threads = int(threads) or None
with open_store(settings) as store:
    t0 = time.perf_counter()
    report = ingest_focus(store, path, settings=settings)
    store.conn.execute("CHECKPOINT")
    seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "rows": report.rows,
                  "coercions": [c.describe() for c in report.coercions],
                  "notes": report.notes}))
"""


# Runs one job in a grandchild and reports the grandchild's peak RSS: RUSAGE_CHILDREN of a
# long-lived parent would hold the maximum over every job run so far.
WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], capture_output=True,
                      text=True)
sys.stderr.write(done.stderr)
if done.returncode:
    sys.exit(done.returncode)
out = json.loads(done.stdout.strip().splitlines()[-1])
out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def run_job(code: str, *args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", WRAPPER, code, *args], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-data" / "focus")
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--threads", type=int, default=0, help="0: DuckDB's default")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import duckdb

    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"focus-{args.rows}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        duckdb.execute(GENERATE.replace("@ROWS@", str(args.rows)).replace("@PATH@", str(path)))
        print(f"generated {path} ({path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - t0:.1f}s")
    results: dict[str, list[dict[str, object]]] = {"raw": [], "ingest": []}
    for attempt in range(args.repeat):
        for name, code in (("raw", RAW_JOB), ("ingest", INGEST_JOB)):
            db = args.workdir / f"{name}-{attempt}.duckdb"
            for suffix in ("", ".wal"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            result = run_job(code, str(db), str(path), args.memory_limit, str(args.threads),
                             str(ROOT))
            result["db_mib"] = round(db.stat().st_size / 2**20, 1)
            results[name].append(result)
            for suffix in ("", ".wal"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    best = {name: min(runs, key=lambda r: float(str(r["seconds"]))) for name, runs in
            results.items()}
    print(f"FOCUS parquet: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, "
          f"memory_limit {args.memory_limit}, threads {args.threads or 'default'}, "
          f"best of {args.repeat}")
    for name in ("raw", "ingest"):
        r = best[name]
        seconds = float(str(r["seconds"]))
        print(f"  {name:7s} {seconds:7.2f} s  {args.rows / seconds:>12,.0f} rows/s  "
              f"peak RSS {r['peak_rss_mib']:>7} MiB  db {r['db_mib']} MiB")
    ratio = float(str(best["ingest"]["seconds"])) / float(str(best["raw"]["seconds"]))
    print(f"  ingest / raw: {ratio:.2f}x the time")
    coercions = best["ingest"].get("coercions")
    for line in coercions if isinstance(coercions, list) else []:
        print(f"  coerced: {line}")


if __name__ == "__main__":
    main()
