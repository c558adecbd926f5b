-- Rebuild one (source key, billing period) of cost_daily_rollup from focus_costs.
-- Tags are grouped first and read once per distinct map, so the configured tag keys apply to
-- history at every refresh without touching raw rows one by one.
INSERT INTO cost_daily_rollup BY NAME
WITH grouped AS (
    SELECT
        CAST(ChargePeriodStart AS DATE) AS day,
        x_source, x_source_key, x_billing_period, ProviderName, BillingAccountId, SubAccountId,
        SubAccountName, ServiceCategory, ServiceName, RegionId, ResourceId, ResourceName,
        ResourceType, x_instance_type, x_gpu_count, x_gpu_model, ChargeCategory, PricingCategory,
        x_usage_type, BillingCurrency, Tags,
        sum(BilledCost)                 AS billed_cost,
        sum(EffectiveCost)              AS effective_cost,
        sum(ListCost)                   AS list_cost,
        sum(ConsumedQuantity)           AS consumed_quantity,
        -- Instance-hours: distinct hours of hourly usage lines (a GCP VM bills vCPU, RAM and GPU
        -- SKUs for the same hour), plus hour-priced quantities of longer (daily) lines.
        nullif(coalesce(count(DISTINCT ChargePeriodStart) FILTER (
                   WHERE ChargeCategory = 'Usage' AND BilledCost > 0
                     AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 HOUR), 0)
               + coalesce(sum(PricingQuantity) FILTER (
                   WHERE ChargeCategory = 'Usage' AND BilledCost > 0
                     AND ChargePeriodEnd - ChargePeriodStart > INTERVAL 1 HOUR
                     AND lower(PricingUnit) IN ('hrs', 'hours', 'hour', 'h', '1 hour')), 0),
               0) AS usage_hours,
        count(*)                        AS line_items
    FROM focus_costs
    WHERE x_source_key = $source_key AND x_billing_period = $period
    GROUP BY ALL
), tagged AS (
    SELECT
        * EXCLUDE (Tags),
        tag_model(CAST(Tags AS MAP(VARCHAR, VARCHAR))) AS tag_model,
        tag_team(CAST(Tags AS MAP(VARCHAR, VARCHAR)))  AS tag_team,
        tag_env(CAST(Tags AS MAP(VARCHAR, VARCHAR)))   AS tag_env
    FROM grouped
)
SELECT
    *,
    hash(ResourceId, ResourceName, SubAccountId, SubAccountName, x_instance_type, ServiceName,
         RegionId, tag_model, tag_team, tag_env) AS attr_key
FROM tagged
