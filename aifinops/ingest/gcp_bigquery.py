"""Read a Cloud Billing export table through google-cloud-bigquery, month by month.

Three queries, all in `sql/pushdown/`: what each (billing account, invoice month) holds
(`gcp_export_months.sql`: newest export_time and row count, so unchanged months are skipped),
and the rows of one month (`gcp_billing_rows.sql`), or their daily per-resource sums
(`gcp_billing_daily.sql`, `--pushdown`). The templates are filled in for the table's own schema
(`tables.get`): fields an older or standard export lacks are read as NULL, and the partition
filter is used only on ingestion-time partitioned tables.

Rows come back page by page over the REST API as Arrow record batches and are spooled to a
parquet file, so memory stays bounded by a page and nothing touches the database until the
whole month has arrived (a failure half-way leaves the database as it was).

Every BigQuery failure becomes one `BigQueryError` sentence that names the table and says what
to do: permission denied, table not found, quota or rate limit, bad credentials, no endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aifinops.errors import AifinopsError
from aifinops.sqlfiles import read_sql

TABLE_RE = re.compile(r"^(?P<project>[A-Za-z0-9][A-Za-z0-9.:_-]*)\.(?P<dataset>[A-Za-z0-9_]+)"
                      r"\.(?P<table>[A-Za-z0-9_$-]+)$")
_OPTIONAL_RE = re.compile(r"^(?P<indent>\s*)(?P<expr>[A-Za-z_][A-Za-z0-9_.]*)(?P<rest>.*?)"
                          r"--\s*optional\s+(?P<type>[A-Z0-9]+)\s*$")
_PLAIN_RE = re.compile(r"^\s*(?P<path>[A-Za-z_][A-Za-z0-9_.]*)(\s+AS\s+\w+)?,?\s*(--.*)?$")
_PARTITIONED = "-- partitioned"


class BigQueryError(AifinopsError):
    """BigQuery refused or failed a request; the message names the table and the cause."""


@dataclass(frozen=True)
class TableInfo:
    table: str
    fields: frozenset[str]  # dotted paths; repeated records are leaves
    ingestion_partitioned: bool
    location: str | None
    detailed: bool  # the resource-level export (resource.name / resource.global_name)


@dataclass(frozen=True)
class MonthState:
    billing_account_id: str
    invoice_month: str  # YYYYMM
    max_export_time: datetime | None
    row_count: int

    @property
    def period(self) -> str:
        return f"{self.invoice_month[:4]}-{self.invoice_month[4:]}"


def parse_table(table: str) -> tuple[str, str, str]:
    match = TABLE_RE.match(table.strip().strip("`"))
    if not match:
        raise BigQueryError(f"--table {table!r}: expected PROJECT.DATASET.TABLE, e.g. "
                            "my-project.billing.gcp_billing_export_resource_v1_XXXXXX_XXXXXX_XXXXXX")
    return match["project"], match["dataset"], match["table"]


def required_paths() -> set[str]:
    """Fields the row query reads unconditionally: a table without them is not a billing export."""
    paths: set[str] = set()
    body = read_sql("pushdown/gcp_billing_rows.sql")
    select = body[body.index("SELECT"):body.index("FROM {table}")]
    for line in select.splitlines()[1:]:
        if "optional" in line:
            continue
        match = _PLAIN_RE.match(line)
        if match:
            paths.add(match["path"])
    paths.add("credits")
    return paths


def render(name: str, info: TableInfo) -> str:
    """A pushdown template filled in for one table (see the header of gcp_billing_rows.sql)."""
    lines = []
    for line in read_sql(f"pushdown/{name}").splitlines():
        if line.lstrip().startswith("--"):
            continue
        if line.rstrip().endswith(_PARTITIONED):
            if info.ingestion_partitioned:
                lines.append(line[: line.rindex(_PARTITIONED)].rstrip())
            continue
        match = _OPTIONAL_RE.match(line)
        if match:
            expr = match["expr"] if match["expr"] in info.fields else \
                f"CAST(NULL AS {match['type']})"
            line = f"{match['indent']}{expr}{match['rest'].rstrip()}"
        lines.append(line)
    project, dataset, table = parse_table(info.table)
    return "\n".join(lines).replace("{table}", f"`{project}.{dataset}.{table}`")


def rows_query(info: TableInfo, *, pushdown: bool) -> str:
    rows = render("gcp_billing_rows.sql", info)
    if not pushdown:
        return rows
    return render("gcp_billing_daily.sql", info).replace("{rows}", rows)


def _schema_paths(fields: Any, prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for f in fields:
        path = f"{prefix}{f.name}"
        paths.add(path)
        if f.field_type in ("RECORD", "STRUCT") and f.mode != "REPEATED":
            paths |= _schema_paths(f.fields, f"{path}.")
    return paths


class BillingExportReader:
    """One billing export table, read with the real google-cloud-bigquery client."""

    def __init__(
        self,
        table: str,
        *,
        project: str | None = None,
        location: str | None = None,
        api_endpoint: str | None = None,
        anonymous: bool = False,
        retry_deadline: float = 120.0,
        page_size: int | None = None,
        client: Any = None,
    ) -> None:
        self.table = table.strip().strip("`")
        self.table_project, self.dataset, self.table_id = parse_table(self.table)
        self.project = project or self.table_project
        self.location = location
        self.api_endpoint = api_endpoint
        self.anonymous = anonymous
        self.retry_deadline = retry_deadline
        self.page_size = page_size
        self._client = client

    # -- plumbing --------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._errors("connect"):
                from google.cloud import bigquery

                credentials = None
                if self.anonymous:
                    from google.auth.credentials import AnonymousCredentials

                    credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
                options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
                self._client = bigquery.Client(project=self.project, location=self.location,
                                               credentials=credentials, client_options=options)
        return self._client

    def _retries(self) -> tuple[Any, Any]:
        """Request retries (rate limits, 5xx, dropped connections) bounded by our deadline.

        Job-level retries are off (None): the client wraps job insertion in its own fixed
        ten-minute retry whatever deadline it is given, which would keep a cron run waiting on a
        rate limit far beyond `[gcp] retry_deadline_s`.
        """
        from google.cloud.bigquery import DEFAULT_RETRY

        return DEFAULT_RETRY.with_deadline(self.retry_deadline), None

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except BigQueryError:
            raise
        except Exception as exc:  # google.api_core, google.auth, requests: translated below
            raise BigQueryError(explain(exc, table=self.table, project=self.project,
                                        endpoint=self.api_endpoint, action=action)) from exc

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # -- the three steps -------------------------------------------------------------------

    def describe(self) -> TableInfo:
        """The table's fields and partitioning (tables.get); refuses tables that are no export."""
        retry, _ = self._retries()
        with self._errors("read the table's schema"):
            table = self.client.get_table(self.table, retry=retry)
        fields = frozenset(_schema_paths(table.schema))
        partitioning = table.time_partitioning
        info = TableInfo(
            table=self.table,
            fields=fields,
            ingestion_partitioned=partitioning is not None and partitioning.field is None,
            location=table.location,
            detailed="resource.global_name" in fields,
        )
        missing = sorted(required_paths() - fields)
        if missing:
            raise BigQueryError(
                f"BigQuery table {self.table} is not a Cloud Billing export: it lacks "
                f"{', '.join(missing[:6])}{' …' if len(missing) > 6 else ''} (expected "
                "gcp_billing_export_v1_… or gcp_billing_export_resource_v1_…)")
        if self.location is None and info.location:
            self.location = info.location
        return info

    def months(self, info: TableInfo, first_month: str, scan_from: datetime) -> list[MonthState]:
        from google.cloud import bigquery

        params = [bigquery.ScalarQueryParameter("first_month", "STRING", first_month),
                  *self._scan_param(info, scan_from)]
        states = []
        for row in self._query(render("gcp_export_months.sql", info), params,
                               "list the invoice months"):
            states.append(MonthState(str(row["billing_account_id"]), str(row["invoice_month"]),
                                     row["max_export_time"], int(row["row_count"])))
        return states

    def fetch(self, info: TableInfo, month: MonthState, *, pushdown: bool, scan_from: datetime,
              dest: Path) -> int:
        """Spool one month's rows (or daily sums) to a parquet file; return how many rows."""
        from google.cloud import bigquery

        params = [
            bigquery.ScalarQueryParameter("billing_account_id", "STRING", month.billing_account_id),
            bigquery.ScalarQueryParameter("invoice_month", "STRING", month.invoice_month),
            *self._scan_param(info, scan_from),
        ]
        sql = rows_query(info, pushdown=pushdown)
        action = f"read invoice month {month.period} of {month.billing_account_id}"
        retry, job_retry = self._retries()
        with self._errors(action):
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            job = self.client.query(sql, job_config=self._config(params), location=self.location,
                                    project=self.project, retry=retry, job_retry=job_retry)
            rows = job.result(page_size=self.page_size, retry=retry)
            count = 0
            writer = None
            try:
                for batch in rows.to_arrow_iterable():
                    if writer is None:
                        writer = pq.ParquetWriter(str(dest), batch.schema)
                    writer.write_batch(batch)
                    count += batch.num_rows
            finally:
                if writer is not None:
                    writer.close()
        return count

    @staticmethod
    def _scan_param(info: TableInfo, scan_from: datetime) -> list[Any]:
        """@scan_from, sent only where the partition filter that reads it is kept."""
        from google.cloud import bigquery

        if not info.ingestion_partitioned:
            return []
        return [bigquery.ScalarQueryParameter("scan_from", "TIMESTAMP", scan_from)]

    def _config(self, params: list[Any]) -> Any:
        from google.cloud import bigquery

        return bigquery.QueryJobConfig(query_parameters=params, use_legacy_sql=False,
                                       labels={"aifinops": "ingest-gcp-billing"})

    def _query(self, sql: str, params: list[Any], action: str) -> list[Any]:
        retry, job_retry = self._retries()
        with self._errors(action):
            job = self.client.query(sql, job_config=self._config(params), location=self.location,
                                    project=self.project, retry=retry, job_retry=job_retry)
            return list(job.result(retry=retry))


