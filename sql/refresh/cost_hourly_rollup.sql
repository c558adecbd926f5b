-- Rebuild one (source key, billing period) of cost_hourly_rollup: one row per GPU resource and
-- hour (so views join it without regrouping); each
-- charge spread evenly over the hours it covers (hourly CURs cover one; daily FOCUS rows 24).
INSERT INTO cost_hourly_rollup BY NAME
WITH gpu_rows AS (
    SELECT
        date_trunc('hour', ChargePeriodStart) AS start_hour, x_source_key, x_billing_period,
        ResourceId, x_instance_type, x_gpu_count, PricingCategory, EffectiveCost, BilledCost,
        ListCost,
        greatest(1, CAST(ceil(epoch(ChargePeriodEnd - ChargePeriodStart) / 3600) AS BIGINT)) AS hours
    FROM focus_costs
    WHERE x_source_key = $source_key AND x_billing_period = $period
      AND x_gpu_count > 0 AND ResourceId IS NOT NULL AND ChargeCategory = 'Usage'
), spread AS (
    SELECT start_hour AS hour, * FROM gpu_rows WHERE hours = 1
    UNION ALL
    SELECT unnest(generate_series(start_hour, start_hour + to_hours(hours - 1), INTERVAL 1 HOUR))
               AS hour, *
    FROM gpu_rows WHERE hours > 1
)
SELECT
    hour, x_source_key, x_billing_period, ResourceId,
    any_value(x_instance_type)                        AS x_instance_type,
    max(x_gpu_count)                                  AS x_gpu_count,
    -- list then distinct, not a DISTINCT aggregate: 9.5 s → 5.2 s on a 4.7M-row month
    nullif(array_to_string(list_sort(list_distinct(list(PricingCategory))), ','), '')
                                                      AS PricingCategory,
    sum(EffectiveCost / hours)                        AS effective_cost,
    sum(BilledCost / hours)                           AS billed_cost,
    sum(ListCost / hours)                             AS list_cost
FROM spread
GROUP BY hour, x_source_key, x_billing_period, ResourceId
