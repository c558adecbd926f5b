-- model_cost: one row per model per day (with its month). `cost` is effective cost; summed over
-- every model, `unattributed` included, it equals the sum of EffectiveCost — taxes, fees and
-- credits too. A GPU host the bill leaves without a model is split across the models whose
-- processes ran on its GPUs (resource_model_share); the rest of it stays unattributed.
-- GPU columns cover resources with GPUs: gpu_hours = instance-hours billed × GPUs; busy / idle
-- GPU-hours and utilisation come from telemetry (hours without telemetry count in neither);
-- idle_cost = GPU cost × idle GPU-hours / billed GPU-hours.
-- Reads model_cost_daily, which refresh rebuilds for the days that changed
-- (sql/refresh/model_cost_daily.sql holds the method); traffic is joined here.
WITH traffic AS (
    SELECT model, CAST(hour AS DATE) AS day, strftime(hour, '%Y-%m') AS month,
           sum(requests) AS requests,
           sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) AS tokens
    FROM model_traffic
    GROUP BY ALL
)
SELECT
    c.model,
    c.day,
    c.month,
    c.currency,
    c.cost,
    c.gpu_hours,
    c.busy_gpu_hours,
    c.idle_gpu_hours,
    c.mean_util_pct,
    c.idle_cost,
    c.gpu_cost,
    c.gpu_cost / nullif(c.busy_gpu_hours, 0)            AS cost_per_busy_gpu_hour,
    t.requests,
    t.tokens,
    c.cost * 1000.0 / nullif(t.requests, 0)             AS cost_per_1k_requests,
    c.cost * 1000000.0 / nullif(t.tokens, 0)            AS cost_per_1m_tokens
FROM model_cost_daily AS c
LEFT JOIN traffic AS t USING (model, day, month)
