-- What the views read, materialised at refresh so that a view never joins the bill to telemetry
-- (or applies attribution) at query time. `aifinops refresh` keeps each table up to date for
-- the days that changed only: days of a restated billing period, days of GPU hours a telemetry
-- load touched, resources whose attribution changed, hosts whose link to the bill changed.

-- cost_daily with attribution applied: one row per cost_daily key (the view is a plain SELECT).
CREATE TABLE cost_daily_attributed (
    day                 DATE NOT NULL,
    month               VARCHAR NOT NULL,
    provider            VARCHAR,
    billing_account     VARCHAR,
    account             VARCHAR,
    account_name        VARCHAR,
    service_category    VARCHAR,
    service             VARCHAR,
    region              VARCHAR,
    resource_id         VARCHAR,
    resource_name       VARCHAR,
    instance_type       VARCHAR,
    gpu_count           INTEGER,
    model               VARCHAR NOT NULL,
    team                VARCHAR NOT NULL,
    env                 VARCHAR,
    charge_category     VARCHAR,
    pricing_category    VARCHAR,
    currency            VARCHAR,
    model_source        VARCHAR NOT NULL,
    team_source         VARCHAR NOT NULL,
    cost                DOUBLE,
    billed_cost         DOUBLE,
    list_cost           DOUBLE,
    usage_hours         DOUBLE
);

-- Per GPU host and UTC day, from gpu_hourly: what resource_gpu_daily and model_cost read.
CREATE TABLE gpu_host_daily (
    host                VARCHAR NOT NULL,
    day                 DATE NOT NULL,
    gpus_seen           BIGINT NOT NULL,
    observed_seconds    DOUBLE,
    idle_seconds        DOUBLE,
    activity_weighted   DOUBLE,            -- sum(activity_mean_pct × observed_seconds)
    activity_max_pct    DOUBLE,
    mem_used_max_mib    DOUBLE,
    mem_total_mib       DOUBLE,
    signals             VARCHAR,
    PRIMARY KEY (host, day)
);

-- resource_hourly materialised: per billed GPU resource (or linked host) and hour, its cost
-- beside its GPUs. resource_id is NULL for a host that no bill row matches (kept for the app,
-- which lists such hosts as 'host:<name>'; the resource_hourly view leaves them out).
CREATE TABLE resource_hourly_rollup (
    hour                TIMESTAMPTZ NOT NULL,
    day                 DATE NOT NULL,
    resource_id         VARCHAR,
    host                VARCHAR,
    instance_type       VARCHAR,
    gpu_count           INTEGER,
    pricing_category    VARCHAR,
    cost                DOUBLE,
    billed_cost         DOUBLE,
    list_cost           DOUBLE,
    gpus                BIGINT,
    coverage            DOUBLE,
    activity_mean_pct   DOUBLE,            -- mean over GPUs
    activity_weighted_pct DOUBLE,          -- mean over GPU-time (observed seconds)
    activity_max_pct    DOUBLE,
    idle_gpu_hours      DOUBLE,
    observed_gpu_hours  DOUBLE,
    mem_used_max_mib    DOUBLE,
    signal              VARCHAR,
    signal_lo           VARCHAR,
    signal_hi           VARCHAR,
    is_idle             BOOLEAN
);

-- resource_hourly_rollup summed per resource (or unlinked host) and day: idle lists over whole
-- days read ~24× fewer rows. Counts and sums only, so any range of days adds up exactly.
CREATE TABLE resource_daily_rollup (
    day                 DATE NOT NULL,
    resource_id         VARCHAR,
    host                VARCHAR,
    instance_type       VARCHAR,
    gpu_count           INTEGER,
    first_hour          TIMESTAMPTZ,
    last_hour           TIMESTAMPTZ,
    hours               BIGINT,            -- rows: hours billed or observed
    hours_billed        BIGINT,            -- cost IS NOT NULL
    hours_billed_paid   BIGINT,            -- cost > 0
    hours_observed      BIGINT,            -- is_idle IS NOT NULL
    hours_unobserved    BIGINT,            -- billed, is_idle IS NULL
    hours_unbilled      BIGINT,            -- observed, cost IS NULL
    hours_gpu_observed  BIGINT,            -- observed_gpu_hours > 0
    idle_hours          BIGINT,
    cost                DOUBLE,
    idle_cost           DOUBLE,            -- cost of the idle hours
    idle_gpu_cost       DOUBLE,            -- cost × idle GPU-hours / observed GPU-hours, per hour
    observed_cost       DOUBLE,            -- cost of hours with GPU telemetry
    observed_gpu_hours  DOUBLE,
    idle_gpu_hours      DOUBLE,
    activity_weighted   DOUBLE,            -- sum(activity_weighted_pct × observed_gpu_hours)
    activity_mean_sum   DOUBLE,            -- sum and count of the hourly activity_mean_pct
    activity_mean_n     BIGINT,
    activity_max_pct    DOUBLE,
    last_busy_at        TIMESTAMPTZ,
    signals             VARCHAR[],         -- the distinct hourly `signal` strings
    signal_lo           VARCHAR,
    signal_hi           VARCHAR
);

-- model_cost without traffic, per model and day (the view adds requests and tokens).
CREATE TABLE model_cost_daily (
    model               VARCHAR NOT NULL,
    day                 DATE NOT NULL,
    month               VARCHAR NOT NULL,
    currency            VARCHAR,
    cost                DOUBLE,
    gpu_hours           DOUBLE,
    busy_gpu_hours      DOUBLE,
    idle_gpu_hours      DOUBLE,
    mean_util_pct       DOUBLE,
    idle_cost           DOUBLE,
    gpu_cost            DOUBLE
);

-- Watermarks of what refresh has folded in: the last GPU load id, the process patterns in force.
CREATE TABLE refresh_state (
    name                VARCHAR PRIMARY KEY,
    value               VARCHAR,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- A database from before these tables: the next refresh rebuilds every period (and so fills them).
DELETE FROM rollup_state;
