-- What one resource (tui_resource) cost hour by hour within the date range (GPU resources are
-- rolled up hourly; others have daily cost only and return nothing here).
SELECT hour, sum(effective_cost) AS cost_usd
FROM cost_hourly_rollup
WHERE ResourceId = getvariable('tui_resource')
  AND hour >= CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)
  AND hour < CAST(CAST(getvariable('tui_end') AS DATE) + 1 AS TIMESTAMPTZ)
GROUP BY hour
ORDER BY hour
