"""Tiny, exact worlds for recommendation rule tests: a CUR 2.0 bill and GPU telemetry, by hand.

`Usage` describes a run of identical bill rows (one per hour or per day) so a test can say
"i-idle cost 2.00 an hour for 14 days" in one line and state the expected saving by hand.
`World` writes them as a CUR 2.0 export (with `pricing_unit` and a region per row, which the
rules need and the ingest tests' builders leave out), ingests it through the real CUR path,
refreshes the rollups, and inserts GPU telemetry straight into `gpu_hosts` / `gpu_hourly`
(the telemetry ingest has its own tests; the rules only read its tables).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from aifinops.analysis.recommend import RunReport, list_recommendations, run_recommendations
from aifinops.analysis.refresh import refresh
from aifinops.analysis.rules import RuleFile, shipped_rules
from aifinops.config import Settings, load_settings
from aifinops.ingest.aws_cur import ingest_aws_cur
from aifinops.store import Store, open_store

# Data ends here (exclusive) unless a test says otherwise: windows are counted back from it.
AS_OF = datetime(2026, 11, 29, tzinfo=UTC)

COLUMNS: list[tuple[str, str]] = [
    ("identity_line_item_id", "VARCHAR"),
    ("bill_billing_period_start_date", "TIMESTAMP"),
    ("bill_billing_period_end_date", "TIMESTAMP"),
    ("bill_payer_account_id", "VARCHAR"),
    ("line_item_line_item_type", "VARCHAR"),
    ("line_item_usage_start_date", "TIMESTAMP"),
    ("line_item_usage_end_date", "TIMESTAMP"),
    ("line_item_unblended_cost", "DOUBLE"),
    ("line_item_usage_amount", "DOUBLE"),
    ("line_item_currency_code", "VARCHAR"),
    ("line_item_product_code", "VARCHAR"),
    ("line_item_usage_type", "VARCHAR"),
    ("line_item_resource_id", "VARCHAR"),
    ("line_item_usage_account_id", "VARCHAR"),
    ("pricing_public_on_demand_cost", "DOUBLE"),
    ("pricing_term", "VARCHAR"),
    ("pricing_unit", "VARCHAR"),
    ("product_instance_type", "VARCHAR"),
    ("product_region_code", "VARCHAR"),
    ("resource_tags", "VARCHAR"),
]


@dataclass
class Usage:
    """`rows` bill rows for one resource, `step_hours` apart, each costing `cost`."""

    resource: str
    start: datetime
    rows: int
    cost: float
    step_hours: int = 1
    amount: float | None = None  # usage amount per row; default: the hours the row covers
    product: str = "AmazonEC2"
    usage_type: str = "USE1-BoxUsage:g5.2xlarge"
    instance_type: str = "g5.2xlarge"
    unit: str = "Hrs"
    term: str = "OnDemand"
    type: str = "Usage"
    region: str = "us-east-1"
    account: str = "210987654321"
    payer: str = "111122223333"
    tags: dict[str, str] = field(default_factory=dict)


def days_before(days: float, end: datetime = AS_OF) -> datetime:
    return end - timedelta(days=days)


def instance(resource: str, *, days: int = 30, hourly: float = 1.212, end: datetime = AS_OF,
             **kw: Any) -> Usage:
    """An EC2 instance billed every hour for the last `days` days."""
    return Usage(resource, days_before(days, end), days * 24, hourly, **kw)


def bucket(name: str, *, start_gb: float, growth_gb_per_day: float, days: int = 30,
           usd_per_gb_month: float = 0.023, region: str = "us-east-1",
           tags: dict[str, str] | None = None, end: datetime = AS_OF) -> list[Usage]:
    """S3 Standard storage, one row a day: GB-months = GB stored ÷ days in the month."""
    out = []
    first = days_before(days, end)
    for i in range(days):
        day = first + timedelta(days=i)
        month_days = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
        gb_months = (start_gb + growth_gb_per_day * i) / month_days
        code = "USE1" if region == "us-east-1" else "USW2"
        out.append(Usage(name, day, 1, gb_months * usd_per_gb_month, step_hours=24,
                         amount=gb_months, product="AmazonS3",
                         usage_type=f"{code}-TimedStorage-ByteHrs", instance_type="",
                         unit="GB-Mo", region=region, tags=tags or {}))
    return out


class World:
    """A database built from `Usage` rows and GPU telemetry, for one test."""

    def __init__(self, tmp_path: Path, config: str = "") -> None:
        self.tmp_path = tmp_path
        cfg = tmp_path / "aifinops.toml"
        cfg.write_text(f'[database]\npath = "{tmp_path / "rules.duckdb"}"\n{config}')
        self.settings: Settings = load_settings(config=cfg)
        self.usages: list[Usage] = []
        self.gpu: list[tuple[str, str | None, list[tuple[Any, ...]]]] = []
        self._traffic: list[tuple[datetime, str, float]] = []

    def bill(self, *usages: Usage | list[Usage]) -> World:
        for u in usages:
            self.usages.extend(u if isinstance(u, list) else [u])
        return self

    def telemetry(self, host: str, instance_id: str | None, *, start: datetime, hours: int,
                  activity_pct: float, gpus: int = 1, mem_used_mib: float = 8000.0,
                  mem_total_mib: float = 24576.0, signal: str = "utilization_gpu",
                  gpu_activity: list[float] | None = None,
                  gpu_mem_used_mib: list[float] | None = None) -> World:
        """`hours` hourly rows per GPU from `start`; `gpu_*` lists give each GPU its own level."""
        rows = []
        for h in range(hours):
            hour = start + timedelta(hours=h)
            for g in range(gpus):
                act = gpu_activity[g] if gpu_activity else activity_pct
                mem = gpu_mem_used_mib[g] if gpu_mem_used_mib else mem_used_mib
                rows.append((host, f"GPU-{host}-{g}", hour, g, act, mem, mem_total_mib, signal))
        self.gpu.append((host, instance_id, rows))
        return self

    def traffic(self, model: str, *, start: datetime, hours: int, requests: float) -> World:
        self._traffic.extend((start + timedelta(hours=h), model, requests) for h in range(hours))
        return self

    # -- building ---------------------------------------------------------------------------

    def _write_cur(self, root: Path) -> None:
        by_period: dict[str, list[list[Any]]] = defaultdict(list)
        n = 0
        for u in self.usages:
            for i in range(u.rows):
                start = u.start + timedelta(hours=i * u.step_hours)
                end = start + timedelta(hours=u.step_hours)
                period = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                period_end = (period + timedelta(days=32)).replace(day=1)
                amount = u.amount if u.amount is not None else float(u.step_hours)
                n += 1
                by_period[period.strftime("%Y-%m")].append([
                    f"line-{n}", _naive(period), _naive(period_end), u.payer, u.type,
                    _naive(start), _naive(end), u.cost, amount, "USD", u.product, u.usage_type,
                    u.resource, u.account, u.cost if u.term == "OnDemand" else None, u.term,
                    u.unit, u.instance_type, u.region, json.dumps(u.tags),
                ])
        conn = duckdb.connect()
        try:
            for period, rows in by_period.items():
                folder = root / "ai-costs" / "data" / f"BILLING_PERIOD={period}"
                folder.mkdir(parents=True, exist_ok=True)
                staged = self.tmp_path / f"cur-{period}.csv"
                with staged.open("w", newline="") as handle:
                    csv.writer(handle).writerows(rows)
                types = ", ".join(f"'{c}': '{t}'" for c, t in COLUMNS)
                select = ", ".join(
                    f"CAST(CAST({c} AS JSON) AS MAP(VARCHAR, VARCHAR)) AS {c}" if c == "resource_tags" else c
                    for c, _ in COLUMNS)
                conn.execute(
                    f"COPY (SELECT {select} FROM read_csv('{staged}', header = false, "
                    f"columns = {{{types}}})) TO '{folder / 'part-00001.snappy.parquet'}' "
                    "(FORMAT parquet)")
        finally:
            conn.close()

    def build(self) -> World:
        root = self.tmp_path / "cur"
        if self.usages:
            self._write_cur(root)
        with open_store(self.settings) as store:
            if self.usages:
                ingest_aws_cur(store, str(root), settings=self.settings)
            self._write_gpu(store)
            if self._traffic:
                store.conn.executemany(
                    "insert into model_traffic (hour, model, requests, source, load_id) "
                    "values (?, ?, ?, 'csv', 0)", self._traffic)
            refresh(store, self.settings)
        return self

    def _write_gpu(self, store: Store) -> None:
        now = datetime(2026, 12, 1, tzinfo=UTC)
        for host, instance_id, rows in self.gpu:
            store.conn.execute(
                "insert or replace into gpu_hosts (host, instance_id, provider, source, updated_at) "
                "values (?, ?, 'aws', 'config', ?)", [host, instance_id, now])
            store.conn.execute(
                "insert into gpu_hourly (host, gpu_uuid, hour, gpu_index, samples, "
                "observed_seconds, coverage, util_mean_pct, util_max_pct, activity_mean_pct, "
                "activity_max_pct, activity_signal, idle_seconds, idle_util_pct, "
                "mem_used_mean_mib, mem_used_max_mib, mem_total_mib, raw_kept, load_id, "
                "updated_at) "
                "select r.host, r.gpu, r.hour, r.idx, 720, 3600, 1.0, r.act, r.act, r.act, r.act, "
                "r.signal, case when r.act < 5 then 3600 else 0 end, 5.0, r.mem, r.mem, r.total, "
                "true, 0, $now "
                "from (select unnest($rows, recursive := true)) r",
                {"rows": [dict(zip(("host", "gpu", "hour", "idx", "act", "mem", "total", "signal"),
                                   row, strict=True)) for row in rows], "now": now})

    # -- running ----------------------------------------------------------------------------

    def open(self) -> Store:
        return open_store(self.settings)

    def run(self, *rule_names: str, as_of: datetime = AS_OF, check: bool = True,
            **kw: Any) -> RunReport:
        """Run the named rules (all shipped ones when none are named); fail on a rule error."""
        rules: list[RuleFile] | None = None
        if rule_names:
            rules = [r for r in shipped_rules() if r.name in rule_names]
            assert len(rules) == len(rule_names), f"unknown rule in {rule_names}"
        with self.open() as store:
            report = run_recommendations(store, self.settings, as_of=as_of, rules=rules, **kw)
        if check:
            assert report.rules_failed == {}
        return report

    def recs(self, rule: str | None = None) -> dict[str, Any]:
        """resource_id → Recommendation of every stored recommendation (of one rule)."""
        with self.open() as store:
            return {r.resource_id: r for r in list_recommendations(store.conn, None, rule=rule)}


def _naive(ts: datetime) -> str:
    return ts.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
