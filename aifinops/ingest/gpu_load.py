"""The shared tail of every GPU telemetry ingest (nvidia-smi, DCGM, sampler spool).

A source stages its rows as temp views (`gpu_incoming_keys` + `gpu_incoming` for samples,
`gpu_proc_incoming` for processes); `GpuLoad` then sets aside rows already loaded or unusable,
stores the rest, recomputes the hourly rollups of exactly the hours it touched, prunes raw rows
past the retention window and writes the ledger. Callers run it inside `store.transaction`, so a
failed file leaves the database as it was.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from aifinops.config import Settings
from aifinops.errors import ConfigError
from aifinops.sqlfiles import read_sql

DEFAULT_IDLE_UTIL_PCT = 5.0
DEFAULT_RAW_RETENTION_DAYS = 14.0
# A hostname at the start of a file name: gpu-node-03.csv, gpu-node-03_2026-11-01.csv.gz
DEFAULT_HOST_PATTERN = r"^(?P<host>[A-Za-z0-9][A-Za-z0-9-]*)"
FIRST_LINES_KEPT = 20
SEALED = "hour already rolled up and past raw retention"


@dataclass(frozen=True)
class HostMapping:
    host: str
    instance_id: str | None
    resource_id: str | None = None
    provider: str | None = None
    source: str = "config"


@dataclass(frozen=True)
class GpuSettings:
    """The `[gpu]` and `[hosts]` tables of aifinops.toml, checked once."""

    idle_util_pct: float = DEFAULT_IDLE_UTIL_PCT
    raw_retention_days: float = DEFAULT_RAW_RETENTION_DAYS
    timezone: str = "UTC"
    host_pattern: str = DEFAULT_HOST_PATTERN
    hosts: tuple[HostMapping, ...] = ()
    now: datetime | None = None  # fixed "now" for retention and future checks (tests)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> GpuSettings:
        gpu = settings.section("gpu")
        where = f"[gpu] in {settings.config_path}"
        values = cls(
            idle_util_pct=_number(gpu, "idle_util_pct", DEFAULT_IDLE_UTIL_PCT, where),
            raw_retention_days=_number(gpu, "raw_retention_days", DEFAULT_RAW_RETENTION_DAYS,
                                       where),
            timezone=str(gpu.get("timezone", "UTC")),
            host_pattern=str(gpu.get("host_pattern", DEFAULT_HOST_PATTERN)),
            hosts=parse_hosts_table(settings.section("hosts"), str(settings.config_path)),
        )
        values = _replace(values, **overrides)
        values.check(where)
        return values

    def check(self, where: str = "[gpu]") -> None:
        check_timezone(self.timezone, where)
        try:
            pattern = re.compile(self.host_pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: host_pattern is not a regular expression: {exc}") from exc
        if "host" not in pattern.groupindex:
            raise ConfigError(f"{where}: host_pattern needs a (?P<host>...) group")
        if not 0 <= self.idle_util_pct <= 100:
            raise ConfigError(f"{where}: idle_util_pct must be between 0 and 100")
        if self.raw_retention_days < 0:
            raise ConfigError(f"{where}: raw_retention_days must be 0 or more")

    def clock(self) -> datetime:
        return self.now if self.now is not None else datetime.now(UTC)

    def cutoff(self) -> datetime:
        """Raw samples before this hour boundary are pruned (their hours stay rolled up)."""
        edge = self.clock() - timedelta(days=self.raw_retention_days)
        return edge.replace(minute=0, second=0, microsecond=0)

    def host_from_filename(self, name: str) -> str | None:
        match = re.search(self.host_pattern, name)
        return match.group("host") if match else None


def _replace(values: GpuSettings, **overrides: Any) -> GpuSettings:
    fields = {k: v for k, v in overrides.items() if v is not None}
    if not fields:
        return values
    return GpuSettings(**{**values.__dict__, **fields})


def _number(table: dict[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {key} must be a number, not {value!r}")
    return float(value)


def check_timezone(name: str, where: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where}: unknown time zone {name!r} (use an IANA name such as "
                          "'UTC' or 'Europe/Berlin')") from exc


def parse_hosts_table(table: dict[str, Any], config: str) -> tuple[HostMapping, ...]:
    """`[hosts]`: `name = "i-0abc"` or `[hosts.name]` with instance_id / resource_id / provider."""
    found = []
    for host, value in table.items():
        if isinstance(value, str):
            found.append(HostMapping(host, value, None, guess_provider(value)))
            continue
        if not isinstance(value, dict) or not (value.get("instance_id") or value.get("resource_id")):
            raise ConfigError(f"{config}: [hosts] {host} must be an instance id string or a "
                              "table with instance_id (or resource_id)")
        instance = value.get("instance_id")
        resource = value.get("resource_id")
        provider = value.get("provider") or guess_provider(str(instance or resource))
        found.append(HostMapping(host, instance, resource, provider))
    return tuple(found)


def guess_provider(resource: str) -> str | None:
    if re.match(r"^i-[0-9a-f]{8,17}$", resource) or resource.startswith("arn:aws"):
        return "aws"
    if "compute.googleapis.com" in resource or resource.startswith("projects/"):
        return "gcp"
    if resource.startswith("/subscriptions/"):
        return "azure"
    return None


@dataclass
class Skip:
    """Rows set aside for one reason; `first_lines` are line numbers in the input."""

    reason: str
    rows: int
    first_lines: list[int] = field(default_factory=list)

    def describe(self) -> str:
        if not self.first_lines:
            return f"{self.reason}: {self.rows:,}"
        lines = ", ".join(str(n) for n in self.first_lines)
        more = "…" if self.rows > len(self.first_lines) else ""
        word = "line" if len(self.first_lines) == 1 else "lines"
        return f"{self.reason}: {self.rows:,} ({word} {lines}{more})"


@dataclass
class LoadReport:
    """What one load read and did, for the ledger and for the terminal."""

    load_id: int
    source: str
    uri: str
    files: list[str] = field(default_factory=list)
    checksum: str | None = None
    options: str | None = None
    hosts: list[str] = field(default_factory=list)
    host_origin: str | None = None
    gpus: int = 0
    rows_read: int = 0
    samples_loaded: int = 0
    processes_loaded: int = 0
    rows_duplicate: int = 0
    skips: list[Skip] = field(default_factory=list)
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    hours: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def rows_loaded(self) -> int:
        return self.samples_loaded + self.processes_loaded

    @property
    def rows_skipped(self) -> int:
        return sum(s.rows for s in self.skips)


LineMapper = Callable[[list[int]], list[int]]

# Column order of the staging tables in sql/ingest/gpu_stage.sql (after rn).
SAMPLE_COLUMNS = ("ts", "host", "gpu_uuid", "gpu_index", "gpu_name", "pci_bus_id", "util_pct",
                  "mem_util_pct", "mem_used_mib", "mem_total_mib", "power_w", "power_limit_w",
                  "temp_c", "sm_clock_mhz", "gr_engine_active", "sm_active", "interval_s")
PROCESS_COLUMNS = ("ts", "host", "gpu_uuid", "pid", "process_name", "command_line",
                   "used_mem_mib", "k8s_namespace", "k8s_pod", "k8s_container")


def _identity(rns: list[int]) -> list[int]:
    return rns


class GpuLoad:
    """One telemetry load: an id, the SQL variables the shared SQL files read, and the ledger."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, gpu: GpuSettings, source: str,
                 uri: str, row_source: str) -> None:
        """`source` names the load (nvidia-smi-apps, spool…), `row_source` the rows' origin."""
        self.conn = conn
        self.gpu = gpu
        row = conn.execute("SELECT nextval('gpu_load_id_seq')").fetchone()
        assert row is not None
        self.report = LoadReport(load_id=int(row[0]), source=source, uri=uri)
        now = gpu.clock()
        self._set("gpu_load_id", self.report.load_id)
        self._set("gpu_source", row_source)
        self._set("gpu_now", now)
        self._set("gpu_future", now + timedelta(days=1))
        self._set("gpu_cutoff", gpu.cutoff())
        self._set("gpu_idle_util_pct", gpu.idle_util_pct)
        self._set("gpu_tz", gpu.timezone)
        self.set_range(None, None)
        self.valid_rows = 0

    def _set(self, name: str, value: object) -> None:
        self.conn.execute(f"SET VARIABLE {name} = ?", [value])

    def set_text(self, name: str, value: str | None) -> None:
        """A VARCHAR variable for the SQL files (typed even when NULL)."""
        self.conn.execute(f"SET VARIABLE {name} = ?::VARCHAR", [value])

    def set_number(self, name: str, value: float | None) -> None:
        self.conn.execute(f"SET VARIABLE {name} = ?::DOUBLE", [value])

    def set_range(self, first: datetime | None, last: datetime | None) -> None:
        """The incoming rows' time range: dedupe only looks at stored rows inside it."""
        self.conn.execute("SET VARIABLE gpu_min_ts = ?::TIMESTAMPTZ", [first])
        self.conn.execute("SET VARIABLE gpu_max_ts = ?::TIMESTAMPTZ", [last])
        self.report.first_ts = first
        self.report.last_ts = last

    def stage(self, samples: Sequence[dict[str, Any]] = (),
              processes: Sequence[dict[str, Any]] = ()) -> None:
        """Stage rows built in Python (small sources) for `merge_staged`; rn is list order."""
        self.conn.execute(read_sql("ingest/gpu_stage.sql"))
        for table, columns, rows in (("gpu_stage", SAMPLE_COLUMNS, samples),
                                     ("gpu_proc_stage", PROCESS_COLUMNS, processes)):
            if rows:
                marks = ", ".join("?" for _ in range(len(columns) + 1))
                self.conn.executemany(
                    f"INSERT INTO {table} VALUES ({marks})",
                    [[rn, *(row.get(c) for c in columns)] for rn, row in enumerate(rows, 1)])

    def merge_staged(self) -> LoadReport:
        """Merge what is in the staging tables and finish the load."""
        self.summarize()
        self.check()
        self.merge_samples()
        staged = self._scalar("SELECT count(*) FROM gpu_proc_stage")
        usable = self._scalar("SELECT count(*) FROM gpu_proc_incoming")
        self.report.rows_read += staged
        self.add_skip("process row without time, host or GPU, or in the future", staged - usable)
        self.merge_processes()
        return self.finish()

    def summarize(self, *, unique_ts: bool = True) -> list[tuple[int, str]]:
        """Run gpu_summary.sql over the temp view gpu_rows; return the header rows (rn, text)."""
        self._set("gpu_unique_ts", unique_ts)
        self.conn.execute(read_sql("ingest/gpu_summary.sql"))
        rows = self.conn.execute(
            "SELECT bad_rns, headers FROM gpu_summary WHERE problem = 'header'").fetchall()
        return sorted((int(rn), str(text)) for rns, texts in rows
                      for rn, text in zip(rns, texts, strict=True))

    def check(self, lines: LineMapper = _identity) -> None:
        """Count what the summary found: rows read, the time range, skipped rows and where."""
        conn = self.conn
        row = conn.execute(
            "SELECT sum(rows) FILTER (WHERE problem IS DISTINCT FROM 'header'), "
            "sum(rows) FILTER (WHERE problem IS NULL), "
            "min(first_ts) FILTER (WHERE problem IS NULL), max(last_ts) FILTER (WHERE problem IS NULL) "
            "FROM gpu_summary").fetchone()
        assert row is not None
        self.report.rows_read += int(row[0] or 0)
        self.valid_rows = int(row[1] or 0)
        self.set_range(row[2], row[3])
        problems = conn.execute(
            "SELECT problem, sum(rows), list_sort(flatten(list(bad_rns)))"
            f"[1:{FIRST_LINES_KEPT}] FROM gpu_summary WHERE problem <> 'header' "
            "GROUP BY problem ORDER BY min(bad_rns[1])").fetchall()
        for problem, count, first in problems:
            self.add_skip(str(problem), int(count), lines([int(r) for r in first]))
        conn.execute(read_sql("ingest/gpu_incoming_checks.sql"))

    def merge_samples(self) -> None:
        """Store `gpu_incoming` less what `check` set aside, already stored or sealed."""
        sealed = self._scalar("SELECT sum(rows) FROM gpu_sealed")
        self.add_skip(SEALED, sealed)
        self.conn.execute(read_sql("ingest/gpu_samples_insert.sql"))
        loaded = self._scalar("SELECT count(*) FROM gpu_samples "
                              "WHERE load_id = getvariable('gpu_load_id')")
        self.report.samples_loaded += loaded
        self.report.rows_duplicate += self.valid_rows - sealed - loaded

    def merge_processes(self, lines: LineMapper = _identity) -> None:
        """Store `gpu_proc_incoming` less repeats, rows already stored and sealed hours."""
        self.conn.execute(read_sql("ingest/gpu_processes_skip.sql"))
        rows = self.conn.execute(
            f"SELECT reason, count(*), list(rn ORDER BY rn)[1:{FIRST_LINES_KEPT}] "
            "FROM gpu_proc_skip GROUP BY reason ORDER BY min(rn)").fetchall()
        for reason, count, first in rows:
            if reason == "already loaded":
                self.report.rows_duplicate += int(count)
            else:
                self.add_skip(str(reason), int(count), lines([int(r) for r in first]))
        self.report.processes_loaded += self._scalar(
            "SELECT count(*) FROM gpu_processes WHERE load_id = getvariable('gpu_load_id')")

    def _scalar(self, sql: str) -> int:
        row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def add_skip(self, reason: str, rows: int, first_lines: Iterable[int] = ()) -> None:
        if rows:
            self.report.skips.append(Skip(reason, rows, list(first_lines)[:FIRST_LINES_KEPT]))

    def map_hosts(self, mappings: Iterable[HostMapping]) -> None:
        rows = [(m.host, m.instance_id, m.resource_id, m.provider, m.source) for m in mappings]
        if not rows:
            return
        self.conn.execute(
            "CREATE OR REPLACE TEMP TABLE gpu_host_map (host VARCHAR, instance_id VARCHAR, "
            "resource_id VARCHAR, provider VARCHAR, source VARCHAR)"
        )
        self.conn.executemany("INSERT INTO gpu_host_map VALUES (?, ?, ?, ?, ?)", rows)
        self.conn.execute(read_sql("ingest/gpu_hosts_map.sql"))

    def finish(self) -> LoadReport:
        """Roll up the touched hours, record the hosts seen, prune past the retention window."""
        conn = self.conn
        conn.execute(read_sql("ingest/gpu_hourly_refresh.sql"))
        conn.execute(read_sql("ingest/gpu_process_hourly_refresh.sql"))
        hours = conn.execute(
            "SELECT (SELECT count(*) FROM gpu_affected) + (SELECT count(*) FROM gpu_proc_affected "
            "p ANTI JOIN gpu_affected a USING (host, gpu_uuid, hour))"
        ).fetchone()
        self.report.hours = int(hours[0]) if hours else 0
        summary = conn.execute(
            "SELECT list(DISTINCT host ORDER BY host), count(DISTINCT host || '/' || gpu_uuid) "
            "FROM (SELECT host, gpu_uuid FROM gpu_samples WHERE load_id = getvariable('gpu_load_id') "
            "UNION ALL SELECT host, gpu_uuid FROM gpu_processes "
            "WHERE load_id = getvariable('gpu_load_id'))"
        ).fetchone()
        if summary and summary[0]:
            self.report.hosts = sorted(set(self.report.hosts) | set(summary[0]))
            self.report.gpus = max(self.report.gpus, int(summary[1]))
        conn.execute(read_sql("ingest/gpu_hosts_seen.sql"))
        self.map_hosts(self.gpu.hosts)
        conn.execute(read_sql("ingest/gpu_prune.sql"))
        return self.report

    def record(self) -> None:
        """Write the ledger row and its skip reasons (last, once the report is complete)."""
        r = self.report
        self.conn.execute(
            "INSERT INTO gpu_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r.load_id, r.source, r.uri, r.files or [r.uri], r.checksum, r.options, r.hosts,
             r.gpus, r.rows_read, r.rows_loaded, r.rows_duplicate, r.rows_skipped, r.first_ts,
             r.last_ts, r.hours, r.ignored_columns, r.started_at, datetime.now(UTC)],
        )
        for skip in r.skips:
            self.conn.execute("INSERT INTO gpu_load_skips VALUES (?, ?, ?, ?)",
                              [r.load_id, skip.reason, skip.rows, skip.first_lines])

