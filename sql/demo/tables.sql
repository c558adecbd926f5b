-- Inputs of the demo bill generator (aifinops.demo.cur_gen), filled from aifinops.demo.world.
-- One row per resource of the world before `scale` cloning; prices come from the GPU catalog.
CREATE OR REPLACE TEMP TABLE demo_base_resources (
    kind            VARCHAR NOT NULL,  -- ec2 | sagemaker | bedrock | s3
    name            VARCHAR NOT NULL,  -- hostname, endpoint name, profile ARN or bucket name
    resource_id     VARCHAR NOT NULL,
    payer           VARCHAR NOT NULL,
    account_id      VARCHAR NOT NULL,
    account_name    VARCHAR NOT NULL,
    region          VARCHAR NOT NULL,
    instance_type   VARCHAR,
    purchase        VARCHAR,           -- on-demand | spot | savings-plan
    pattern         VARCHAR,           -- the host's pattern from world.py
    unit_count      DOUBLE,            -- SageMaker instance count
    tag_keys        VARCHAR[],         -- CUR 2.0 spellings: user_model, user_team, ...
    tag_vals        VARCHAR[],
    late_tag_keys   VARCHAR[],         -- tags added part way through (legacy November)
    late_tag_vals   VARCHAR[],
    late_tags_from  TIMESTAMP,
    start_gb        DOUBLE,            -- S3: stored at WORLD_START
    growth_gb       DOUBLE,            -- S3: added per day
    dt_out_gb       DOUBLE,            -- EC2: typical GB a day sent to the internet
    replicate_to    VARCHAR,           -- S3: region its new objects are replicated to
    clonable        BOOLEAN NOT NULL   -- cloned `scale` times (EC2 hosts, SageMaker endpoints)
);

CREATE OR REPLACE TEMP TABLE demo_regions (
    region   VARCHAR NOT NULL,
    prefix   VARCHAR NOT NULL,  -- usage-type prefix: USE1, USW2 ...
    location VARCHAR NOT NULL   -- price-list location name
);

CREATE OR REPLACE TEMP TABLE demo_payers (
    payer           VARCHAR NOT NULL,
    payer_name      VARCHAR NOT NULL,
    monthly_tax     DOUBLE NOT NULL,
    monthly_credit  DOUBLE NOT NULL   -- negative, 0 for none
);

CREATE OR REPLACE TEMP TABLE demo_periods (
    period      VARCHAR NOT NULL,    -- YYYY-MM
    bill_start  TIMESTAMP NOT NULL,
    bill_end    TIMESTAMP NOT NULL,  -- first instant of the next month
    data_end    TIMESTAMP NOT NULL,  -- exclusive end of usage (month to date for the last)
    invoice_id  VARCHAR              -- NULL while the month is open
);
