"""CUR ingest through `s3://` (moto server, real boto3) matches the same files loaded from disk.

Also what makes a daily sync cheap: unchanged periods are skipped without downloading anything,
and a period AWS restated is the only one downloaded and replaced.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from aifinops.config import Settings, load_settings
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.ingest.s3 import S3Source
from aifinops.store import Store, open_store

REPO = Path(__file__).resolve().parents[1]
BUCKET = "acme-billing"  # where the demo world's manifests say the export lives
PREFIX = "cur"


@pytest.fixture(scope="session")
def demo_cur2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo CUR 2.0 export tree (= s3://acme-billing/cur/), from sample_data or generated."""
    sample = REPO / "sample_data" / "aws" / "cur2"
    if sample.is_dir() and any(sample.rglob("*.parquet")):
        return sample
    cur_gen = pytest.importorskip("aifinops.demo.cur_gen")
    root = tmp_path_factory.mktemp("demo") / "cur2"
    cur_gen.write_cur2(root)
    return root


@pytest.fixture
def cur_tree(demo_cur2: Path, tmp_path: Path) -> Path:
    """A private copy of the demo tree that a test may restate."""
    return Path(shutil.copytree(demo_cur2, tmp_path / "cur2"))


@pytest.fixture
def cur_uri(cur_tree: Path, upload_tree: Callable[..., str]) -> str:
    return upload_tree(cur_tree, BUCKET, PREFIX)


def _store(tmp_path: Path, name: str) -> Iterator[tuple[Store, Settings]]:
    settings = load_settings(db=tmp_path / f"{name}.duckdb")
    with open_store(settings) as store:
        yield store, settings


@pytest.fixture
def s3_db(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    yield from _store(tmp_path, "s3")


@pytest.fixture
def local_db(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    yield from _store(tmp_path, "local")


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Keys every S3Source downloads (ingest builds its own source, so count on the class)."""
    seen: list[str] = []
    real = S3Source._download

    def counting(self: S3Source, key: str, etag: str, out: Any) -> int:
        seen.append(key)
        return real(self, key, etag, out)

    monkeypatch.setattr(S3Source, "_download", counting)
    return seen


def rows(store: Store) -> list[tuple[Any, ...]]:
    """Every cost row as loaded, less the load id (which differs between databases)."""
    return store.conn.execute("select * exclude (x_load_id) from focus_costs order by all").fetchall()


def totals(store: Store) -> dict[str, tuple[int, float, float]]:
    found = store.conn.execute(
        "select x_billing_period, count(*), round(sum(BilledCost), 6), "
        "round(sum(EffectiveCost), 6) from focus_costs group by all order by all"
    ).fetchall()
    return {period: (n, billed, effective) for period, n, billed, effective in found}


def loads(store: Store) -> list[tuple[Any, ...]]:
    return store.conn.execute(
        "select load_id, unit, billing_period, rows, outcome from loads order by load_id, unit"
    ).fetchall()


def test_s3_ingest_equals_local_ingest(
    moto_s3: str,
    cur_tree: Path,
    cur_uri: str,
    s3_db: tuple[Store, Settings],
    local_db: tuple[Store, Settings],
    downloads: list[str],
) -> None:
    local, local_settings = local_db
    ingest_aws_cur(local, str(cur_tree), settings=local_settings)
    store, settings = s3_db
    report = ingest_aws_cur(store, cur_uri, settings=settings, endpoint_url=moto_s3)

    assert cur_uri == f"s3://{BUCKET}/{PREFIX}"
    expected = totals(local)
    assert len(expected) >= 2 and all(n > 0 for n, _, _ in expected.values())
    assert totals(store) == expected
    assert rows(store) == rows(local)
    assert report.rows == sum(n for n, _, _ in expected.values())
    assert not report.skipped
    data_files = sorted(p.relative_to(cur_tree).as_posix() for p in cur_tree.rglob("*.parquet"))
    assert sorted(k.removeprefix(f"{PREFIX}/") for k in downloads) == data_files
    s3_loads = store.conn.execute("select files from loads").fetchall()
    assert all(f.startswith(f"s3://{BUCKET}/{PREFIX}/") for (files,) in s3_loads for f in files)


def test_rerun_skips_unchanged_periods_without_downloading(
    moto_s3: str, cur_uri: str, s3_db: tuple[Store, Settings], downloads: list[str]
) -> None:
    store, settings = s3_db
    first = ingest_aws_cur(store, cur_uri, settings=settings, endpoint_url=moto_s3)
    before_rows, before_loads = rows(store), loads(store)
    downloads.clear()

    again = ingest_aws_cur(store, cur_uri, settings=settings, endpoint_url=moto_s3)

    assert downloads == []
    assert [u.unit for u in again.skipped] == [u.unit for u in first.units]
    assert again.rows == 0
    assert loads(store) == before_loads  # a skip writes no load
    assert rows(store) == before_rows


def test_restated_period_is_the_only_one_reloaded(
    moto_s3: str,
    cur_tree: Path,
    cur_uri: str,
    s3_client: Any,
    s3_db: tuple[Store, Settings],
    downloads: list[str],
) -> None:
    store, settings = s3_db
    ingest_aws_cur(store, cur_uri, settings=settings, endpoint_url=moto_s3)
    before = totals(store)
    first_loads = loads(store)
    periods = sorted(before)
    restated, untouched = periods[0], periods[1:]

    # AWS restates the period: same object key, new contents (here: one line item fewer).
    (data,) = cur_tree.glob(f"*/data/BILLING_PERIOD={restated}/*.parquet")
    smaller = data.with_name("restated.parquet")
    with duckdb.connect() as con:  # its own connection: the module default one is shared
        con.execute(
            f"copy (select * from read_parquet('{data}') where identity_line_item_id <> "
            f"(select min(identity_line_item_id) from read_parquet('{data}'))) "
            f"to '{smaller}' (format parquet, compression snappy)"
        )
    key = f"{PREFIX}/{data.relative_to(cur_tree).as_posix()}"
    s3_client.upload_file(str(smaller), BUCKET, key)
    downloads.clear()

    report = ingest_aws_cur(store, cur_uri, settings=settings, endpoint_url=moto_s3)

    assert downloads == [key]
    after = totals(store)
    assert after[restated][0] == before[restated][0] - 1
    assert after[restated] != before[restated]
    assert {p: after[p] for p in untouched} == {p: before[p] for p in untouched}
    [reloaded] = [u for u in report.units if not u.skipped]
    assert [p.period for p in reloaded.periods] == [restated]
    new_loads = loads(store)[len(first_loads) :]
    assert [(period, outcome) for _, _, period, _, outcome in new_loads] == [(restated, "replaced")]
    assert store.conn.execute(
        "select count(distinct x_load_id) from focus_costs where x_billing_period = ?", [restated]
    ).fetchone() == (1,)
