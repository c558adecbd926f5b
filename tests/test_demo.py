"""`aifinops demo`: builds a fresh database from sample_data and reports real figures."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from aifinops.cli import cli
from aifinops.config import load_settings
from aifinops.store import open_store


def test_demo_builds_and_rebuilds(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    for _ in range(2):  # a second run starts from a fresh file, not on top of the first
        result = CliRunner().invoke(cli, ["demo", "--db", str(db)])
        assert result.exit_code == 0, result.output
    assert "effective cost by model" in result.stdout
    assert "notebooks" in result.stdout  # the demo config's attribution rule at work
    with open_store(load_settings(db=db), read_only=True) as store:
        gpu_hours = store.conn.execute("select count(*) from gpu_hourly").fetchone()
        recs = store.conn.execute("select count(*) from recommendations").fetchone()
        periods = store.conn.execute(
            "select x_source_key, x_billing_period, count(distinct x_load_id) from focus_costs "
            "group by all order by all").fetchall()
        traffic = store.conn.execute("select count(distinct model) from model_traffic").fetchone()
    providers = {p[0].split(":")[0] for p in periods}
    assert providers == {"aws", "gcp", "focus"}  # AWS CUR, the GCP export, an Azure FOCUS export
    assert {p[1] for p in periods} == {"2026-10", "2026-11"}
    assert all(p[2] == 1 for p in periods)  # every period holds exactly one load
    assert traffic == (4,)
    assert gpu_hours is not None and gpu_hours[0] > 0
    assert recs is not None and recs[0] > 0
