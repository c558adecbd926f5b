-- The resources of one model (tui_model_costs, from model_costs.sql) biggest first, with their
-- GPU use where telemetry covers them (tui_resource_hours, restricted to tui_resources); on a
-- shared host the GPU-hours and idle cost are the model's share.
WITH gpu AS (
    SELECT resource_id,
           any_value(host)                                                AS host,
           sum(util_mean_pct * observed_gpu_hours) / nullif(sum(observed_gpu_hours), 0) AS util_mean_pct,
           sum(idle_gpu_hours)                                            AS idle_gpu_hours,
           sum(cost_usd * idle_gpu_hours / nullif(observed_gpu_hours, 0)) AS idle_cost_usd
    FROM tui_resource_hours
    WHERE observed_gpu_hours IS NOT NULL
    GROUP BY resource_id
)
SELECT c.resource_id,
       coalesce(c.resource_name, c.resource_id, '(no resource: fees, tax, credits)') AS resource_name,
       c.service, c.instance_type, c.gpu_count, c.region, g.host, c.cost_usd, c.share_pct,
       g.util_mean_pct,
       g.idle_gpu_hours * c.share_pct / 100                      AS idle_gpu_hours,
       g.idle_cost_usd * c.share_pct / 100                       AS idle_cost_usd
FROM tui_model_costs AS c
LEFT JOIN gpu AS g USING (resource_id)
WHERE c.cost_usd <> 0
ORDER BY c.cost_usd DESC, c.resource_id
