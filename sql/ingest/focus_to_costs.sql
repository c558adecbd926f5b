-- FOCUS rows of any version (relation `focus_source`: the 57 FOCUS 1.2 columns, typed, with
-- enumerations already in their canonical spelling; plus x_extra and x_hint_instance_type)
-- → focus_costs. Parameters: $load_id, $default_provider, $default_account, $default_currency.
-- Macros: focus_macros.sql, and focus_tag_values / focus_tag_model|team|env (aifinops.ingest.focus)
-- built from the configured tag keys.
--
-- Mandatory columns a file lacks are filled from their nearest FOCUS relative (the ingest
-- counts and reports every fill): EffectiveCost ← BilledCost, ContractedCost ← unit price ×
-- quantity or BilledCost, ListCost ← list unit price × quantity or ContractedCost, the
-- provider ← publisher or invoice issuer, the billing period ← the month of the charge.
-- The billing month (x_billing_period) is the month holding the middle of the billing period,
-- so a period that starts at 16:00Z the day before (a UTC+8 provider) still counts for its month.
WITH src AS (
    SELECT
        f.*,
        coalesce(f.ProviderName, f.PublisherName, f.InvoiceIssuerName, $default_provider) AS provider,
        coalesce(f.BillingAccountId, $default_account)                                  AS account,
        coalesce(f.BillingPeriodStart, date_trunc('month', f.ChargePeriodStart))         AS period_start
    FROM focus_source AS f
), resolved AS (
    SELECT
        s.*,
        coalesce(s.BillingPeriodEnd, s.period_start + INTERVAL 1 MONTH)                 AS period_end,
        coalesce(s.ContractedCost, s.ContractedUnitPrice * s.PricingQuantity, s.BilledCost) AS contracted,
        CASE
            WHEN lower(s.provider) LIKE '%amazon%' OR lower(s.provider) = 'aws' THEN 'aws'
            WHEN lower(s.provider) LIKE '%google%' OR lower(s.provider) = 'gcp' THEN 'gcp'
            WHEN lower(s.provider) LIKE '%microsoft%' OR lower(s.provider) LIKE '%azure%' THEN 'azure'
            WHEN lower(s.provider) LIKE '%oracle%' OR lower(s.provider) = 'oci' THEN 'oci'
        END                                                                              AS catalog_provider,
        focus_tag_values(s.Tags)                                                         AS tag_values
    FROM src AS s
)
SELECT
    -- FOCUS 1.2 mandatory
    r.BilledCost                                                   AS BilledCost,
    r.account                                                      AS BillingAccountId,
    r.BillingAccountName                                           AS BillingAccountName,
    coalesce(r.BillingCurrency, r.PricingCurrency, $default_currency) AS BillingCurrency,
    r.period_end                                                   AS BillingPeriodEnd,
    r.period_start                                                 AS BillingPeriodStart,
    coalesce(r.ChargeCategory, 'Usage')                            AS ChargeCategory,
    r.ChargeClass                                                  AS ChargeClass,
    r.ChargeDescription                                            AS ChargeDescription,
    coalesce(r.ChargePeriodEnd, r.ChargePeriodStart)               AS ChargePeriodEnd,
    r.ChargePeriodStart                                            AS ChargePeriodStart,
    r.contracted                                                   AS ContractedCost,
    coalesce(r.EffectiveCost, r.BilledCost)                        AS EffectiveCost,
    coalesce(r.InvoiceIssuerName, r.provider)                      AS InvoiceIssuerName,
    coalesce(r.ListCost, r.ListUnitPrice * r.PricingQuantity, r.contracted) AS ListCost,
    r.PricingQuantity                                              AS PricingQuantity,
    r.PricingUnit                                                  AS PricingUnit,
    r.provider                                                     AS ProviderName,
    coalesce(r.PublisherName, r.provider)                          AS PublisherName,
    coalesce(r.ServiceCategory, 'Other')                           AS ServiceCategory,
    coalesce(r.ServiceName, 'Unknown')                            AS ServiceName,
    -- conditional / recommended, as the file gave them
    r.AvailabilityZone, r.BillingAccountType, r.CapacityReservationId, r.CapacityReservationStatus,
    r.ChargeFrequency, r.CommitmentDiscountCategory, r.CommitmentDiscountId,
    r.CommitmentDiscountName, r.CommitmentDiscountQuantity, r.CommitmentDiscountStatus,
    r.CommitmentDiscountType, r.CommitmentDiscountUnit, r.ConsumedQuantity, r.ConsumedUnit,
    r.ContractedUnitPrice, r.InvoiceId, r.ListUnitPrice, r.PricingCategory, r.PricingCurrency,
    r.PricingCurrencyContractedUnitPrice, r.PricingCurrencyEffectiveCost,
    r.PricingCurrencyListUnitPrice, r.RegionId, r.RegionName, r.ResourceId, r.ResourceName,
    r.ResourceType, r.ServiceSubcategory, r.SkuId, r.SkuMeter, r.SkuPriceDetails, r.SkuPriceId,
    r.SubAccountId, r.SubAccountName, r.SubAccountType, r.Tags,
    -- aifinops extensions
    'focus'                                                        AS x_source,
    'focus:' || r.provider || ':' || r.account                     AS x_source_key,
    strftime(to_timestamp((epoch(r.period_start) + epoch(r.period_end)) / 2), '%Y-%m') AS x_billing_period,
    $load_id                                                       AS x_load_id,
    NULL                                                           AS x_line_item_type,
    NULL                                                           AS x_usage_type,
    NULL                                                           AS x_operation,
    r.x_hint_instance_type                                         AS x_instance_type,
    g.gpu_count                                                    AS x_gpu_count,
    g.gpu_model                                                    AS x_gpu_model,
    focus_tag_model(r.tag_values)                                  AS x_model,
    focus_tag_team(r.tag_values)                                   AS x_team,
    focus_tag_env(r.tag_values)                                    AS x_env,
    r.x_extra                                                      AS x_extra
FROM resolved AS r
LEFT JOIN ref_gpu_instance_types AS g
    ON g.provider = r.catalog_provider AND lower(g.instance_type) = lower(r.x_hint_instance_type)
