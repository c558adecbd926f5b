-- A GPU host's hours beside what its instance cost in those hours (EffectiveCost, prorated when
-- a bill row spans more than one hour). Needs gpu_host_hourly and gpu_host_resources.
WITH costs AS (
    SELECT r.host,
           t.hour,
           sum(c.EffectiveCost * 3600.0
               / greatest(epoch(c.ChargePeriodEnd - c.ChargePeriodStart), 3600.0)) AS effective_cost,
           any_value(c.BillingCurrency) AS currency
    FROM gpu_host_resources r
    JOIN focus_costs c ON c.ResourceId = r.resource_id
    CROSS JOIN LATERAL (
        SELECT unnest(generate_series(date_trunc('hour', c.ChargePeriodStart),
                                      c.ChargePeriodEnd - INTERVAL 1 SECOND,
                                      INTERVAL 1 HOUR)) AS hour
    ) t
    WHERE c.ChargeCategory = 'Usage'
    GROUP BY r.host, t.hour
)
SELECT coalesce(g.host, c.host) AS host,
       coalesce(g.hour, c.hour) AS hour,
       g.gpus, g.coverage, g.activity_mean_pct, g.busiest_gpu_mean_pct, g.idle_gpu_hours,
       g.activity_signal,
       c.effective_cost, c.currency
FROM gpu_host_hourly g
FULL JOIN costs c ON c.host = g.host AND c.hour = g.hour
