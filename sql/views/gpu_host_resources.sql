-- Which billed resource each GPU host is, so a GPU hour can be joined to what it cost.
-- In order of trust: an instance id from [hosts] in aifinops.toml or from the sampler's instance
-- metadata; a Name tag equal to the hostname (ingest puts it in ResourceName, from user_name in
-- CUR 2.0, user:Name in legacy CUR, Name/name elsewhere); a GCP instance name equal to the
-- hostname's first label.
WITH resources AS (  -- from the daily rollup, not the raw rows: ResourceName is the Name tag there
    SELECT ResourceId AS resource_id,
           any_value(ProviderName) AS provider_name,
           any_value(ResourceName) AS resource_name,
           any_value(x_instance_type) AS instance_type,
           any_value(CASE WHEN ResourceName <> ResourceId THEN lower(ResourceName) END) AS name_tag
    FROM cost_daily_rollup
    WHERE ResourceId IS NOT NULL
    GROUP BY ResourceId
), keyed AS (  -- the parts the routes below compare, so each route is an equality (hash) join
    SELECT *,
           nullif(regexp_extract(resource_id, '/([^/]+)$', 1), '')           AS last_part,
           nullif(regexp_extract(resource_id, '/instances/([^/]+)$', 1), '') AS instance_part,
           lower(resource_name)                                               AS name_lc
    FROM resources
),
hosts AS (
    SELECT host, instance_id, resource_id, provider, source,
           lower(host) AS host_lc, lower(split_part(host, '.', 1)) AS short_lc,
           coalesce(resource_id, instance_id) AS given_id
    FROM gpu_hosts
),
matches AS (  -- the given id is the ResourceId, or its last path part (an ARN's or URI's)
    SELECT h.host, r.resource_id, 1 AS priority, h.source AS matched_by
    FROM hosts h JOIN keyed r ON r.resource_id = h.given_id
    UNION ALL
    SELECT h.host, r.resource_id, 1, h.source
    FROM hosts h JOIN keyed r ON r.last_part = h.given_id
    WHERE r.resource_id <> h.given_id
    UNION ALL
    SELECT h.host, r.resource_id, 1, h.source  -- a given id with a slash in it
    FROM (SELECT * FROM hosts WHERE given_id LIKE '%/%') h
    JOIN keyed r ON r.resource_id LIKE '%/' || h.given_id
    UNION ALL
    SELECT h.host, r.resource_id, 2, 'name_tag'
    FROM hosts h JOIN keyed r ON r.name_tag = h.host_lc
    UNION ALL
    SELECT h.host, r.resource_id, 2, 'name_tag'
    FROM hosts h JOIN keyed r ON r.name_tag = h.short_lc
    WHERE h.short_lc <> h.host_lc
    UNION ALL
    SELECT h.host, r.resource_id, 3, 'instance_name'
    FROM hosts h JOIN keyed r ON r.name_lc = h.short_lc
    UNION ALL
    SELECT h.host, r.resource_id, 3, 'instance_name'
    FROM hosts h JOIN keyed r ON r.instance_part = h.short_lc
    WHERE r.name_lc IS DISTINCT FROM h.short_lc
),
best AS (
    SELECT host, arg_min(resource_id, priority) AS resource_id, arg_min(matched_by, priority) AS matched_by
    FROM matches
    GROUP BY host
)
SELECT h.host,
       coalesce(b.resource_id, h.given_id) AS resource_id,
       h.instance_id,
       coalesce(r.provider_name, h.provider) AS provider,
       coalesce(b.matched_by, CASE WHEN h.given_id IS NOT NULL THEN h.source END) AS matched_by,
       b.resource_id IS NOT NULL AS in_bill,
       r.instance_type
FROM hosts h
LEFT JOIN best b USING (host)
LEFT JOIN resources r ON r.resource_id = b.resource_id
