-- spend_anomaly: a service in an account whose daily spend jumped far above its trailing median
-- in the last week → find out why before the month closes.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   anomaly_recent_days = 7          look for anomalous days in the last week of data
--   anomaly_baseline_days = 14       baseline: median daily spend of the 14 days before each
--                                    day (two full weeks, so weekends weigh as they should)
--   anomaly_factor = 2.0             anomalous when a day costs at least 2 × that median ...
--   anomaly_min_excess_usd = 50      ... and at least 50 USD more than it
--   hours_per_month = 730
-- Usage charges only (EffectiveCost, ChargeCategory 'Usage'): taxes, credits and monthly fees
-- land on the first of the month and are not anomalies. Days with no usage count as 0 in the
-- baseline. One candidate per (provider, account, service): its latest anomalous day.
-- Saving = (that day's cost − baseline median) × 730 ÷ 24: what the excess costs a month if it
-- continues. Confidence 0.4: a jump can be wanted (a launch, a training run).
WITH p AS (
    SELECT CAST(getvariable('rec_as_of') AS DATE) AS end_day,
           CAST(getvariable('rec_as_of') AS DATE)
               - CAST(getvariable('rec_anomaly_recent_days') AS INTEGER) AS recent_start,
           CAST(getvariable('rec_anomaly_baseline_days') AS INTEGER) AS baseline_days
), daily AS (
    SELECT ProviderName AS provider_name, coalesce(SubAccountId, BillingAccountId) AS account,
           ServiceName AS service, day, sum(effective_cost) AS cost
    FROM cost_daily_rollup, p
    WHERE ChargeCategory = 'Usage'
      AND day >= p.recent_start - p.baseline_days AND day < p.end_day
    GROUP BY ALL
), scopes AS (
    SELECT DISTINCT provider_name, account, service FROM daily
), grid AS (
    SELECT s.*, CAST(d.day AS DATE) AS day, coalesce(x.cost, 0) AS cost
    FROM scopes AS s, p,
         LATERAL (SELECT unnest(generate_series(p.recent_start - p.baseline_days, p.end_day - 1,
                                                INTERVAL 1 DAY)) AS day) AS d
    LEFT JOIN daily AS x
           ON x.provider_name = s.provider_name AND x.account IS NOT DISTINCT FROM s.account
          AND x.service = s.service AND x.day = CAST(d.day AS DATE)
), scored AS (
    SELECT r.provider_name, r.account, r.service, r.day, r.cost,
           median(b.cost) AS baseline
    FROM grid AS r, p
    JOIN grid AS b
      ON b.provider_name = r.provider_name AND b.account IS NOT DISTINCT FROM r.account
     AND b.service = r.service AND b.day >= r.day - p.baseline_days AND b.day < r.day
    WHERE r.day >= p.recent_start
    GROUP BY ALL
), anomalies AS (
    SELECT s.*,
           s.cost >= getvariable('rec_anomaly_factor') * s.baseline
           AND s.cost - s.baseline >= getvariable('rec_anomaly_min_excess_usd') AS anomalous
    FROM scored AS s
), latest AS (
    SELECT provider_name, account, service,
           max(day) FILTER (WHERE anomalous) AS day,
           list(strftime(day, '%Y-%m-%d') ORDER BY day) FILTER (WHERE anomalous) AS anomalous_days
    FROM anomalies
    GROUP BY ALL
    HAVING count(*) FILTER (WHERE anomalous) > 0
), picked AS (
    SELECT l.anomalous_days, a.*
    FROM latest AS l
    JOIN anomalies AS a USING (provider_name, account, service, day)
), drivers AS (
    SELECT k.provider_name, k.account, k.service,
           list(json_object('resource_id', coalesce(c.ResourceId, '(no resource)'),
                            'cost_usd', round(c.cost, 2)) ORDER BY c.cost DESC)[1:3] AS top_resources
    FROM picked AS k
    JOIN (SELECT ProviderName, coalesce(SubAccountId, BillingAccountId) AS account, ServiceName,
                 day, ResourceId, sum(effective_cost) AS cost
          FROM cost_daily_rollup WHERE ChargeCategory = 'Usage' GROUP BY ALL) AS c
      ON c.ProviderName = k.provider_name AND c.account IS NOT DISTINCT FROM k.account
     AND c.ServiceName = k.service AND c.day = k.day
    GROUP BY ALL
)
SELECT
    'spend_anomaly' AS rule,
    CASE WHEN lower(k.provider_name) LIKE '%google%' THEN 'gcp'
         WHEN lower(k.provider_name) LIKE '%microsoft%' OR lower(k.provider_name) LIKE '%azure%' THEN 'azure'
         ELSE 'aws' END || ':' || coalesce(k.account, '-') || ':' || k.service AS resource_id,
    CASE WHEN lower(k.provider_name) LIKE '%google%' THEN 'gcp'
         WHEN lower(k.provider_name) LIKE '%microsoft%' OR lower(k.provider_name) LIKE '%azure%' THEN 'azure'
         ELSE 'aws' END AS provider,
    CAST(NULL AS VARCHAR) AS model,
    CAST(NULL AS VARCHAR) AS team,
    printf('%s in %s cost %.2f USD on %s, %.1f× its %d-day median of %.2f',
           k.service, coalesce(k.account, '-'), k.cost, strftime(k.day, '%Y-%m-%d'),
           k.cost / nullif(k.baseline, 0), p.baseline_days, k.baseline) AS title,
    json_object(
        'service', k.service,
        'account', k.account,
        'day', strftime(k.day, '%Y-%m-%d'),
        'cost_usd', round(k.cost, 2),
        'baseline_median_usd', round(k.baseline, 2),
        'baseline_days', p.baseline_days,
        'excess_usd', round(k.cost - k.baseline, 2),
        'factor', round(k.cost / nullif(k.baseline, 0), 2),
        'anomalous_days', k.anomalous_days,
        'top_resources_that_day', d.top_resources
    ) AS evidence,
    (k.cost - k.baseline) * getvariable('rec_hours_per_month') / 24.0 AS monthly_saving_usd,
    0.4 AS confidence,
    'investigate_spend' AS action_kind,
    json_object('service', k.service, 'account', k.account, 'day', strftime(k.day, '%Y-%m-%d'))
        AS action_params,
    ['daily_usage_cost'] AS signals_used,
    ['planned_launches_or_training_runs'] AS signals_missing
FROM picked AS k
LEFT JOIN drivers AS d USING (provider_name, account, service), p
