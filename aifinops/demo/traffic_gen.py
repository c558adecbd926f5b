"""Requests and tokens per hour for the demo world's served models (a traffic CSV).

Inference models serve a daily cycle of traffic; the idle summarizer endpoint gets a trickle, so
its cost per request shows how waste looks in unit economics. Deterministic: hash-based.
"""

from __future__ import annotations

import csv
import hashlib
import math
import sys
from datetime import timedelta
from pathlib import Path

from aifinops.demo import world

# model -> (peak requests per hour, mean input tokens, mean output tokens)
SERVED: dict[str, tuple[float, float, float]] = {
    "support-chat-7b": (9_000, 900, 350),
    "summarizer-3b": (12, 3_000, 400),
    "embed-small": (40_000, 300, 0),
    "rerank-base": (15_000, 1_200, 0),
}


def _jitter(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from its arguments."""
    digest = hashlib.sha256("/".join(map(str, (world.SEED, *parts))).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def write_traffic(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["hour", "model", "requests", "input_tokens", "output_tokens"])
        hour = world.WORLD_START
        while hour < world.WORLD_END:
            daily = 0.55 + 0.45 * math.sin((hour.hour - 9) / 24 * 2 * math.pi)
            for model, (peak, tin, tout) in SERVED.items():
                requests = round(peak * daily * (0.85 + 0.3 * _jitter(model, hour)))
                writer.writerow([hour.strftime("%Y-%m-%dT%H:%M:%SZ"), model, requests,
                                 round(requests * tin), round(requests * tout)])
                rows += 1
            hour += timedelta(hours=1)
    return rows


def main(argv: list[str]) -> None:
    root = Path(argv[0]) if argv else Path("sample_data")
    print(write_traffic(root / "traffic" / "requests.csv"), "rows")


if __name__ == "__main__":
    main(sys.argv[1:])
