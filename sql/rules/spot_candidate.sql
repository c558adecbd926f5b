-- spot_candidate: GPU instances doing training or batch work on on-demand capacity → run that
-- work on spot capacity (EC2 Spot, GCP Spot VMs), with the expected discount and the caveat.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   spot_window_days = 14     run-rate over the last 14 days of data (the lookback AWS Trusted
--                             Advisor and Compute Optimizer use)
--   spot_workload_patterns = ["*train*", "*batch*", "*finetun*", "*-ft-*", "*etl*", "*eval*"]
--                             globs matched, in lower case, against the resource's name, model,
--                             team and env: only work that can be interrupted belongs on spot,
--                             and a bill cannot tell that, so names and tags have to
--   hours_per_month = 730
-- Discount: 1 − spot ÷ on-demand hourly price of the instance type (recommendation_prices: the
-- shipped catalog's typical spot price in its reference region, or what `aifinops prices update`
-- fetched for the resource's region).
-- Saving = on-demand effective cost in the window ÷ (window days × 24) × 730 × discount.
-- Confidence 0.5: the workload class comes from names, and checkpointing cannot be checked.
WITH p AS (
    SELECT CAST(getvariable('rec_as_of') AS DATE) AS end_day,
           CAST(getvariable('rec_as_of') AS DATE)
               - CAST(getvariable('rec_spot_window_days') AS INTEGER) AS start_day,
           getvariable('rec_spot_window_days') * 24.0 AS window_hours,
           getvariable('rec_hours_per_month') AS hours_per_month,
           getvariable('rec_spot_workload_patterns') AS patterns
), on_demand AS (
    SELECT c.resource_id,
           max(c.instance_type) AS instance_type,
           sum(c.cost) AS cost,
           sum(c.usage_hours) AS usage_hours
    FROM cost_daily AS c, p
    WHERE c.day >= p.start_day AND c.day < p.end_day
      AND c.charge_category = 'Usage' AND c.pricing_category = 'Standard'
      AND c.gpu_count > 0 AND c.usage_hours > 0
      AND c.service IN ('Amazon Elastic Compute Cloud', 'Compute Engine')
    GROUP BY c.resource_id
), matched AS (
    SELECT o.*, r.provider, r.region, r.resource_name, r.model, r.team, r.env,
           list_filter(p.patterns, lambda g:
               lower(coalesce(r.resource_name, '')) GLOB g OR lower(coalesce(r.model, '')) GLOB g
               OR lower(coalesce(r.team, '')) GLOB g OR lower(coalesce(r.env, '')) GLOB g
           ) AS hits
    FROM on_demand AS o
    JOIN recommendation_resources AS r USING (resource_id), p
), priced AS (
    SELECT m.*, pr.on_demand_usd_per_hour, pr.spot_usd_per_hour, pr.region AS price_region,
           pr.source AS price_source,
           1 - pr.spot_usd_per_hour / pr.on_demand_usd_per_hour AS discount
    FROM matched AS m
    JOIN recommendation_prices AS pr
      ON pr.provider = m.provider AND pr.instance_type = m.instance_type
     AND pr.spot_usd_per_hour IS NOT NULL AND pr.on_demand_usd_per_hour > 0
    WHERE len(m.hits) > 0
    QUALIFY row_number() OVER (PARTITION BY m.resource_id
                               ORDER BY (pr.region = m.region) DESC, pr.as_of DESC) = 1
)
SELECT
    'spot_candidate' AS rule,
    q.resource_id,
    q.provider,
    q.model,
    q.team,
    printf('Run %s (%s, %s) on spot: about %.0f%% cheaper if the job can resume after an interruption',
           coalesce(q.resource_name, q.resource_id), q.instance_type, q.model, 100 * q.discount) AS title,
    json_object(
        'instance_type', q.instance_type,
        'window_days', getvariable('rec_spot_window_days'),
        'on_demand_cost_usd', round(q.cost, 2),
        'on_demand_hours', q.usage_hours,
        'monthly_run_rate_usd', round(q.cost / p.window_hours * p.hours_per_month, 2),
        'on_demand_usd_per_hour', q.on_demand_usd_per_hour,
        'spot_usd_per_hour', q.spot_usd_per_hour,
        'discount', round(q.discount, 4),
        'price_region', q.price_region,
        'price_source', q.price_source,
        'matched_patterns', q.hits,
        'caveat', CASE q.provider WHEN 'gcp'
            THEN 'Spot VMs can be preempted with 30 seconds notice: checkpoint often and resume'
            ELSE 'Spot capacity can be reclaimed with a 2-minute warning: checkpoint often and resume; '
                 || 'spread over several instance types and zones' END
    ) AS evidence,
    q.cost / p.window_hours * p.hours_per_month * q.discount AS monthly_saving_usd,
    0.5 AS confidence,
    'use_spot' AS action_kind,
    json_object('instance_id', q.resource_id, 'instance_type', q.instance_type,
                'region', q.region, 'discount', round(q.discount, 4)) AS action_params,
    ['billed_on_demand_hours', 'workload_name_or_tag', 'spot_price_catalog'] AS signals_used,
    ['interruption_tolerance', 'checkpointing', 'spot_capacity_in_region'] AS signals_missing
FROM priced AS q, p
