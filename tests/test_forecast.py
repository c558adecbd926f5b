"""Month-end forecast per model and team: month to date + 7-day run-rate × days left."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifinops.analysis.refresh import refresh
from aifinops.config import load_settings
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.store import open_store
from tests.cur_builders import Line, cur2_layout, write_cur2_parquet

NOV = "2026-11-01 00:00:00"


def test_forecast_by_hand(tmp_path: Path) -> None:
    # llama runs 10 $/day for Nov 1..20 then 24 $/day Nov 21..28; tax once on Nov 1.
    lines = [Line(f"2026-11-{d:02d} 00:00:00", 10.0 if d <= 20 else 24.0, period=NOV,
                  tags={"user_model": "llama", "user_team": "research"}) for d in range(1, 29)]
    lines.append(Line("2026-11-01 00:00:00", 50.0, type="Tax", resource="", instance_type="",
                      period=NOV))
    write_cur2_parquet(cur2_layout(tmp_path / "cur", "2026-11"), lines)
    settings = load_settings(db=tmp_path / "f.duckdb")
    with open_store(settings) as store:
        ingest_aws_cur(store, str(tmp_path / "cur"), settings=settings)
        refresh(store, settings)
        rows = store.conn.execute(
            "select dimension, name, month_to_date, run_rate_per_day, days_left, forecast, method "
            "from spend_forecast order by all").fetchall()
    mtd = 20 * 10 + 8 * 24
    rate = (7 * 24) / 7  # the last 7 days with data are all at 24 $/day
    by = {(r[0], r[1]): r[2:] for r in rows}
    assert by[("model", "llama")][:4] == pytest.approx((mtd, rate, 2, mtd + 2 * rate))
    assert by[("model", "unattributed")][:4] == pytest.approx((50.0, 0.0, 2, 50.0))
    assert by[("team", "research")][3] == pytest.approx(mtd + 2 * rate)
    assert "last 7 days × 2 day(s) left" in by[("model", "llama")][4]
