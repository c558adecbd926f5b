"""A local BigQuery REST endpoint for the real google-cloud-bigquery client (tests only).

`FakeBigQuery` listens on 127.0.0.1 (a threaded http.server) and answers the calls the client
makes for our ingest: tables.get, jobs.insert, jobs.get, jobs.getQueryResults (paged with
maxResults/pageToken), tabledata.list and jobs.query. Tables are defined with BigQuery schemas
(RECORD and REPEATED fields included) and Python rows; rows go back in BigQuery's wire format
(`{"f": [{"v": …}]}`, records nested, repeated fields as lists, TIMESTAMP as microseconds when
the client asks for int64 timestamps).

Queries really run: in DuckDB, after rewriting the few GoogleSQL spellings our pushdown SQL uses
(back-quoted table names, @parameters, FLOAT64, TO_JSON_STRING, SAFE_DIVIDE). A query using
anything else fails here as BigQuery would fail a bad query (400 invalidQuery), so a test
cannot pass on SQL that neither engine would run. DuckDB accepts the correlated
`(SELECT SUM(c.amount) FROM UNNEST(credits) AS c)` subquery as written.

Failures are injected per call kind (`fail("jobs.insert", 403, "accessDenied", …)`), and every
request is recorded in `calls` so tests can assert paging happened.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb

Schema = list[dict[str, Any]]


# The billing export's schema as BigQuery describes it (detailed / resource-level export).
def _f(name: str, type_: str = "STRING", mode: str = "NULLABLE",
       fields: Schema | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": type_, "mode": mode}
    if fields is not None:
        out["fields"] = fields
    return out


LABELS = [_f("key"), _f("value")]
BILLING_SCHEMA: Schema = [
    _f("billing_account_id"),
    _f("service", "RECORD", fields=[_f("id"), _f("description")]),
    _f("sku", "RECORD", fields=[_f("id"), _f("description")]),
    _f("usage_start_time", "TIMESTAMP"),
    _f("usage_end_time", "TIMESTAMP"),
    _f("project", "RECORD", fields=[
        _f("id"), _f("number"), _f("name"), _f("labels", "RECORD", "REPEATED", LABELS),
        _f("ancestry_numbers")]),
    _f("labels", "RECORD", "REPEATED", LABELS),
    _f("system_labels", "RECORD", "REPEATED", LABELS),
    _f("location", "RECORD", fields=[_f("location"), _f("country"), _f("region"), _f("zone")]),
    _f("resource", "RECORD", fields=[_f("name"), _f("global_name")]),
    _f("export_time", "TIMESTAMP"),
    _f("cost", "FLOAT"),
    _f("currency"),
    _f("currency_conversion_rate", "FLOAT"),
    _f("usage", "RECORD", fields=[_f("amount", "FLOAT"), _f("unit"),
                                  _f("amount_in_pricing_units", "FLOAT"), _f("pricing_unit")]),
    _f("credits", "RECORD", "REPEATED", [_f("name"), _f("amount", "FLOAT"), _f("full_name"),
                                         _f("id"), _f("type")]),
    _f("invoice", "RECORD", fields=[_f("month"), _f("publisher_type")]),
    _f("cost_type"),
    _f("adjustment_info", "RECORD", fields=[_f("id"), _f("description"), _f("mode"),
                                            _f("type")]),
    _f("price", "RECORD", fields=[_f("effective_price", "FLOAT"),
                                  _f("tier_start_amount", "FLOAT"), _f("unit"),
                                  _f("pricing_unit_quantity", "FLOAT")]),
    _f("cost_at_list", "FLOAT"),
    _f("transaction_type"),
    _f("seller_name"),
    _f("subscription", "RECORD", fields=[_f("instance_id")]),
]

# The standard export lacks the resource-level fields (and, in older tables, a few newer ones).
STANDARD_SCHEMA: Schema = [f for f in BILLING_SCHEMA
                           if f["name"] not in ("resource", "price", "subscription", "cost_at_list")]

_SCALARS = {"STRING": "VARCHAR", "FLOAT": "DOUBLE", "FLOAT64": "DOUBLE", "INTEGER": "BIGINT",
            "INT64": "BIGINT", "TIMESTAMP": "TIMESTAMPTZ", "BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN",
            "NUMERIC": "DECIMAL(38, 9)", "DATE": "DATE", "DATETIME": "TIMESTAMP"}


def duck_type(field_: dict[str, Any]) -> str:
    if field_["type"] in ("RECORD", "STRUCT"):
        inner = ", ".join(f'"{f["name"]}" {duck_type(f)}' for f in field_["fields"])
        base = f"STRUCT({inner})"
    else:
        base = _SCALARS[field_["type"]]
    return f"{base}[]" if field_.get("mode") == "REPEATED" else base


def bq_field(name: str, dtype: Any) -> dict[str, Any]:
    """A BigQuery schema field for a DuckDB result column."""
    type_id = dtype.id
    if type_id == "list":
        inner = bq_field(name, dtype.child)
        inner["mode"] = "REPEATED"
        return inner
    if type_id == "struct":
        return {"name": name, "type": "RECORD", "mode": "NULLABLE",
                "fields": [bq_field(n, t) for n, t in dtype.children]}
    mapping = {"varchar": "STRING", "double": "FLOAT", "float": "FLOAT", "bigint": "INTEGER",
               "integer": "INTEGER", "hugeint": "INTEGER", "timestamp with time zone": "TIMESTAMP",
               "timestamp": "DATETIME", "date": "DATE", "boolean": "BOOLEAN",
               "decimal": "NUMERIC", "json": "STRING"}
    return {"name": name, "type": mapping.get(type_id, "STRING"), "mode": "NULLABLE"}


def encode(value: Any, field_: dict[str, Any], int64_ts: bool) -> Any:
    """One value in the tabledata wire format."""
    if field_.get("mode") == "REPEATED":
        scalar = {**field_, "mode": "NULLABLE"}
        return [{"v": encode(v, scalar, int64_ts)} for v in (value or [])]
    if value is None:
        return None
    if field_["type"] == "RECORD":
        return {"f": [{"v": encode(value.get(f["name"]), f, int64_ts)} for f in field_["fields"]]}
    if field_["type"] == "TIMESTAMP":
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        micros = int(moment.timestamp() * 1_000_000)
        return str(micros) if int64_ts else repr(micros / 1_000_000)
    if field_["type"] == "BOOLEAN":
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (date, datetime, Decimal)):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return str(value)


def translate(sql: str, tables: dict[str, str]) -> str:
    """GoogleSQL as our pushdown files write it → DuckDB."""
    def table(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in tables:
            raise NotFoundError(f"Not found: Table {name.replace('.', ':', 1)} was not found")
        return f'"{tables[name]}"'

    out = re.sub(r"`([^`]+)`", table, sql)
    out = re.sub(r"@(\w+)", r"$\1", out)
    return re.sub(r"\bFLOAT64\b", "DOUBLE", out)


class NotFoundError(Exception):
    pass


@dataclass
class Injected:
    status: int
    reason: str
    message: str
    times: int | None  # None: every time
    after: int = 0  # let this many calls through first


@dataclass
class Job:
    job_id: str
    project: str
    location: str
    query: str
    schema: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: dict[str, Any] | None = None


@dataclass
class Call:
    method: str
    kind: str
    path: str
    params: dict[str, str]


class FakeBigQuery:
    """See the module docstring. Use `add_table`, then point the client at `url`."""

    def __init__(self, location: str = "US") -> None:
        self.location = location
        self.db = duckdb.connect()
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute("CREATE MACRO to_json_string(x) AS CAST(to_json(x) AS VARCHAR)")
        self.db.execute("CREATE MACRO safe_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE a / b END")
        self.tables: dict[str, str] = {}  # project.dataset.table -> duckdb table
        self.schemas: dict[str, Schema] = {}
        self.partitioned: dict[str, bool] = {}
        self.jobs: dict[str, Job] = {}
        self.calls: list[Call] = []
        self.queries: list[str] = []
        self._failures: dict[str, list[Injected]] = {}
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # -- arranging ---------------------------------------------------------------------------

    def add_table(self, name: str, rows: list[dict[str, Any]], *, schema: Schema | None = None,
                  partitioned: bool = True) -> None:
        """Create (or replace) a table; rows are dicts shaped like the schema (nested dicts,
        lists of dicts for repeated records, datetimes for timestamps). With `partitioned`, the
        table is ingestion-time partitioned: _PARTITIONTIME is the UTC day of usage_start_time."""
        schema = schema or BILLING_SCHEMA
        duck = "t_" + re.sub(r"\W", "_", name)
        columns = [f'"{f["name"]}" {duck_type(f)}' for f in schema]
        if partitioned:
            columns.append('"_PARTITIONTIME" TIMESTAMPTZ')
        with self._lock:
            self.db.execute(f'CREATE OR REPLACE TABLE "{duck}" ({", ".join(columns)})')
            self.tables[name] = duck
            self.schemas[name] = schema
            self.partitioned[name] = partitioned
        self.append_rows(name, rows)

    def append_rows(self, name: str, rows: list[dict[str, Any]]) -> None:
        """Late rows: the export appends, never rewrites."""
        schema = self.schemas[name]
        names = [f["name"] for f in schema]
        params = []
        for row in rows:
            values = [row.get(n) for n in names]
            if self.partitioned[name]:
                start = row.get("usage_start_time")
                values.append(datetime(start.year, start.month, start.day, tzinfo=UTC)
                              if start else None)
            params.append(values)
        if not params:
            return
        marks = ", ".join("?" for _ in params[0])
        with self._lock:
            self.db.executemany(f'INSERT INTO "{self.tables[name]}" VALUES ({marks})', params)

    def fail(self, kind: str, status: int, reason: str, message: str,
             times: int | None = None, after: int = 0) -> None:
        """Answer calls of `kind` (e.g. 'jobs.insert') with an HTTP error: `times` of them (all
        when None), after letting `after` calls through."""
        self._failures.setdefault(kind, []).append(Injected(status, reason, message, times, after))

    def count(self, kind: str) -> int:
        return sum(1 for c in self.calls if c.kind == kind)

    # -- serving -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeBigQuery:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._dispatch(self, "GET")

            def do_POST(self) -> None:
                fake._dispatch(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self.db.close()

    # -- the REST API ------------------------------------------------------------------------

    ROUTES = (
        ("GET", r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)/data", "tabledata.list"),
        ("GET", r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)", "tables.get"),
        ("POST", r"/bigquery/v2/projects/([^/]+)/jobs", "jobs.insert"),
        ("GET", r"/bigquery/v2/projects/([^/]+)/jobs/([^/]+)", "jobs.get"),
        ("GET", r"/bigquery/v2/projects/([^/]+)/queries/([^/]+)", "jobs.getQueryResults"),
        ("POST", r"/bigquery/v2/projects/([^/]+)/queries", "jobs.query"),
    )

    def _dispatch(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(handler.path)
        params = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}") if length else {}
        for verb, pattern, kind in self.ROUTES:
            match = re.fullmatch(pattern, parsed.path)
            if verb == method and match:
                self.calls.append(Call(method, kind, parsed.path, params))
                injected = self._injected(kind)
                if injected is not None:
                    self._error(handler, injected.status, injected.reason, injected.message)
                    return
                try:
                    with self._lock:
                        status, payload = getattr(self, "_" + kind.replace(".", "_"))(
                            *match.groups(), params=params, body=body)
                except NotFoundError as exc:
                    self._error(handler, 404, "notFound", str(exc))
                    return
                self._send(handler, status, payload)
                return
        self._error(handler, 404, "notFound", f"no fake route for {method} {parsed.path}")

    def _injected(self, kind: str) -> Injected | None:
        with self._lock:
            for item in self._failures.get(kind, []):
                if item.after > 0:
                    item.after -= 1
                    continue
                if item.times is None:
                    return item
                if item.times > 0:
                    item.times -= 1
                    return item
        return None

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler: BaseHTTPRequestHandler, status: int, reason: str,
               message: str) -> None:
        state = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 429: "RESOURCE_EXHAUSTED"}.get(status, "UNKNOWN")
        self._send(handler, status, {"error": {
            "code": status, "message": message, "status": state,
            "errors": [{"message": message, "domain": "global", "reason": reason}]}})

    def _tables_get(self, project: str, dataset: str, table: str, *, params: dict[str, str],
                    body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name = f"{project}.{dataset}.{table}"
        if name not in self.tables:
            raise NotFoundError(f"Not found: Table {project}:{dataset}.{table}")
        count = self.db.execute(f'SELECT count(*) FROM "{self.tables[name]}"').fetchone()
        resource: dict[str, Any] = {
            "kind": "bigquery#table", "id": f"{project}:{dataset}.{table}",
            "tableReference": {"projectId": project, "datasetId": dataset, "tableId": table},
            "schema": {"fields": self.schemas[name]}, "numRows": str(count[0] if count else 0),
            "location": self.location, "type": "TABLE"}
        if self.partitioned[name]:
            resource["timePartitioning"] = {"type": "DAY"}
        return 200, resource

    def _run(self, project: str, query: str, parameters: list[dict[str, Any]]) -> Job:
        job = Job(job_id=f"job_{uuid.uuid4().hex[:12]}", project=project, location=self.location,
                  query=query)
        self.queries.append(query)
        values: dict[str, Any] = {}
        for p in parameters:
            kind = p["parameterType"]["type"]
            raw = p["parameterValue"].get("value")
            if kind == "TIMESTAMP" and raw is not None:
                values[p["name"]] = datetime.fromisoformat(raw.replace(" UTC", "+00:00")
                                                           .replace("Z", "+00:00"))
            elif kind in ("INT64", "INTEGER") and raw is not None:
                values[p["name"]] = int(raw)
            else:
                values[p["name"]] = raw
        sql = translate(query, self.tables)
        result = f"r_{job.job_id}"
        try:
            with self._lock:
                self.db.execute(f'CREATE TABLE "{result}" AS {sql}', values)
                relation = self.db.table(result)
                job.schema = [bq_field(n, t) for n, t in zip(relation.columns, relation.types,
                                                             strict=True)]
                job.rows = self.db.execute(f'SELECT * FROM "{result}"').fetchall()
                self.db.execute(f'DROP TABLE "{result}"')
        except duckdb.Error as exc:
            job.error = {"reason": "invalidQuery", "message": str(exc).splitlines()[0]}
        self.jobs[job.job_id] = job
        return job

    def _job_resource(self, job: Job, body: dict[str, Any] | None = None) -> dict[str, Any]:
        status: dict[str, Any] = {"state": "DONE"}
        if job.error:
            status["errorResult"] = job.error
            status["errors"] = [job.error]
        return {
            "kind": "bigquery#job", "id": f"{job.project}:{job.location}.{job.job_id}",
            "jobReference": {"projectId": job.project, "jobId": job.job_id,
                             "location": job.location},
            "configuration": (body or {}).get("configuration",
                                              {"query": {"query": job.query}, "jobType": "QUERY"}),
            "status": status,
            "statistics": {"creationTime": "0", "startTime": "0", "endTime": "0",
                           "query": {"totalBytesProcessed": "0", "statementType": "SELECT"}},
        }

    def _jobs_insert(self, project: str, *, params: dict[str, str],
                     body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        config = body.get("configuration", {}).get("query", {})
        job = self._run(project, config.get("query", ""), config.get("queryParameters", []))
        requested = body.get("jobReference", {}).get("jobId")
        if requested:
            self.jobs.pop(job.job_id)
            job.job_id = requested
            self.jobs[requested] = job
        if job.error:
            # BigQuery rejects a query it cannot parse when the job is inserted.
            return 400, {"error": {"code": 400, "message": job.error["message"],
                                   "status": "INVALID_ARGUMENT",
                                   "errors": [{**job.error, "domain": "global"}]}}
        return 200, self._job_resource(job, body)

    def _jobs_get(self, project: str, job_id: str, *, params: dict[str, str],
                  body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if job_id not in self.jobs:
            raise NotFoundError(f"Not found: Job {project}:{job_id}")
        return 200, self._job_resource(self.jobs[job_id])

    def _page(self, job: Job, params: dict[str, str]) -> dict[str, Any]:
        start = int(params.get("pageToken") or params.get("startIndex") or 0)
        size = int(params.get("maxResults") or 0) or len(job.rows) or 1
        if "maxResults" in params and int(params["maxResults"]) == 0:
            size = 0
        chunk = job.rows[start:start + size]
        int64_ts = params.get("formatOptions.useInt64Timestamp", "").lower() == "true"
        page: dict[str, Any] = {"totalRows": str(len(job.rows))}
        if size:
            page["rows"] = [{"f": [{"v": encode(v, f, int64_ts)}
                                   for v, f in zip(row, job.schema, strict=True)]}
                            for row in chunk]
        if size and start + size < len(job.rows):
            page["pageToken"] = str(start + size)
        return page

    def _jobs_getQueryResults(self, project: str, job_id: str, *, params: dict[str, str],
                              body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if job_id not in self.jobs:
            raise NotFoundError(f"Not found: Job {project}:{job_id}")
        job = self.jobs[job_id]
        return 200, {"kind": "bigquery#getQueryResultsResponse", "etag": job.job_id,
                     "schema": {"fields": job.schema},
                     "jobReference": {"projectId": project, "jobId": job_id,
                                      "location": job.location},
                     "jobComplete": True, "totalBytesProcessed": "0", "cacheHit": False,
                     **self._page(job, params)}

    def _jobs_query(self, project: str, *, params: dict[str, str],
                    body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        job = self._run(project, body.get("query", ""), body.get("queryParameters", []))
        if job.error:
            return 400, {"error": {"code": 400, "message": job.error["message"],
                                   "errors": [{**job.error, "domain": "global"}]}}
        page_params = {"maxResults": str(body.get("maxResults") or 0)} \
            if body.get("maxResults") else {}
        return 200, {"kind": "bigquery#queryResponse", "schema": {"fields": job.schema},
                     "jobReference": {"projectId": project, "jobId": job.job_id,
                                      "location": job.location},
                     "jobComplete": True, **self._page(job, page_params)}

    def _tabledata_list(self, project: str, dataset: str, table: str, *, params: dict[str, str],
                        body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name = f"{project}.{dataset}.{table}"
        if name not in self.tables:
            raise NotFoundError(f"Not found: Table {project}:{dataset}.{table}")
        schema = self.schemas[name]
        columns = ", ".join(f'"{f["name"]}"' for f in schema)
        rows = self.db.execute(f'SELECT {columns} FROM "{self.tables[name]}"').fetchall()
        job = Job(job_id="tabledata", project=project, location=self.location, query="",
                  schema=schema, rows=rows)
        page = self._page(job, params)
        return 200, {"kind": "bigquery#tableDataList", "etag": "x", **page}
