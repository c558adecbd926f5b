-- Rollups that views read instead of raw cost rows, refreshed per (source key, billing period)
-- only when a load changed that period; and attribution rules as data.

CREATE TABLE cost_daily_rollup (
    day                 DATE NOT NULL,
    x_source            VARCHAR NOT NULL,
    x_source_key        VARCHAR NOT NULL,
    x_billing_period    VARCHAR NOT NULL,
    ProviderName        VARCHAR,
    BillingAccountId    VARCHAR,
    SubAccountId        VARCHAR,
    SubAccountName      VARCHAR,
    ServiceCategory     VARCHAR,
    ServiceName         VARCHAR,
    RegionId            VARCHAR,
    ResourceId          VARCHAR,
    ResourceName        VARCHAR,
    ResourceType        VARCHAR,
    x_instance_type     VARCHAR,
    x_gpu_count         INTEGER,
    x_gpu_model         VARCHAR,
    ChargeCategory      VARCHAR,
    PricingCategory     VARCHAR,
    x_usage_type        VARCHAR,
    BillingCurrency     VARCHAR,
    tag_model           VARCHAR,
    tag_team            VARCHAR,
    tag_env             VARCHAR,
    attr_key            UBIGINT NOT NULL,  -- hash of what attribution looks at; joins resource_attribution
    billed_cost         DOUBLE NOT NULL,
    effective_cost      DOUBLE NOT NULL,
    list_cost           DOUBLE NOT NULL,
    consumed_quantity   DOUBLE,
    usage_hours         DOUBLE,            -- hours of usage lines priced per hour
    line_items          BIGINT NOT NULL
);

-- Hourly cost of GPU resources only: what `resource_hourly` joins to GPU telemetry.
CREATE TABLE cost_hourly_rollup (
    hour                TIMESTAMPTZ NOT NULL,
    x_source_key        VARCHAR NOT NULL,
    x_billing_period    VARCHAR NOT NULL,
    ResourceId          VARCHAR NOT NULL,
    x_instance_type     VARCHAR,
    x_gpu_count         INTEGER,
    PricingCategory     VARCHAR,
    effective_cost      DOUBLE NOT NULL,
    billed_cost         DOUBLE NOT NULL,
    list_cost           DOUBLE NOT NULL
);

-- Which load each rolled-up period reflects; a period whose load id changed is rebuilt.
CREATE TABLE rollup_state (
    x_source_key        VARCHAR NOT NULL,
    x_billing_period    VARCHAR NOT NULL,
    load_id             BIGINT NOT NULL,
    refreshed_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (x_source_key, x_billing_period)
);

-- One row per distinct attribution key: who a resource's cost belongs to, and why.
CREATE TABLE resource_attribution (
    attr_key            UBIGINT PRIMARY KEY,
    ResourceId          VARCHAR,
    model               VARCHAR,
    team                VARCHAR,
    env                 VARCHAR,
    model_source        VARCHAR,   -- tag | rule:<name> | unattributed
    team_source         VARCHAR,
    env_source          VARCHAR
);

-- [[attribution.rules]] from aifinops.toml, reloaded at every refresh (rules are data).
CREATE TABLE attribution_rules (
    rule_order          INTEGER NOT NULL,
    name                VARCHAR NOT NULL,
    match_field         VARCHAR NOT NULL,
    pattern             VARCHAR NOT NULL,   -- a glob, e.g. i-0d1b*
    model               VARCHAR,
    team                VARCHAR,
    env                 VARCHAR,
    override_tags       BOOLEAN NOT NULL DEFAULT false
);
