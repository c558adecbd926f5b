-- The resources whose cost went to one model (tui_model) over the date range, biggest first,
-- with their GPU use where telemetry covers them.
WITH costs AS (
    SELECT resource_id,
           arg_max(resource_name, cost) AS resource_name,
           arg_max(service, cost)       AS service,
           max(instance_type)           AS instance_type,
           max(gpu_count)               AS gpu_count,
           arg_max(region, cost)        AS region,
           sum(cost)                    AS cost_usd
    FROM tui_cost
    WHERE model = getvariable('tui_model')
    GROUP BY resource_id
), gpu AS (
    SELECT resource_id,
           any_value(host)                                                AS host,
           sum(util_mean_pct * observed_gpu_hours) / nullif(sum(observed_gpu_hours), 0) AS util_mean_pct,
           sum(idle_gpu_hours)                                            AS idle_gpu_hours,
           sum(cost_usd * idle_gpu_hours / nullif(observed_gpu_hours, 0)) AS idle_cost_usd
    FROM tui_resource_hours
    WHERE observed_gpu_hours IS NOT NULL
    GROUP BY resource_id
)
SELECT c.resource_id, coalesce(c.resource_name, c.resource_id) AS resource_name, c.service,
       c.instance_type, c.gpu_count, c.region, g.host, c.cost_usd, g.util_mean_pct,
       g.idle_gpu_hours, g.idle_cost_usd
FROM costs AS c
LEFT JOIN gpu AS g USING (resource_id)
WHERE c.cost_usd <> 0
ORDER BY c.cost_usd DESC, c.resource_id