def explain(exc: BaseException, *, table: str, project: str | None, endpoint: str | None,
            action: str) -> str:
    """One sentence for a BigQuery, auth or network failure, naming the table and the remedy."""
    from google.api_core import exceptions as api

    where = f"BigQuery table {table}"
    if isinstance(exc, api.RetryError) and exc.cause is not None:
        exc = exc.cause
    reasons = _reasons(exc)
    message = _message(exc)
    if isinstance(exc, api.GoogleAPICallError):
        code = exc.code
        if "quotaExceeded" in reasons or "rateLimitExceeded" in reasons or code == 429:
            reason = next((r for r in reasons if r in ("quotaExceeded", "rateLimitExceeded")),
                          "rate limited")
            return (f"{where}: quota exceeded while trying to {action} ({code} {reason}: "
                    f"{message}); nothing more was loaded from it, run again later or raise the "
                    f"quota of project {project}")
        if code == 403 or "accessDenied" in reasons:
            return (f"{where}: permission denied while trying to {action} ({code} "
                    f"{', '.join(reasons) or 'forbidden'}: {message}); the credentials need "
                    f"BigQuery Data Viewer on the table and BigQuery Job User on project {project}")
        if code == 404 or "notFound" in reasons:
            return (f"{where}: not found ({message}); check --table (PROJECT.DATASET.TABLE) and "
                    "--location")
        if code == 401:
            return (f"{where}: the credentials were rejected ({message}); run `gcloud auth "
                    "application-default login` or set GOOGLE_APPLICATION_CREDENTIALS")
        if code == 400:
            return f"{where}: BigQuery rejected the query to {action} ({message})"
        return f"{where}: BigQuery failed to {action} ({code} {', '.join(reasons)}: {message})"
    name = type(exc).__name__
    if name == "DefaultCredentialsError":
        return (f"{where}: no Google credentials found; run `gcloud auth application-default "
                "login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file")
    if name in ("RefreshError", "TransportError") and "auth" in type(exc).__module__:
        return f"{where}: the Google credentials could not be refreshed ({message})"
    if isinstance(exc, (ConnectionError, OSError)) or "ConnectionError" in name or \
            "Timeout" in name:
        target = endpoint or "bigquery.googleapis.com"
        return f"{where}: cannot reach BigQuery at {target} to {action} ({message})"
    if isinstance(exc, ImportError):
        return f"{where}: a library BigQuery needs is missing ({message})"
    return f"{where}: failed to {action} ({name}: {message})"


def _reasons(exc: BaseException) -> list[str]:
    errors = getattr(exc, "errors", None) or []
    out = []
    for error in errors:
        if isinstance(error, dict) and error.get("reason"):
            out.append(str(error["reason"]))
    return out


def _message(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:300]
