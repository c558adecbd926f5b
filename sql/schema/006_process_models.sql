-- Patterns that name the model a GPU process serves or trains, from its command line (vLLM
-- `--model org/name`, TGI `--model-id`, `--served-model-name`, …). Loaded from
-- [attribution] process_model_patterns at every refresh; the first pattern that matches wins and
-- its first capture group is the model.
CREATE TABLE process_model_patterns (
    pattern_order   INTEGER NOT NULL,
    pattern         VARCHAR NOT NULL
);

-- gpu_host_resources (host → billed resource) as of the last refresh: the views that join GPU
-- hours to cost read this small table instead of re-matching hosts to the bill on every query.
CREATE TABLE gpu_host_links (
    host            VARCHAR PRIMARY KEY,
    resource_id     VARCHAR,
    instance_id     VARCHAR,
    provider        VARCHAR,
    matched_by      VARCHAR,
    in_bill         BOOLEAN,
    instance_type   VARCHAR
);
