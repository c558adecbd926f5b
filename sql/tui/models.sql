-- Models over the date range: cost from cost_daily (every filter applies), and for the GPU hosts
-- each model owns (by most of the resource's cost) GPU-hours, busy GPU-hours, mean utilisation,
-- idle GPU-hours, idle cost (an hour's cost × its share of idle GPU-hours), cost per busy
-- GPU-hour (the GPU hosts' cost / busy GPU-hours) and, where traffic is loaded, cost per 1k
-- requests. Needs tui_cost, tui_resource_owner, tui_resource_hours.
WITH costs AS (
    SELECT model, sum(cost) AS cost_usd, count(DISTINCT resource_id) AS resources
    FROM tui_cost
    GROUP BY model
), gpu AS (
    SELECT o.model,
           sum(h.observed_gpu_hours)                                    AS gpu_hours,
           sum(h.observed_gpu_hours - h.idle_gpu_hours)                 AS busy_gpu_hours,
           sum(h.util_mean_pct * h.observed_gpu_hours) / nullif(sum(h.observed_gpu_hours), 0)
                                                                        AS util_mean_pct,
           sum(h.idle_gpu_hours)                                        AS idle_gpu_hours,
           sum(h.cost_usd * h.idle_gpu_hours / nullif(h.observed_gpu_hours, 0))
                                                                        AS idle_cost_usd,
           sum(h.cost_usd) FILTER (WHERE h.observed_gpu_hours > 0)     AS gpu_cost_usd
    FROM tui_resource_hours AS h
    JOIN tui_resource_owner AS o USING (resource_id)
    WHERE h.observed_gpu_hours IS NOT NULL
    GROUP BY o.model
), traffic AS (
    SELECT model, sum(requests) AS requests
    FROM model_traffic
    WHERE hour >= CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)
      AND hour < CAST(CAST(getvariable('tui_end') AS DATE) + 1 AS TIMESTAMPTZ)
    GROUP BY model
)
SELECT c.model,
       c.cost_usd,
       g.gpu_hours,
       g.busy_gpu_hours,
       g.util_mean_pct,
       g.idle_gpu_hours,
       g.idle_cost_usd,
       g.gpu_cost_usd / nullif(g.busy_gpu_hours, 0)        AS cost_per_busy_gpu_hour_usd,
       t.requests,
       c.cost_usd / nullif(t.requests / 1000.0, 0)          AS cost_per_1k_requests_usd,
       c.resources
FROM costs AS c
LEFT JOIN gpu AS g USING (model)
LEFT JOIN traffic AS t USING (model)
WHERE c.cost_usd <> 0
ORDER BY c.cost_usd DESC, c.model
