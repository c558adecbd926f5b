-- GPU telemetry: raw samples (kept for [gpu] raw_retention_days), hourly rollups (kept forever),
-- processes seen on each GPU, host → cloud resource mapping, and a ledger of telemetry loads.
-- Timestamps are TIMESTAMPTZ in UTC; units are in the column names.

CREATE SEQUENCE gpu_load_id_seq START 1;

-- One row per GPU per sample, from nvidia-smi logs, DCGM scrapes or the aifinops sampler.
-- Unique on (host, gpu_uuid, ts) by construction: every ingest anti-joins what is already here.
CREATE TABLE gpu_samples (
    ts                TIMESTAMPTZ NOT NULL,
    host              VARCHAR NOT NULL,
    gpu_uuid          VARCHAR NOT NULL,  -- GPU-…; 'pci:<bus id>' or 'index:<n>' when a log has no uuid
    gpu_index         SMALLINT,
    gpu_name          VARCHAR,
    pci_bus_id        VARCHAR,
    util_pct          DOUBLE,            -- utilization.gpu: % of time a kernel ran (NULL on MIG)
    mem_util_pct      DOUBLE,            -- utilization.memory
    mem_used_mib      DOUBLE,
    mem_total_mib     DOUBLE,
    power_w           DOUBLE,
    power_limit_w     DOUBLE,
    temp_c            DOUBLE,
    sm_clock_mhz      DOUBLE,
    gr_engine_active  DOUBLE,            -- DCGM_FI_PROF_GR_ENGINE_ACTIVE, ratio 0..1
    sm_active         DOUBLE,            -- DCGM_FI_PROF_SM_ACTIVE, ratio 0..1
    interval_s        DOUBLE,            -- seconds this sample stands for (the logging interval)
    source            VARCHAR NOT NULL,  -- nvidia-smi, dcgm, sampler
    load_id           BIGINT NOT NULL
);

-- Compute processes (and Kubernetes pods from DCGM labels) seen on a GPU at a sample time.
CREATE TABLE gpu_processes (
    ts                TIMESTAMPTZ NOT NULL,
    host              VARCHAR NOT NULL,
    gpu_uuid          VARCHAR NOT NULL,
    pid               BIGINT,
    process_name      VARCHAR,
    command_line      VARCHAR,
    used_mem_mib      DOUBLE,
    k8s_namespace     VARCHAR,
    k8s_pod           VARCHAR,
    k8s_container     VARCHAR,
    source            VARCHAR NOT NULL,
    load_id           BIGINT NOT NULL
);

-- Per host, GPU and hour. Views read this, never gpu_samples. `raw_kept` turns false when the
-- hour's raw samples pass the retention window: later samples for that hour are then skipped
-- (they could only be merged by recounting samples that are gone).
CREATE TABLE gpu_hourly (
    host               VARCHAR NOT NULL,
    gpu_uuid           VARCHAR NOT NULL,
    hour               TIMESTAMPTZ NOT NULL,  -- start of the UTC hour
    gpu_name           VARCHAR,
    gpu_index          SMALLINT,
    samples            BIGINT NOT NULL,
    observed_seconds   DOUBLE NOT NULL,       -- seconds of the hour the samples stand for (≤ 3600)
    coverage           DOUBLE NOT NULL,       -- observed_seconds / 3600
    util_mean_pct      DOUBLE,                -- utilization.gpu
    util_max_pct       DOUBLE,
    activity_mean_pct  DOUBLE,                -- the idle signal: DCGM GR_ENGINE_ACTIVE or SM_ACTIVE ×100, else utilization.gpu
    activity_max_pct   DOUBLE,
    activity_signal    VARCHAR,               -- dcgm_gr_engine_active, dcgm_sm_active, utilization_gpu, mixed, or NULL (none)
    idle_seconds       DOUBLE,                -- observed seconds with activity below idle_util_pct
    idle_util_pct      DOUBLE NOT NULL,       -- the [gpu] idle_util_pct threshold in force
    mem_used_mean_mib  DOUBLE,
    mem_used_max_mib   DOUBLE,
    mem_total_mib      DOUBLE,
    power_mean_w       DOUBLE,
    power_max_w        DOUBLE,
    raw_kept           BOOLEAN NOT NULL,
    load_id            BIGINT NOT NULL,       -- the load that last recomputed this row
    updated_at         TIMESTAMPTZ NOT NULL
);

-- Per host, GPU, hour and process (or pod): who used the GPU, so views can name the model.
CREATE TABLE gpu_process_hourly (
    host               VARCHAR NOT NULL,
    gpu_uuid           VARCHAR NOT NULL,
    hour               TIMESTAMPTZ NOT NULL,
    pid                BIGINT,
    process_name       VARCHAR,
    command_line       VARCHAR,
    k8s_namespace      VARCHAR,
    k8s_pod            VARCHAR,
    k8s_container      VARCHAR,
    samples            BIGINT NOT NULL,
    first_seen_at      TIMESTAMPTZ NOT NULL,
    last_seen_at       TIMESTAMPTZ NOT NULL,
    used_mem_mean_mib  DOUBLE,
    used_mem_max_mib   DOUBLE,
    raw_kept           BOOLEAN NOT NULL,
    load_id            BIGINT NOT NULL
);

-- Which cloud resource a GPU host is. `source` says who said so: config ([hosts] in
-- aifinops.toml), sampler (instance metadata), or telemetry (seen, not yet mapped).
CREATE TABLE gpu_hosts (
    host          VARCHAR PRIMARY KEY,
    instance_id   VARCHAR,   -- e.g. i-0a1b2c3d4e5f60001, or a GCP instance id / name
    resource_id   VARCHAR,   -- the bill's ResourceId when it differs from instance_id (ARN, GCP URI)
    provider      VARCHAR,   -- aws, gcp, azure
    source        VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ,
    last_seen_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Sampler events worth keeping: a GPU that fell off the bus, a field that errors.
CREATE TABLE gpu_events (
    ts        TIMESTAMPTZ NOT NULL,
    host      VARCHAR NOT NULL,
    gpu_uuid  VARCHAR,
    gpu_index SMALLINT,
    event     VARCHAR NOT NULL,  -- gpu_lost, field_error, ...
    detail    VARCHAR,
    load_id   BIGINT NOT NULL
);

-- One row per telemetry load: what was read and what became of every line.
CREATE TABLE gpu_loads (
    load_id          BIGINT PRIMARY KEY,
    source           VARCHAR NOT NULL,   -- nvidia-smi, nvidia-smi-apps, dcgm, spool
    uri              VARCHAR NOT NULL,   -- file, URL or spool folder
    files            VARCHAR[],
    checksum         VARCHAR,            -- sha256 of the file(s) as read
    options          VARCHAR,            -- host / tz / columns given, as the user gave them
    hosts            VARCHAR[],
    gpus             BIGINT,
    rows_read        BIGINT,             -- data rows (headers and blank lines not counted)
    rows_loaded      BIGINT,             -- new samples or process rows stored
    rows_duplicate   BIGINT,             -- already in the database (re-ingested)
    rows_skipped     BIGINT,             -- bad or unusable rows; reasons in gpu_load_skips
    first_ts         TIMESTAMPTZ,
    last_ts          TIMESTAMPTZ,
    hours_rolled_up  BIGINT,
    ignored_columns  VARCHAR[],
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL
);

-- Why rows of a load were skipped, with the first line numbers of each reason.
CREATE TABLE gpu_load_skips (
    load_id      BIGINT NOT NULL,
    reason       VARCHAR NOT NULL,
    rows         BIGINT NOT NULL,
    first_lines  BIGINT[]
);
