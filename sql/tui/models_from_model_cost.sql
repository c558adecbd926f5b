-- Models over the date range from the model_cost view: cost (shared GPU hosts split by the
-- processes seen on them), GPU-hours billed, busy and idle GPU-hours, utilisation weighted by
-- observed GPU-hours, idle cost, cost per busy GPU-hour and per 1k requests. Used when no
-- provider, account or team filter is set (model_cost has no columns for them).
SELECT model,
       sum(cost)                                                            AS cost_usd,
       sum(gpu_hours)                                                       AS gpu_hours,
       sum(busy_gpu_hours)                                                  AS busy_gpu_hours,
       sum(mean_util_pct * (coalesce(busy_gpu_hours, 0) + coalesce(idle_gpu_hours, 0)))
           / nullif(sum(coalesce(busy_gpu_hours, 0) + coalesce(idle_gpu_hours, 0))
                        FILTER (WHERE mean_util_pct IS NOT NULL), 0)        AS util_mean_pct,
       sum(idle_gpu_hours)                                                  AS idle_gpu_hours,
       sum(idle_cost)                                                       AS idle_cost_usd,
       sum(gpu_cost) / nullif(sum(busy_gpu_hours), 0)                       AS cost_per_busy_gpu_hour_usd,
       sum(requests)                                                        AS requests,
       sum(cost) * 1000.0 / nullif(sum(requests), 0)                        AS cost_per_1k_requests_usd
FROM model_cost
WHERE day BETWEEN getvariable('tui_start') AND getvariable('tui_end')
GROUP BY model
HAVING sum(cost) <> 0
ORDER BY cost_usd DESC, model
