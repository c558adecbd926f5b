-- Per model over the period, from the model_cost view: cost (and the comparison period's), GPU
-- hours billed, busy and idle, utilisation weighted by observed GPU time, idle GPU cost, cost per
-- busy GPU-hour and per 1k requests / 1M tokens where traffic was ingested. `unattributed` is a
-- row like any other, so the column sums to the bill.
WITH scoped AS (
    SELECT *, day >= $start AS current_period
    FROM model_cost
    WHERE (day >= $start AND day < $end) OR (day >= $prev_start AND day < $prev_end)
), grouped AS (
    SELECT
        model,
        coalesce(sum(cost) FILTER (WHERE current_period), 0)                  AS cost,
        coalesce(sum(cost) FILTER (WHERE NOT current_period), 0)              AS prev_cost,
        sum(gpu_hours) FILTER (WHERE current_period)                          AS gpu_hours,
        sum(busy_gpu_hours) FILTER (WHERE current_period)                     AS busy_gpu_hours,
        sum(idle_gpu_hours) FILTER (WHERE current_period)                     AS idle_gpu_hours,
        sum(mean_util_pct * (coalesce(busy_gpu_hours, 0) + coalesce(idle_gpu_hours, 0)))
            FILTER (WHERE current_period)
            / nullif(sum(coalesce(busy_gpu_hours, 0) + coalesce(idle_gpu_hours, 0))
                     FILTER (WHERE current_period AND mean_util_pct IS NOT NULL), 0) AS mean_util_pct,
        sum(idle_cost) FILTER (WHERE current_period)                          AS idle_cost,
        sum(gpu_cost) FILTER (WHERE current_period)                           AS gpu_cost,
        sum(requests) FILTER (WHERE current_period)                           AS requests,
        sum(tokens) FILTER (WHERE current_period)                             AS tokens
    FROM scoped
    GROUP BY model
)
SELECT
    model,
    round(cost, 2)                                                AS cost,
    round(prev_cost, 2)                                           AS prev_cost,
    round(cost - prev_cost, 2)                                    AS change,
    round(100 * cost / nullif(sum(cost) OVER (), 0), 1)           AS share_pct,
    round(gpu_hours, 1)                                           AS gpu_hours,
    round(busy_gpu_hours, 1)                                      AS busy_gpu_hours,
    round(idle_gpu_hours, 1)                                      AS idle_gpu_hours,
    round(mean_util_pct, 1)                                       AS mean_util_pct,
    round(idle_cost, 2)                                           AS idle_cost,
    round(gpu_cost / nullif(busy_gpu_hours, 0), 2)                AS cost_per_busy_gpu_hour,
    requests,
    tokens,
    round(cost * 1000.0 / nullif(requests, 0), 4)                 AS cost_per_1k_requests,
    round(cost * 1000000.0 / nullif(tokens, 0), 4)                AS cost_per_1m_tokens
FROM grouped
WHERE round(cost, 2) <> 0 OR round(prev_cost, 2) <> 0
ORDER BY cost DESC, model
