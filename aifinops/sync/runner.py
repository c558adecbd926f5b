"""One sync: lock, every source, refresh and rules, reports, alerts, a record of the run.

The exit code is the alert channel for cron and CI: 0 all well, 2 an alert (a budget breach or a
new recommendation worth at least `alert_new_saving_usd` a month), 3 a source failed (the others
were loaded; alerts are still reported), 75 another sync holds the lock, or another process held
the database past `lock_wait_s` (EX_TEMPFAIL: try later).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from aifinops.analysis.pipeline import refresh_and_recommend
from aifinops.analysis.recommend import RunReport
from aifinops.analysis.refresh import RefreshReport
from aifinops.config import Settings
from aifinops.errors import StoreLockedError
from aifinops.reports.data import ReportData, build_report, data_as_of
from aifinops.reports.write import ReportResult, write_reports
from aifinops.sqlfiles import read_sql
from aifinops.store import Store, open_store, transaction
from aifinops.sync.config import SyncConfig, load_sync_config
from aifinops.sync.lock import SyncLock, lock_path
from aifinops.sync.sources import SourceOutcome, load_source

EXIT_OK = 0
EXIT_ALERT = 2
EXIT_SOURCE_FAILED = 3
EXIT_LOCKED = 75
LOCK_POLL_S = 2.0


@dataclass(frozen=True)
class Alert:
    kind: str  # budget | recommendation
    name: str
    message: str


@dataclass
class SyncResult:
    config: SyncConfig
    started_at: datetime
    sources: list[SourceOutcome] = field(default_factory=list)
    refreshed: RefreshReport | None = None
    recommendations: RunReport | None = None
    report: ReportResult | None = None
    alerts: list[Alert] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SourceOutcome]:
        return [s for s in self.sources if not s.ok]

    @property
    def exit_code(self) -> int:
        if self.failed:
            return EXIT_SOURCE_FAILED
        return EXIT_ALERT if self.alerts else EXIT_OK


def _rec_states(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(conn.execute(read_sql("sync/recommendation_states.sql")).fetchall())


def new_recommendation_alerts(conn: duckdb.DuckDBPyConnection, before: dict[str, str],
                              threshold: float | None) -> list[Alert]:
    """Open now, not open before this sync (new, or back after a dismissal or a snooze)."""
    if threshold is None:
        return []
    alerts = []
    rows = conn.execute(read_sql("sync/open_recommendations.sql"), {"min_saving": threshold})
    for rec_id, rule, title, saving in rows.fetchall():
        if before.get(rec_id) != "open":
            again = " (again)" if rec_id in before else ""
            alerts.append(Alert("recommendation", rec_id,
                                f"new recommendation{again} {rec_id} ({rule}) saves "
                                f"${saving:,.2f}/month: {title}"))
    return alerts


def budget_alerts(data: ReportData, mode: str) -> list[Alert]:
    """Budgets spent past (mode "over") or forecast past (mode "forecast") their amount."""
    statuses = {"forecast": {"over", "forecast over"}, "over": {"over"}, "off": set()}[mode]
    alerts = []
    for r in data.sections["budgets"].rows:
        if r["status"] not in statuses:
            continue
        what = (f"has spent ${r['spent']:,.2f}" if r["status"] == "over"
                else f"is forecast to spend ${r['forecast']:,.2f}")
        alerts.append(Alert("budget", f"{r['dimension']}:{r['name']}",
                            f"{r['dimension']} {r['name']} {what} this month against a budget "
                            f"of ${r['budget']:,.2f}"))
    return alerts


def _record(conn: duckdb.DuckDBPyConnection, result: SyncResult) -> None:
    with transaction(conn):
        conn.execute(read_sql("sync/record_sync.sql"), {
            "started_at": result.started_at, "finished_at": datetime.now(UTC),
            "exit_code": result.exit_code,
            "ok": sum(1 for s in result.sources if s.ok), "failed": len(result.failed),
            "alerts": json.dumps([a.__dict__ for a in result.alerts]),
            "failures": json.dumps([{"source": s.spec.name, "reason": reason}
                                    for s in result.failed for reason in s.failures])})


def run_sync(settings: Settings, *, write_reports_now: bool = True,
             on_source: Callable[[SourceOutcome], None] | None = None) -> SyncResult:
    """Raises SyncLockedError (another sync), StoreLockedError (another writer), ConfigError."""
    config = load_sync_config(settings)
    started = time.perf_counter()
    result = SyncResult(config, datetime.now(UTC))
    with SyncLock(lock_path(settings.db_path)), _open_waiting(settings, config) as store:
        before = _rec_states(store.conn)
        for spec in config.sources:
            outcome = load_source(store, settings, spec)
            result.sources.append(outcome)
            if on_source:
                on_source(outcome)
        result.refreshed, result.recommendations = refresh_and_recommend(store, settings)
        data = _report(store, settings, config, result, write_reports_now)
        if data is not None:
            result.alerts.extend(budget_alerts(data, config.alert_on_budget))
        result.alerts.extend(new_recommendation_alerts(store.conn, before,
                                                       config.alert_new_saving_usd))
        result.seconds = time.perf_counter() - started
        _record(store.conn, result)
    return result


def _open_waiting(settings: Settings, config: SyncConfig) -> Store:
    """The store for writing, waiting up to `lock_wait_s` while another process holds the file
    (the app reading lets go within seconds of going idle; a manual ingest finishes)."""
    deadline = time.monotonic() + config.lock_wait_s
    while True:
        try:
            return open_store(settings)
        except StoreLockedError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(min(LOCK_POLL_S, max(0.0, deadline - time.monotonic())))


def _report(store: Store, settings: Settings, config: SyncConfig, result: SyncResult,
            write_now: bool) -> ReportData | None:
    """The period's report (written when formats are configured); None with no cost data yet."""
    if data_as_of(store.cursor()) is None:
        result.notes.append("no cost data yet: no report written and no budget checked")
        return None
    if config.report_formats and write_now:
        result.report = write_reports(store, settings, formats=config.report_formats,
                                      out=config.report_dir, period=config.report_period)
        return result.report.data
    return build_report(store.cursor(), settings, period=config.report_period)
