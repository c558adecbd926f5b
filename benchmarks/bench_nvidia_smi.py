"""nvidia-smi log ingest speed: `ingest_nvidia_smi` beside a raw DuckDB `read_csv`.

Writes a `--query-gpu` log in nvidia-smi's exact format (8 GPUs, one row per GPU per second,
5 million rows ≈ a week by default) into ./bench-data/nvidia-smi (reused unless --regenerate),
then measures each method in its own subprocess (so peak RSS is its own) and a fresh database:

- raw:   `SET preserve_insertion_order = false; CREATE TABLE raw AS SELECT * FROM
         read_csv(file)`, DuckDB reading the file into a table with nothing parsed;
- ours:  `ingest_nvidia_smi`: gpu_samples + gpu_hourly with every check (a clean log: the
         parallel fast path);
- exact: the same with the fast path switched off (what a log with clock jumps or header
         changes costs);
- again: the same file a second time into the loaded database (nothing new: dedupe only).

Targets (issue 3): ours at least a third of the raw rate, peak RSS under 1.5 GiB.

    python benchmarks/bench_nvidia_smi.py [--rows 5000000] [--gpus 8] [--regenerate]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
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
    import aifinops.ingest.nvidia_smi as nvidia_smi
    from aifinops.config import Settings
    from aifinops.ingest.gpu_load import GpuSettings
    from aifinops.store import open_store

    store = open_store(Settings(db_path=db))  # the same settings (memory_limit, TimeZone) for all
    gpu = GpuSettings(now=last + timedelta(hours=1))  # keep every raw sample (the costly case)
    options = nvidia_smi.NvidiaSmiOptions(host="bench-01")
    if mode == "exact":
        setattr(nvidia_smi, "load_fast", lambda *args: False)  # noqa: B010 (a test seam)
    if mode == "again":
        nvidia_smi.ingest_nvidia_smi(store, log, gpu, options)
    started, cpu0 = time.perf_counter(), _cpu()
    if mode == "raw":
        store.conn.execute("SET preserve_insertion_order = false")
        store.conn.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{log}')")
        row = store.conn.execute("SELECT count(*) FROM raw").fetchone()
        rows = int(row[0]) if row else 0
    else:
        report = nvidia_smi.ingest_nvidia_smi(store, log, gpu, options)
        rows = report.rows_read
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu0
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "seconds": seconds, "cpu_s": cpu, "peak_mib": peak}


def _cpu() -> float:
    """CPU seconds of this process, DuckDB's threads included: steadier than wall time on a
    machine whose cores are shared."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
    parser.add_argument("--dir", type=Path, default=Path("bench-data/nvidia-smi"),
                        help="scratch folder (default: ./bench-data/nvidia-smi)")
    parser.add_argument("--regenerate", action="store_true", help="write the log again")
    parser.add_argument("--only", nargs="+", default=["raw", "ours", "exact", "again"],
                        choices=["raw", "ours", "exact", "again"])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, log, db, last = args.child
        print(json.dumps(child(mode, Path(log), Path(db), datetime.fromisoformat(last))))
        return
    work = args.dir
    work.mkdir(parents=True, exist_ok=True)
    log = work / f"bench-01-{args.rows}x{args.gpus}.csv"
    if args.regenerate or not log.exists():
        started = time.perf_counter()
        generate(log, args.rows, args.gpus)
        print(f"generated {log} in {time.perf_counter() - started:.1f} s")
    last = START + timedelta(seconds=args.rows // args.gpus)
    print(f"log: {log} ({args.rows:,} rows, {args.gpus} GPUs, "
          f"{log.stat().st_size / 2**20:,.0f} MiB)")
    results = {}
    for mode in args.only:
        db = work / f"{mode}.duckdb"
        for suffix in ("", ".wal"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        results[mode] = r = run_child(mode, log, db, last)
        vs_raw = ""
        if "raw" in results and mode != "raw":
            raw = results["raw"]
            vs_raw = (f"  rate vs raw {raw['seconds'] / r['seconds']:.2f} "
                      f"(CPU {raw['cpu_s'] / r['cpu_s']:.2f})")
        print(f"{mode:>5}: {r['rows']:>12,.0f} rows  {r['seconds']:7.2f} s  "
              f"{r['rows'] / r['seconds']:>12,.0f} rows/s  CPU {r['cpu_s']:6.2f} s  "
              f"peak {r['peak_mib']:,.0f} MiB{vs_raw}")
        db.unlink(missing_ok=True)
    if "raw" in results and "ours" in results:
        ratio = results["raw"]["seconds"] / results["ours"]["seconds"]
        peak = max(r["peak_mib"] for m, r in results.items() if m != "raw")
        print(f"ours/raw rate: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f}: "
              f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}); peak {peak:,.0f} MiB "
              f"(target < {TARGET_PEAK_MIB:,.0f}: {'met' if peak < TARGET_PEAK_MIB else 'MISSED'})")

if __name__ == "__main__":
    main()
