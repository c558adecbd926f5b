-- commitment: a steady on-demand GPU baseline over the last 30 days → a 1-year commitment sized
-- at a low percentile of hourly on-demand spend (AWS Compute or SageMaker Savings Plan, GCP
-- committed use discount), with its saving and break-even.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   commitment_window_days = 30          issue 5: a steady baseline over 30 days
--   commitment_min_days = 28             need nearly the whole window of data to size a plan
--   commitment_percentile = 0.10         size at the 10th percentile of hourly on-demand spend,
--                                        so the plan is fully used in ~90% of hours
--   commitment_discount_aws_compute = 0.28     typical 1-year no-upfront Compute SP on GPU types
--   commitment_discount_aws_sagemaker = 0.20   typical 1-year no-upfront SageMaker SP
--   commitment_discount_gcp = 0.37             GCP 1-year resource-based CUD
--   hours_per_month = 730
-- One candidate per billing source (payer) and plan kind, from cost_hourly_rollup (GPU resources
-- only) rows with PricingCategory 'Standard' (on-demand; spot and already-committed usage are
-- not counted). With B the baseline (percentile of on-demand $/hour, hours without on-demand
-- spend counting as 0) and d the discount, the plan costs B × (1 − d) every hour and covers up
-- to B of on-demand spend, so an hour with on-demand spend x saves min(x, B) − B × (1 − d).
-- Saving = mean of that over the window's hours × 730. Break-even: the plan pays for itself
-- while covered usage stays above (1 − d) of the baseline.
-- Confidence = 0.5 + 0.3 × B ÷ mean hourly on-demand spend (a flatter baseline, a surer plan).
WITH p AS (
    SELECT getvariable('rec_as_of') AS as_of,
           getvariable('rec_as_of')
               - to_days(CAST(getvariable('rec_commitment_window_days') AS INTEGER)) AS start_at,
           getvariable('rec_commitment_percentile') AS pct,
           getvariable('rec_hours_per_month') AS hours_per_month
), od AS (
    SELECT h.x_source_key,
           CASE WHEN r.provider = 'gcp' THEN 'committed_use_discount'
                WHEN h.x_instance_type LIKE 'ml.%' THEN 'sagemaker_savings_plan'
                ELSE 'compute_savings_plan' END AS plan,
           r.provider,
           h.hour,
           sum(h.effective_cost) AS cost
    FROM cost_hourly_rollup AS h
    JOIN recommendation_resources AS r ON r.resource_id = h.ResourceId, p
    WHERE h.hour >= p.start_at AND h.hour < p.as_of AND h.PricingCategory = 'Standard'
    GROUP BY ALL
), firsts AS (
    SELECT x_source_key, min(hour) AS first_hour
    FROM cost_hourly_rollup, p
    WHERE hour >= p.start_at AND hour < p.as_of
    GROUP BY ALL
), keys AS (
    SELECT DISTINCT od.x_source_key, od.plan, od.provider, f.first_hour
    FROM od JOIN firsts AS f USING (x_source_key)
), series AS (
    SELECT k.x_source_key, k.plan, k.provider, t.hour, coalesce(od.cost, 0) AS cost
    FROM keys AS k, p,
         LATERAL (SELECT unnest(generate_series(k.first_hour, p.as_of - INTERVAL 1 HOUR,
                                                INTERVAL 1 HOUR)) AS hour) AS t
    LEFT JOIN od ON od.x_source_key = k.x_source_key AND od.plan = k.plan AND od.hour = t.hour
), stats AS (
    SELECT x_source_key, plan, provider,
           count(*) AS hours,
           quantile_cont(cost, getvariable('rec_commitment_percentile')) AS baseline,
           avg(cost) AS mean_cost,
           sum(cost) AS total_cost
    FROM series
    GROUP BY ALL
    HAVING count(*) >= getvariable('rec_commitment_min_days') * 24
), discounts AS (
    SELECT s.*,
           CASE s.plan WHEN 'compute_savings_plan' THEN getvariable('rec_commitment_discount_aws_compute')
                       WHEN 'sagemaker_savings_plan' THEN getvariable('rec_commitment_discount_aws_sagemaker')
                       ELSE getvariable('rec_commitment_discount_gcp') END AS discount
    FROM stats AS s
    WHERE s.baseline > 0
), covered AS (
    SELECT d.x_source_key, d.plan,
           avg(least(se.cost, d.baseline)) AS covered_per_hour,
           avg(CASE WHEN se.cost >= d.baseline THEN 1.0 ELSE 0.0 END) AS fully_used_share
    FROM discounts AS d
    JOIN series AS se USING (x_source_key, plan)
    GROUP BY d.x_source_key, d.plan
), scored AS (
    SELECT d.*, c.fully_used_share,
           c.covered_per_hour - d.baseline * (1 - d.discount) AS saving_per_hour
    FROM discounts AS d JOIN covered AS c USING (x_source_key, plan)
)
SELECT
    'commitment' AS rule,
    s.x_source_key || ':' || s.plan AS resource_id,
    s.provider,
    CAST(NULL AS VARCHAR) AS model,
    CAST(NULL AS VARCHAR) AS team,
    printf('Commit %.2f USD/hour for 1 year (%s, %s): covers the %s on-demand GPU baseline of %.2f USD/hour',
           s.baseline * (1 - s.discount), replace(s.plan, '_', ' '), s.x_source_key,
           'p' || CAST(round(100 * p.pct) AS INTEGER), s.baseline) AS title,
    json_object(
        'source_key', s.x_source_key,
        'plan', s.plan,
        'window_hours', s.hours,
        'percentile', p.pct,
        'baseline_on_demand_usd_per_hour', round(s.baseline, 4),
        'mean_on_demand_usd_per_hour', round(s.mean_cost, 4),
        'on_demand_cost_usd', round(s.total_cost, 2),
        'discount', s.discount,
        'commitment_usd_per_hour', round(s.baseline * (1 - s.discount), 4),
        'saving_usd_per_hour', round(s.saving_per_hour, 4),
        'hours_fully_used_share', round(s.fully_used_share, 4),
        'break_even_utilisation', round(1 - s.discount, 4),
        'note', 'Right-size, stop idle instances and move interruptible work to spot first: '
                || 'a commitment locks in what is left. '
                || CASE s.plan WHEN 'committed_use_discount'
                     THEN 'GCP CUDs are per region and resource (GPU, vCPU, memory): buy the mix behind this baseline.'
                     ELSE 'The discount is an assumption: the Savings Plans purchase page shows the rate for each type.' END
    ) AS evidence,
    s.saving_per_hour * p.hours_per_month AS monthly_saving_usd,
    least(0.8, 0.5 + 0.3 * s.baseline / s.mean_cost) AS confidence,
    'buy_commitment' AS action_kind,
    json_object('plan', s.plan, 'provider', s.provider, 'source_key', s.x_source_key,
                'commitment_usd_per_hour', round(s.baseline * (1 - s.discount), 3),
                'term_years', 1, 'payment', 'No Upfront') AS action_params,
    ['hourly_on_demand_gpu_spend'] AS signals_used,
    ['planned_changes_to_the_fleet', 'published_plan_rate_per_instance_type'] AS signals_missing
FROM scored AS s, p
WHERE s.saving_per_hour > 0
