-- Rebuild resource_hourly_rollup (what resource_hourly, idle_resources and the app's GPU screens
-- read) for one batch of the touched (resource key, day)s (refresh_batch: whole days of
-- refresh_resource_days up to refresh.BATCH_RESOURCE_DAYS, a week of the 10M-row benchmark bill,
-- so a full rebuild stays within the memory limit): a GPU resource's cost per hour
-- (cost_hourly_rollup) beside what its GPUs did (gpu_hourly through gpu_host_links), joined once here instead of at
-- every query. An hour is idle when even the busiest GPU's peak stayed under the idle line.
--
-- GPU rows are grouped by (link number, hour), not (resource_id, host, hour): the host's link
-- row decides both strings, so the groups are the same and the hash table holds no strings.
-- The hour's signals as min/max, and the sorted distinct list only for the rare hour whose GPUs
-- reported several (string_agg(DISTINCT) made DuckDB split the aggregate into two and join them
-- back). A week of 3.9M GPU rows (10M-row bill + 33M GPU-hours, 1 GB memory limit): 6.6 s wall /
-- 12.9 s CPU before, 3.7 s / 7.1 s after.
DELETE FROM resource_hourly_rollup AS r
USING refresh_batch AS t
WHERE coalesce(r.resource_id, 'host:' || r.host) = t.rkey AND r.day = t.day;

INSERT INTO resource_hourly_rollup BY NAME
WITH span AS (
    SELECT CAST(min(day) AS TIMESTAMPTZ) AS lo, CAST(max(day) + 1 AS TIMESTAMPTZ) AS hi
    FROM refresh_batch
), links AS (  -- link: a number per host (the table's key), a cheap key to group GPU rows by
    SELECT host, resource_id, coalesce(resource_id, 'host:' || host) AS rkey,
           row_number() OVER () AS link
    FROM gpu_host_links
), cost AS (  -- one row per resource and hour already
    SELECT c.hour, c.ResourceId AS resource_id, c.x_instance_type AS instance_type,
           c.x_gpu_count AS gpu_count, c.PricingCategory AS pricing_category,
           c.effective_cost AS cost, c.billed_cost, c.list_cost
    FROM cost_hourly_rollup AS c
    SEMI JOIN refresh_batch AS t ON t.rkey = c.ResourceId AND t.day = CAST(c.hour AS DATE)
    CROSS JOIN span AS s
    WHERE c.hour >= s.lo AND c.hour < s.hi
), gpu_rows AS NOT MATERIALIZED (
    SELECT l.link, g.*
    FROM gpu_hourly AS g
    JOIN links AS l USING (host)
    SEMI JOIN refresh_batch AS t ON t.rkey = l.rkey AND t.day = CAST(g.hour AS DATE)
    CROSS JOIN span AS s
    WHERE g.hour >= s.lo AND g.hour < s.hi
), gpu_grouped AS MATERIALIZED (
    SELECT link, hour,
           count(*)                                                      AS gpus,
           avg(coverage)                                                 AS coverage,
           avg(activity_mean_pct)                                        AS activity_mean_pct,
           sum(activity_mean_pct * observed_seconds)
               / nullif(sum(observed_seconds), 0)                        AS activity_weighted_pct,
           max(activity_max_pct)                                         AS activity_max_pct,
           sum(idle_seconds) / 3600.0                                    AS idle_gpu_hours,
           sum(observed_seconds) / 3600.0                                AS observed_gpu_hours,
           max(mem_used_max_mib)                                         AS mem_used_max_mib,
           max(idle_util_pct)                                            AS idle_util_pct,
           min(activity_signal)                                          AS signal_lo,
           max(activity_signal)                                          AS signal_hi
    FROM gpu_rows
    GROUP BY link, hour
), gpu_mixed AS (  -- the distinct signals, sorted, of the hours whose GPUs reported several
    SELECT link, hour, array_to_string(list_sort(list_distinct(list(activity_signal))), ',') AS signal
    FROM gpu_rows
    SEMI JOIN (SELECT link, hour FROM gpu_grouped WHERE signal_lo < signal_hi) AS m
        USING (link, hour)
    GROUP BY link, hour
), gpu AS (
    SELECT l.resource_id, l.host, g.* EXCLUDE (link),
           CASE WHEN g.signal_lo = g.signal_hi OR g.signal_lo IS NULL THEN g.signal_lo
                ELSE m.signal END                                        AS signal
    FROM gpu_grouped AS g
    JOIN links AS l USING (link)
    LEFT JOIN gpu_mixed AS m USING (link, hour)
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
-- a batch at a time, sorted: one resource's hours sit in a few row groups (zonemaps skip the rest)
ORDER BY coalesce(c.resource_id, g.resource_id), g.host, coalesce(c.hour, g.hour);
