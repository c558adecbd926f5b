-- Rebuild one (source key, billing period) of cost_hourly_rollup: GPU resources only, each
-- charge spread evenly over the hours it covers (hourly CURs cover one; daily FOCUS rows 24).
INSERT INTO cost_hourly_rollup BY NAME
WITH gpu_rows AS (
    SELECT
        ChargePeriodStart, ChargePeriodEnd, x_source_key, x_billing_period, ResourceId,
        x_instance_type, x_gpu_count, PricingCategory, EffectiveCost, BilledCost, ListCost,
        greatest(1, CAST(ceil(epoch(ChargePeriodEnd - ChargePeriodStart) / 3600) AS BIGINT)) AS hours
    FROM focus_costs
    WHERE x_source_key = $source_key AND x_billing_period = $period
      AND x_gpu_count > 0 AND ResourceId IS NOT NULL AND ChargeCategory = 'Usage'
), spread AS (
    SELECT
        CASE WHEN hours = 1 THEN date_trunc('hour', ChargePeriodStart)
             ELSE unnest(generate_series(date_trunc('hour', ChargePeriodStart),
                                         date_trunc('hour', ChargePeriodStart) + to_hours(hours - 1),
                                         INTERVAL 1 HOUR)) END AS hour,
        * EXCLUDE (ChargePeriodStart, ChargePeriodEnd)
    FROM gpu_rows
)
SELECT
    hour, x_source_key, x_billing_period, ResourceId, x_instance_type, x_gpu_count, PricingCategory,
    sum(EffectiveCost / hours) AS effective_cost,
    sum(BilledCost / hours)    AS billed_cost,
    sum(ListCost / hours)      AS list_cost
FROM spread
GROUP BY ALL
