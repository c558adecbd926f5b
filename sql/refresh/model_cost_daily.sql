-- Rebuild model_cost_daily (model_cost without traffic) for the touched days (refresh_model_days).
-- `cost` is effective cost; summed over every model, `unattributed` included, it equals the sum
-- of EffectiveCost. A GPU host the bill leaves without a model is split across the models whose
-- processes ran on its GPUs (resource_model_share); the rest of it stays unattributed.
-- gpu_hours = instance-hours billed × GPUs; busy / idle GPU-hours and utilisation come from
-- telemetry (gpu_host_daily; hours without telemetry count in neither); idle_cost = GPU cost ×
-- idle GPU-hours / billed GPU-hours, per resource-day.
DELETE FROM model_cost_daily WHERE day IN (SELECT day FROM refresh_model_days);

INSERT INTO model_cost_daily BY NAME
WITH days AS (
    SELECT day FROM refresh_model_days
), cost AS (
    SELECT c.day, c.month, c.resource_id, c.gpu_count, c.currency, c.charge_category, c.model,
           c.cost, c.usage_hours
    FROM cost_daily_attributed AS c
    WHERE c.day IN (SELECT day FROM days)
), share_rows AS (
    SELECT * FROM resource_model_share WHERE day IN (SELECT day FROM days)
), shares AS (
    SELECT resource_id, day, sum(share) AS total_share FROM share_rows GROUP BY ALL
), split AS (
    SELECT c.day, c.month, c.resource_id, c.gpu_count, c.currency, c.charge_category,
           coalesce(s.model, c.model)            AS model,
           coalesce(s.share, 1.0)                AS share,
           c.cost * coalesce(s.share, 1.0)       AS cost,
           c.usage_hours * coalesce(s.share, 1.0) AS usage_hours
    FROM cost AS c
    LEFT JOIN share_rows AS s
      ON c.model = 'unattributed' AND s.resource_id = c.resource_id AND s.day = c.day
    UNION ALL
    SELECT c.day, c.month, c.resource_id, c.gpu_count, c.currency, c.charge_category,
           'unattributed', 1.0 - t.total_share, c.cost * (1.0 - t.total_share),
           c.usage_hours * (1.0 - t.total_share)
    FROM cost AS c
    JOIN shares AS t ON c.model = 'unattributed' AND t.resource_id = c.resource_id AND t.day = c.day
    WHERE t.total_share < 1.0
), gpu_res AS (
    SELECT resource_id, day, month, model,
           any_value(share)                                       AS share,
           max(gpu_count)                                         AS gpu_count,
           sum(cost) FILTER (WHERE charge_category = 'Usage')      AS gpu_cost,
           sum(usage_hours)                                       AS usage_hours
    FROM split
    WHERE gpu_count > 0 AND resource_id IS NOT NULL
    GROUP BY ALL
), gpu_daily AS (  -- resource_gpu_daily for these days
    SELECT l.resource_id, d.day,
           d.observed_seconds / 3600.0                                      AS observed_gpu_hours,
           (d.observed_seconds - coalesce(d.idle_seconds, 0)) / 3600.0      AS busy_gpu_hours,
           d.idle_seconds / 3600.0                                          AS idle_gpu_hours,
           d.activity_weighted / nullif(d.observed_seconds, 0)              AS activity_mean_pct
    FROM gpu_host_daily AS d
    JOIN gpu_host_links AS l USING (host)
    WHERE l.resource_id IS NOT NULL AND d.day IN (SELECT day FROM days)
), gpu AS (
    SELECT
        r.model, r.day, r.month,
        sum(r.usage_hours * r.gpu_count)                                           AS gpu_hours,
        sum(g.busy_gpu_hours * r.share)                                            AS busy_gpu_hours,
        sum(g.idle_gpu_hours * r.share)                                            AS idle_gpu_hours,
        sum(g.activity_mean_pct * g.observed_gpu_hours * r.share)
            / nullif(sum(g.observed_gpu_hours * r.share), 0)                       AS mean_util_pct,
        sum(CASE WHEN g.idle_gpu_hours IS NOT NULL AND r.usage_hours > 0     -- least() skips NULLs
                 THEN r.gpu_cost * least(1.0, g.idle_gpu_hours * r.share
                                              / (r.usage_hours * r.gpu_count)) END) AS idle_cost,
        sum(r.gpu_cost)                                                            AS gpu_cost
    FROM gpu_res AS r
    LEFT JOIN gpu_daily AS g USING (resource_id, day)
    GROUP BY ALL
), costs AS (
    SELECT model, day, month, any_value(currency) AS currency, sum(cost) AS cost
    FROM split
    GROUP BY model, day, month
)
SELECT c.model, c.day, c.month, c.currency, c.cost,
       g.gpu_hours, g.busy_gpu_hours, g.idle_gpu_hours, g.mean_util_pct, g.idle_cost, g.gpu_cost
FROM costs AS c
LEFT JOIN gpu AS g USING (model, day, month);
