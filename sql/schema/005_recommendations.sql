-- Recommendations as rows with a life (DESIGN: "Recommendations are rows with a life"), the audit
-- trail of every change of state, what each action sent to the cloud and what came back, and
-- prices fetched by `aifinops prices update`.

-- One row per (rule, resource), ever: the id stays the same across runs. The candidate columns
-- are those of the latest run that emitted it; `present` says whether the latest run did.
CREATE TABLE recommendations (
    id                  VARCHAR PRIMARY KEY,   -- R-1f3a: short hash of (rule, resource_id)
    rule                VARCHAR NOT NULL,
    resource_id         VARCHAR NOT NULL,
    provider            VARCHAR,
    model               VARCHAR,
    team                VARCHAR,
    title               VARCHAR NOT NULL,
    evidence            JSON,
    monthly_saving_usd  DOUBLE NOT NULL,
    confidence          DOUBLE NOT NULL,       -- 0..1; low < 0.45 ≤ medium < 0.75 ≤ high
    action_kind         VARCHAR NOT NULL,      -- ec2_stop, ec2_change_instance_type, ... or advice
    action_params       JSON,
    signals_used        VARCHAR[],
    signals_missing     VARCHAR[],
    status              VARCHAR NOT NULL,      -- open accepted applied failed dismissed snoozed resolved
    status_reason       VARCHAR,               -- why the latest change of state happened
    snoozed_until       DATE,
    dismissed_saving_usd DOUBLE,               -- the saving when dismissed: it must grow past a factor to return
    present             BOOLEAN NOT NULL,
    first_seen_at       TIMESTAMPTZ NOT NULL,
    last_seen_at        TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (rule, resource_id)
);

-- Every change of state: who (OS user, --by, or `aifinops` for the engine), when, from, to, why.
CREATE SEQUENCE recommendation_event_seq START 1;
CREATE TABLE recommendation_events (
    event_id            BIGINT PRIMARY KEY DEFAULT nextval('recommendation_event_seq'),
    rec_id              VARCHAR NOT NULL,
    changed_at          TIMESTAMPTZ NOT NULL,
    actor               VARCHAR NOT NULL,
    from_status         VARCHAR,               -- NULL when the engine first found it
    to_status           VARCHAR NOT NULL,
    reason              VARCHAR,
    run_id              BIGINT                 -- the engine run that made the change, if any
);

-- What an apply (or dry run) sent and what came back, step by step.
CREATE SEQUENCE recommendation_action_seq START 1;
CREATE TABLE recommendation_actions (
    action_id           BIGINT PRIMARY KEY DEFAULT nextval('recommendation_action_seq'),
    rec_id              VARCHAR NOT NULL,
    acted_at            TIMESTAMPTZ NOT NULL,
    actor               VARCHAR NOT NULL,
    action_kind         VARCHAR NOT NULL,
    mode                VARCHAR NOT NULL,      -- dry-run | apply
    outcome             VARCHAR NOT NULL,      -- ok | failed
    request             JSON,                  -- the API calls made, in order
    response            JSON,                  -- what each returned (and the state read back)
    error               VARCHAR
);

-- One row per engine run.
CREATE SEQUENCE recommendation_run_seq START 1;
CREATE TABLE recommendation_runs (
    run_id              BIGINT PRIMARY KEY,
    started_at          TIMESTAMPTZ NOT NULL,
    seconds             DOUBLE,
    as_of               TIMESTAMPTZ,           -- end (exclusive) of the data window rules looked at
    rules_ok            VARCHAR[],
    rules_failed        JSON,                  -- {rule: error}
    candidates          BIGINT,
    opened              BIGINT,
    reopened            BIGINT,
    resolved            BIGINT
);

-- [budgets] from aifinops.toml, reloaded at every run (budgets are data, like attribution rules).
CREATE TABLE recommendation_budgets (
    dimension           VARCHAR NOT NULL,      -- team | model
    name                VARCHAR NOT NULL,
    monthly_usd         DOUBLE NOT NULL,
    PRIMARY KEY (dimension, name)
);

-- Prices fetched by `aifinops prices update` (AWS Pricing API, EC2 spot price history). The view
-- recommendation_prices lays them over the shipped catalog, newest first.
CREATE TABLE price_updates (
    provider                VARCHAR NOT NULL,
    instance_type           VARCHAR NOT NULL,
    region                  VARCHAR NOT NULL,
    on_demand_usd_per_hour  DOUBLE,
    spot_usd_per_hour       DOUBLE,
    source                  VARCHAR NOT NULL,
    fetched_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, instance_type, region)
);
