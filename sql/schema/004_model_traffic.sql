-- Requests and tokens served per model per hour (from a CSV or vLLM/TGI Prometheus scrapes), so
-- model cost can be read per 1k requests and per 1M tokens.
CREATE TABLE model_traffic (
    hour            TIMESTAMPTZ NOT NULL,
    model           VARCHAR NOT NULL,
    requests        DOUBLE,
    input_tokens    DOUBLE,
    output_tokens   DOUBLE,
    source          VARCHAR NOT NULL,   -- csv | prometheus
    load_id         BIGINT NOT NULL,
    PRIMARY KEY (hour, model)
);

-- Counter snapshots from scrapes; hourly increases in model_traffic are derived from them, so a
-- scrape today and one tomorrow add up across ingests and counter resets are handled once.
CREATE TABLE traffic_counters (
    ts              TIMESTAMPTZ NOT NULL,
    model           VARCHAR NOT NULL,
    metric          VARCHAR NOT NULL,   -- requests | input_tokens | output_tokens
    value           DOUBLE NOT NULL,
    PRIMARY KEY (ts, model, metric)
);
