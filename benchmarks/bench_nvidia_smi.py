"""nvidia-smi log ingest speed: our `ingest nvidia-smi` beside a raw DuckDB `read_csv`.

Generates a `--query-gpu` log in nvidia-smi's exact format (8 GPUs, one row per GPU per second,
5 million rows ≈ a week by default), then times, each in its own subprocess so peak memory is
its own: (1) raw: `CREATE TABLE AS SELECT * FROM read_csv(file)` into a fresh database file;
(2) ours: `ingest_nvidia_smi` into a fresh aifinops database (gpu_samples + gpu_hourly, with the
checks, dedupe and skip report). Targets (issue 3): ours ≥ 1/3 of the raw rate, peak < 1.5 GiB.

    python benchmarks/bench_nvidia_smi.py [--rows 5000000] [--gpus 8] [--dir /tmp/x] [--keep]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADER = ("timestamp, index, uuid, name, pci.bus_id, utilization.gpu [%], utilization.memory [%], "
          "memory.used [MiB], memory.total [MiB], power.draw [W], power.limit [W], "
          "temperature.gpu, clocks.current.sm [MHz]")
START = datetime(2026, 11, 20, tzinfo=UTC)
TARGET_RATIO = 1 / 3
TARGET_PEAK_MIB = 1.5 * 1024


def generate(path: Path, rows: int, gpus: int) -> None:
    """Write the log with DuckDB (a Python loop would take minutes for 5M rows)."""
    import duckdb

    seconds = rows // gpus
    line = (
        "strftime(TIMESTAMP '2026-11-20 00:00:00' + to_seconds(s) + to_milliseconds(g * 3), "
        "'%Y/%m/%d %H:%M:%S.%g') || ', ' || g || ', GPU-' || md5('bench' || g)[1:8] || "
        "'-1111-2222-3333-' || md5('bench' || g)[9:20] || ', NVIDIA H100 80GB HBM3, 00000000:' "
        "|| printf('%02X', 16 + g) || ':00.0, ' || (hash(s * 8 + g) % 101) || ' %, ' || "
        "(hash(s * 8 + g + 1) % 60) || ' %, ' || (hash(s * 8 + g) % 81000) || ' MiB, 81559 MiB, ' "
        "|| printf('%.2f', 70 + (hash(s * 8 + g) % 63000) / 100.0) || ' W, 700.00 W, ' || "
        "(30 + hash(s) % 50) || ', 1980 MHz'"
    )
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT '{HEADER}' AS line UNION ALL (SELECT {line} FROM range({seconds}) a(s), "
        f"range({gpus}) b(g) ORDER BY s, g)) TO '{path}' "
        "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')"
    )


def child(mode: str, log: Path, db: Path, last: datetime) -> dict[str, float]:
    from aifinops.config import Settings
    from aifinops.store import open_store

    settings = Settings(db_path=db)
    store = open_store(settings)  # same settings (memory_limit, threads, TimeZone) for both
    started = time.perf_counter()
    if mode == "raw":
        store.conn.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{log}')")
        row = store.conn.execute("SELECT count(*) FROM raw").fetchone()
        rows = int(row[0]) if row else 0
    else:
        from aifinops.ingest.gpu_load import GpuSettings
        from aifinops.ingest.nvidia_smi import NvidiaSmiOptions, ingest_nvidia_smi

        gpu = GpuSettings(now=last + timedelta(hours=1))  # keep every raw sample (worst case)
        report = ingest_nvidia_smi(store, log, gpu, NvidiaSmiOptions(host="bench-01"))
        rows = report.rows_loaded
    seconds = time.perf_counter() - started
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": seconds, "peak_mib": peak}


def run_child(mode: str, log: Path, db: Path, last: datetime) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(log), str(db), last.isoformat()],
        check=True, capture_output=True, text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--gpus", type=int, default=8)
    parser.add_argument("--dir", type=Path, help="work folder (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the log and databases")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, log, db, last = args.child
        print(json.dumps(child(mode, Path(log), Path(db), datetime.fromisoformat(last))))
        return
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-nvsmi-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench-01.csv"
    started = time.perf_counter()
    generate(log, args.rows, args.gpus)
    last = START + timedelta(seconds=args.rows // args.gpus)
    size = log.stat().st_size
    print(f"log: {log} ({args.rows:,} rows, {args.gpus} GPUs, {size / 2**20:,.0f} MiB, "
          f"generated in {time.perf_counter() - started:.1f} s)")
    results = {}
    for mode in ("raw", "ours"):
        db = work / f"{mode}.duckdb"
        for suffix in ("", ".wal"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        results[mode] = run_child(mode, log, db, last)
        r = results[mode]
        print(f"{mode:>4}: {r['rows']:>12,.0f} rows  {r['seconds']:7.2f} s  "
              f"{r['rows'] / r['seconds']:>12,.0f} rows/s  peak {r['peak_mib']:,.0f} MiB")
    ratio = (results["ours"]["rows"] / results["ours"]["seconds"]) / (
        results["raw"]["rows"] / results["raw"]["seconds"])
    peak = results["ours"]["peak_mib"]
    print(f"ratio ours/raw: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f}: "
          f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}); peak {peak:,.0f} MiB "
          f"(target < {TARGET_PEAK_MIB:,.0f}: {'met' if peak < TARGET_PEAK_MIB else 'MISSED'})")
    if not args.keep and args.dir is None:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
