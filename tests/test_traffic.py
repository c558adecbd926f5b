"""Requests and tokens per model from CSV and from vLLM/TGI scrapes, across counter resets."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifinops.config import load_settings
from aifinops.errors import InputError
from aifinops.ingest.traffic import ingest_traffic
from aifinops.store import Store, open_store

T0 = 1790812800000  # 2026-10-01T00:00:00Z in ms


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(load_settings(db=tmp_path / "t.duckdb"))


def rows(store: Store) -> list[tuple[object, ...]]:
    return store.conn.execute(
        "select strftime(hour, '%d %H'), model, requests, input_tokens, output_tokens "
        "from model_traffic order by all").fetchall()


def test_csv_rows_add_up_per_hour_and_reload_replaces(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "traffic.csv"
    path.write_text("timestamp,model,requests,output_tokens\n"
                    "2026-10-01T00:10:00Z,chat-7b,100,5000\n"
                    "2026-10-01T00:50:00Z,chat-7b,50,2500\n"
                    "2026-10-01T01:00:00Z,chat-7b,10,\n")
    report = ingest_traffic(store, path)
    assert report.models == ["chat-7b"] and report.hours == 2
    ingest_traffic(store, path)  # the same file again changes nothing
    assert rows(store) == [("01 00", "chat-7b", 150.0, None, 7500.0),
                           ("01 01", "chat-7b", 10.0, None, None)]


def test_vllm_scrapes_become_hourly_increases(store: Store, tmp_path: Path) -> None:
    def scrape(ms: int, ok: float, stop: float, prompt: float) -> str:
        return (f'vllm:request_success_total{{model_name="chat-7b",finished_reason="stop"}} {stop} {ms}\n'
                f'vllm:request_success_total{{model_name="chat-7b",finished_reason="length"}} {ok} {ms}\n'
                f'vllm:prompt_tokens_total{{model_name="chat-7b"}} {prompt} {ms}\n')
    first = tmp_path / "a.prom"
    first.write_text("# HELP vllm:request_success_total ...\n" + scrape(T0, 1, 9, 1000)
                     + scrape(T0 + 1800_000, 2, 18, 2000))
    second = tmp_path / "b.prom"  # next hour, after a restart (counters reset)
    bad = 'vllm:prompt_tokens_total{model_name="chat-7b"} NaN-ish\n'
    second.write_text(scrape(T0 + 3600_000, 0, 5, 400) + bad)
    ingest_traffic(store, first)
    report = ingest_traffic(store, second)
    assert report.skipped_lines == 1
    assert rows(store) == [("01 00", "chat-7b", 10.0, 1000.0, None),
                           ("01 01", "chat-7b", 5.0, 400.0, None)]


def test_tgi_needs_a_model_name(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "tgi.prom"
    path.write_text(f"tgi_request_success 10 {T0}\ntgi_request_success 25 {T0 + 60_000}\n")
    with pytest.raises(InputError, match=r"line 1.*pass --model"):
        ingest_traffic(store, path)
    ingest_traffic(store, path, model="summarizer-3b")
    assert rows(store) == [("01 00", "summarizer-3b", 15.0, None, None)]


def test_bad_traffic_files(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,who\n1,2\n")
    with pytest.raises(InputError, match="expected columns hour"):
        ingest_traffic(store, path)
    path.write_text("hour,model,requests\nyesterday,m,1\n")
    with pytest.raises(InputError, match="could not be loaded"):
        ingest_traffic(store, path)
    path.write_text("")
    with pytest.raises(InputError, match="empty file"):
        ingest_traffic(store, path)
    assert rows(store) == []
