-- Reports and syncs leave a record: a report compares its recommendations with the snapshot of
-- the previous one ("what changed since the last report"), and `aifinops status` can say when
-- the last sync ran and how it ended.

CREATE SEQUENCE report_run_seq START 1;
CREATE TABLE report_runs (
    run_id              BIGINT PRIMARY KEY DEFAULT nextval('report_run_seq'),
    generated_at        TIMESTAMPTZ NOT NULL,
    period_label        VARCHAR NOT NULL,
    period_start        DATE NOT NULL,
    period_end          DATE NOT NULL,             -- exclusive
    as_of               DATE,                      -- last day with data when it was written
    cost                DOUBLE,                    -- effective cost of the period
    formats             VARCHAR[],
    paths               VARCHAR[],
    recommendations     JSON                       -- [{id, rule, status, title, saving}] then
);

CREATE SEQUENCE sync_run_seq START 1;
CREATE TABLE sync_runs (
    run_id              BIGINT PRIMARY KEY DEFAULT nextval('sync_run_seq'),
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    exit_code           INTEGER,
    sources_ok          INTEGER,
    sources_failed      INTEGER,
    alerts              JSON,                      -- [{kind, name, message}]
    failures            JSON                       -- [{source, reason}]
);
