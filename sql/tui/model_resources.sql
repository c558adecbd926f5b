-- The resources of one model (tui_model_costs, from model_costs.sql) biggest first, with their
-- GPU use over the range where telemetry covers them (resource_daily_rollup: a row per resource,
-- host and day, restricted to tui_resources); on a shared host the GPU-hours and idle cost are
-- the model's share. `--@narrowed ` applies a provider, account or team filter when enabled.
WITH wanted AS (  -- tui_resources as a relation: a hash join, not a list scan per row
    SELECT unnest(getvariable('tui_resources')) AS resource_id
), gpu AS (
    SELECT coalesce(resource_id, 'host:' || host)                          AS resource_id,
           any_value(host)                                                 AS host,
           sum(activity_weighted) / nullif(sum(observed_gpu_hours), 0)     AS util_mean_pct,
           sum(idle_gpu_hours)                                             AS idle_gpu_hours,
           sum(idle_gpu_cost)                                              AS idle_cost_usd
    FROM resource_daily_rollup
    WHERE host IS NOT NULL AND day BETWEEN getvariable('tui_start') AND getvariable('tui_end')
      AND coalesce(resource_id, 'host:' || host) IN (SELECT resource_id FROM wanted)
--@narrowed AND coalesce(resource_id, 'host:' || host) IN (SELECT DISTINCT resource_id FROM tui_cost)
    GROUP BY 1
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
