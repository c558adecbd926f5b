-- resource_hourly: a GPU resource's cost spread over its usage hours, beside what its GPUs did
-- in each of those hours. An hour is idle when even the busiest GPU's peak activity stayed
-- under the idle threshold ([gpu] idle_util_pct), so one busy GPU keeps the instance busy.
-- Hours billed without telemetry have NULL GPU columns; telemetry without a bill row has NULL cost.
WITH cost AS (  -- one row per resource and hour already
    SELECT hour, ResourceId AS resource_id, x_instance_type AS instance_type, x_gpu_count AS gpu_count,
           PricingCategory AS pricing_category, effective_cost AS cost, billed_cost, list_cost
    FROM cost_hourly_rollup
), gpu AS (
    SELECT r.resource_id, g.host, g.hour,
           count(*) AS gpus,
           avg(g.coverage) AS coverage,
           avg(g.activity_mean_pct) AS activity_mean_pct,
           max(g.activity_max_pct) AS activity_max_pct,
           sum(g.idle_seconds) / 3600.0 AS idle_gpu_hours,
           sum(g.observed_seconds) / 3600.0 AS observed_gpu_hours,
           max(g.mem_used_max_mib) AS mem_used_max_mib,
           max(g.idle_util_pct) AS idle_util_pct,
           string_agg(DISTINCT g.activity_signal, ',') AS signal
    FROM gpu_hourly AS g
    JOIN gpu_host_links AS r USING (host)
    WHERE r.resource_id IS NOT NULL
    GROUP BY ALL
)
SELECT
    coalesce(c.hour, g.hour)                  AS hour,
    coalesce(c.resource_id, g.resource_id)    AS resource_id,
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
    g.activity_max_pct,
    g.idle_gpu_hours,
    g.observed_gpu_hours,
    g.mem_used_max_mib,
    g.signal,
    CASE WHEN g.activity_max_pct IS NULL THEN NULL
         ELSE g.activity_max_pct < g.idle_util_pct END AS is_idle
FROM cost AS c
FULL OUTER JOIN gpu AS g ON g.resource_id = c.resource_id AND g.hour = c.hour
