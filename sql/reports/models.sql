-- Per model over the period, from the model_cost view: cost (and the comparison period's), GPU
-- hours billed, busy and idle, utilisation weighted by observed GPU time, idle GPU cost, cost per
-- busy GPU-hour and per 1k requests / 1M tokens where traffic was ingested. `unattributed` is a
-- row like any other, so the column sums to the bill. Each period is its own range scan, so the
-- day filter reaches the view's rollups.
WITH current_days AS (
    SELECT
        model,
        sum(cost)                                                             AS cost,
        sum(gpu_hours)                                                        AS gpu_hours,
        sum(busy_gpu_hours)                                                   AS busy_gpu_hours,
        sum(idle_gpu_hours)                                                   AS idle_gpu_hours,
        sum(mean_util_pct * (coalesce(busy_gpu_hours, 0) + coalesce(idle_gpu_hours, 0)))
            / nullif(sum(coalesce(busy_gpu_hours, 0) + coalesce(idle_gpu_hours, 0))
                     FILTER (WHERE mean_util_pct IS NOT NULL), 0)             AS mean_util_pct,
        sum(idle_cost)                                                        AS idle_cost,
        sum(gpu_cost)                                                         AS gpu_cost,
        sum(requests)                                                         AS requests,
        sum(tokens)                                                           AS tokens
    FROM model_cost
    WHERE day >= $start AND day < $end
    GROUP BY model
), previous_days AS (
    SELECT model, sum(cost) AS prev_cost
    FROM model_cost
    WHERE day >= $prev_start AND day < $prev_end
    GROUP BY model
), grouped AS (
    SELECT model, coalesce(c.cost, 0) AS cost, coalesce(p.prev_cost, 0) AS prev_cost,
           c.gpu_hours, c.busy_gpu_hours, c.idle_gpu_hours, c.mean_util_pct, c.idle_cost,
           c.gpu_cost, c.requests, c.tokens
    FROM current_days AS c
    FULL OUTER JOIN previous_days AS p USING (model)
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
