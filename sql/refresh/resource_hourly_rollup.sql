-- Rebuild resource_hourly_rollup (what resource_hourly, idle_resources and the app's GPU screens
-- read) for one batch of the touched (resource key, day)s (refresh_batch: a week of
-- refresh_resource_days at a time, so a full rebuild stays within the memory limit): a GPU resource's cost per hour (cost_hourly_rollup)
-- beside what its GPUs did (gpu_hourly through gpu_host_links), joined once here instead of at
-- every query. An hour is idle when even the busiest GPU's peak stayed under the idle line.
DELETE FROM resource_hourly_rollup AS r
USING refresh_batch AS t
WHERE coalesce(r.resource_id, 'host:' || r.host) = t.rkey AND r.day = t.day;

INSERT INTO resource_hourly_rollup BY NAME
WITH span AS (
    SELECT CAST(min(day) AS TIMESTAMPTZ) AS lo, CAST(max(day) + 1 AS TIMESTAMPTZ) AS hi
    FROM refresh_batch
), links AS (
    SELECT host, resource_id, coalesce(resource_id, 'host:' || host) AS rkey FROM gpu_host_links
), cost AS (  -- one row per resource and hour already
    SELECT c.hour, c.ResourceId AS resource_id, c.x_instance_type AS instance_type,
           c.x_gpu_count AS gpu_count, c.PricingCategory AS pricing_category,
           c.effective_cost AS cost, c.billed_cost, c.list_cost
    FROM cost_hourly_rollup AS c
    SEMI JOIN refresh_batch AS t ON t.rkey = c.ResourceId AND t.day = CAST(c.hour AS DATE)
    CROSS JOIN span AS s
    WHERE c.hour >= s.lo AND c.hour < s.hi
), gpu AS (
    SELECT l.resource_id, g.host, g.hour,
           count(*)                                                      AS gpus,
           avg(g.coverage)                                               AS coverage,
           avg(g.activity_mean_pct)                                      AS activity_mean_pct,
           sum(g.activity_mean_pct * g.observed_seconds)
               / nullif(sum(g.observed_seconds), 0)                      AS activity_weighted_pct,
           max(g.activity_max_pct)                                       AS activity_max_pct,
           sum(g.idle_seconds) / 3600.0                                  AS idle_gpu_hours,
           sum(g.observed_seconds) / 3600.0                              AS observed_gpu_hours,
           max(g.mem_used_max_mib)                                       AS mem_used_max_mib,
           max(g.idle_util_pct)                                          AS idle_util_pct,
           string_agg(DISTINCT g.activity_signal, ',')                   AS signal,
           min(g.activity_signal)                                        AS signal_lo,
           max(g.activity_signal)                                        AS signal_hi
    FROM gpu_hourly AS g
    JOIN links AS l USING (host)
    SEMI JOIN refresh_batch AS t ON t.rkey = l.rkey AND t.day = CAST(g.hour AS DATE)
    CROSS JOIN span AS s
    WHERE g.hour >= s.lo AND g.hour < s.hi
    GROUP BY l.resource_id, g.host, g.hour
)
SELECT
    coalesce(c.hour, g.hour)                          AS hour,
    CAST(coalesce(c.hour, g.hour) AS DATE)            AS day,
    coalesce(c.resource_id, g.resource_id)            AS resource_id,
    g.host,
    c.instance_type,
    c.gpu_count,
    c.pricing_category,
    c.cost,
    c.billed_cost,
    c.list_cost,
    g.gpus,
    g.coverage,
    g.activity_mean_pct,
    g.activity_weighted_pct,
    g.activity_max_pct,
    g.idle_gpu_hours,
    g.observed_gpu_hours,
    g.mem_used_max_mib,
    g.signal,
    g.signal_lo,
    g.signal_hi,
    CASE WHEN g.activity_max_pct IS NULL THEN NULL
         ELSE g.activity_max_pct < g.idle_util_pct END AS is_idle
FROM cost AS c
FULL OUTER JOIN gpu AS g ON g.resource_id = c.resource_id AND g.hour = c.hour
-- a week at a time, sorted: one resource's hours sit in a few row groups (zonemaps skip the rest)
ORDER BY coalesce(c.resource_id, g.resource_id), g.host, coalesce(c.hour, g.hour);
