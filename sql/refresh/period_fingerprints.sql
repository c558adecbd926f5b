-- Fingerprints of one (source key, billing period) in the cost rollups: per day (every column of
-- cost_daily_rollup) and per GPU resource and day (cost_hourly_rollup), as order-independent sums
-- of row hashes, costs rounded to 1e-9 so that summation order cannot flip them. Taken before a
-- period is rebuilt and again after (period_changes.sql compares the two), so a restatement
-- that leaves a day as it was does not rebuild what reads that day.
-- Variables: refresh_source_key, refresh_period.
CREATE OR REPLACE TEMP MACRO period_day_fingerprints() AS TABLE
SELECT day, count(*) AS n,
       sum(hash(day, x_source, ProviderName, BillingAccountId, SubAccountId, SubAccountName,
                ServiceCategory, ServiceName, RegionId, ResourceId, ResourceName, ResourceType,
                x_instance_type, x_gpu_count, x_gpu_model, ChargeCategory, PricingCategory,
                x_usage_type, BillingCurrency, tag_model, tag_team, tag_env, attr_key,
                round(billed_cost, 9), round(effective_cost, 9), round(list_cost, 9),
                round(consumed_quantity, 9), round(usage_hours, 9), line_items)) AS fp
FROM cost_daily_rollup
WHERE x_source_key = getvariable('refresh_source_key')
  AND x_billing_period = getvariable('refresh_period')
GROUP BY day;

CREATE OR REPLACE TEMP MACRO period_hour_fingerprints() AS TABLE
SELECT ResourceId AS resource_id, CAST(hour AS DATE) AS day, count(*) AS n,
       sum(hash(hour, x_instance_type, x_gpu_count, PricingCategory, round(effective_cost, 9),
                round(billed_cost, 9), round(list_cost, 9))) AS fp
FROM cost_hourly_rollup
WHERE x_source_key = getvariable('refresh_source_key')
  AND x_billing_period = getvariable('refresh_period')
GROUP BY ALL;
