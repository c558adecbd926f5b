"""Write a demo AWS bill of about N rows, for benchmarks and load tests.

    python benchmarks/make_world.py --rows 1000000 --out bench-data/cur2-1m
    python benchmarks/make_world.py --rows 1000000 --out bench-data/legacy-1m --legacy

Rows grow linearly with `scale` (every EC2 host and SageMaker endpoint cloned `scale` times; for
the legacy report, the research host), so the script counts the rows of two scales without
writing anything, solves for the scale that gives about N rows, and writes that. Each billing
period is split into files of about --rows-per-file rows. Prints rows, seconds and bytes.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from aifinops.demo import cur_gen, world


@dataclass(frozen=True)
class Plan:
    scale: int
    files_per_period: int
    expected_rows: int


def plan(rows: int, *, legacy: bool = False, rows_per_file: int = 1_000_000) -> Plan:
    """The scale and file split that give about `rows` rows (at least scale 1)."""
    count = cur_gen.count_legacy_rows if legacy else cur_gen.count_cur2_rows
    # from scale 2 on every clone adds the same rows (the Savings Plan is spent by then)
    two, three = count(2), count(3)
    per_clone = three - two
    scale = max(1, round(2 + (rows - two) / per_clone))
    expected = count(scale)
    periods = len(world.BILLING_PERIODS)
    files = max(1, math.ceil(expected / periods / rows_per_file))
    return Plan(scale, files, expected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="about how many rows to write")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder to write into (its earlier contents are removed)")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                        help="CUR 2.0 file format (legacy CUR is always CSV.gz)")
    parser.add_argument("--legacy", action="store_true",
                        help="write the research org's legacy CUR instead of CUR 2.0")
    parser.add_argument("--rows-per-file", type=int, default=1_000_000,
                        help="split each billing period into files of about this many rows")
    parser.add_argument("--ordered", action="store_true",
                        help="sort rows so files are byte for byte reproducible (slower)")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.rows_per_file < 1:
        parser.error("--rows and --rows-per-file must be positive")

    chosen = plan(args.rows, legacy=args.legacy, rows_per_file=args.rows_per_file)
    if chosen.expected_rows > args.rows * 1.1:
        print(f"note: the smallest bill (scale 1) has {chosen.expected_rows:,} rows",
              file=sys.stderr)
    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    started = time.perf_counter()
    if args.legacy:
        paths = cur_gen.write_legacy_cur(args.out, scale=chosen.scale,
                                         files_per_period=chosen.files_per_period,
                                         ordered=args.ordered)
    else:
        paths = cur_gen.write_cur2(args.out, scale=chosen.scale, fmt=args.format,
                                   files_per_period=chosen.files_per_period,
                                   ordered=args.ordered)
    seconds = time.perf_counter() - started
    rows = cur_gen.count_rows(paths)
    size = sum(p.stat().st_size for p in paths)
    data_files = sum(1 for p in paths if not p.name.endswith(".json"))
    kind = "legacy CUR csv.gz" if args.legacy else f"CUR 2.0 {args.format}"
    print(f"{kind}: scale={chosen.scale} files={data_files} rows={rows} "
          f"seconds={seconds:.1f} rows_per_s={rows / seconds:,.0f} bytes={size} "
          f"out={args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
