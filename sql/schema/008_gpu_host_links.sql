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
