-- GCP Cloud Billing export rows (relation `gcp_source`: the flattened columns of
-- sql/pushdown/gcp_columns.csv, credits already summed into credits_amount, whether read from
-- BigQuery, daily pushdown rows or exported files) → FOCUS 1.2 rows of focus_costs.
-- Parameters: $load_id, $source. Macros: gcp_macros.sql and the tag macros (tag_model …).
--
-- Mapping after Google's own FOCUS view (FORMATS.md §3.2): BilledCost = EffectiveCost = cost +
-- credits (credits are negative); ContractedCost = cost; ListCost = cost_at_list; the billing
-- period is the invoice month in Pacific time; SubAccount = the project; Tags = project labels ∪
-- system labels ∪ labels (a resource's own label wins over its project's).
-- GPUs: the machine type comes from the system label compute.googleapis.com/machine_spec and is
-- looked up in the GPU catalog (a2-, a3-, g2- …); accelerator SKUs ('Nvidia Tesla A100 GPU
-- running in Americas') give the model, and usage seconds over the row's hours the GPU count.
WITH src AS (
    SELECT
        g.*,
        map_concat(gcp_labels(g.project_labels), gcp_labels(g.system_labels),
                   gcp_labels(g.labels))                                   AS tag_map,
        g.cost + coalesce(g.credits_amount, 0)                             AS net_cost,
        CASE
            WHEN coalesce(g.cost_type, 'regular') = 'regular'
                 AND g.sku_description ILIKE 'Commitment%' THEN 'Purchase'
            WHEN coalesce(g.cost_type, 'regular') = 'regular' THEN 'Usage'
            WHEN g.cost_type = 'tax' THEN 'Tax'
            ELSE 'Adjustment'
        END                                                                AS charge_category,
        CASE WHEN g.sku_description ILIKE '%GPU%'
             THEN nullif(upper(regexp_extract(g.sku_description,
                         '(?i)nvidia\s+(?:tesla\s+)?([a-z]{1,2}\d{1,3})\b', 1)), '') END
                                                                           AS sku_gpu_model,
        epoch(g.usage_end_time) - epoch(g.usage_start_time)                AS usage_seconds
    FROM gcp_source AS g
), typed AS (
    SELECT
        s.*,
        nullif(s.tag_map['compute.googleapis.com/machine_spec'], '')      AS machine_type,
        CASE WHEN s.sku_gpu_model IS NOT NULL AND s.usage_unit = 'seconds' AND s.usage_seconds > 0
             THEN CAST(round(s.usage_amount / s.usage_seconds) AS INTEGER) END AS sku_gpu_count,
        CASE WHEN s.subscription_instance_id IS NOT NULL THEN s.cud_category END AS commitment_category
    FROM src AS s
)
SELECT
    -- FOCUS 1.2 mandatory
    t.net_cost                                                   AS BilledCost,
    t.billing_account_id                                         AS BillingAccountId,
    NULL                                                         AS BillingAccountName,
    t.currency                                                   AS BillingCurrency,
    gcp_invoice_end(t.invoice_month)                             AS BillingPeriodEnd,
    gcp_invoice_start(t.invoice_month)                           AS BillingPeriodStart,
    t.charge_category                                            AS ChargeCategory,
    CASE WHEN t.adjustment_id IS NOT NULL THEN 'Correction' END  AS ChargeClass,
    t.sku_description                                            AS ChargeDescription,
    t.usage_end_time                                             AS ChargePeriodEnd,
    t.usage_start_time                                           AS ChargePeriodStart,
    t.cost                                                       AS ContractedCost,
    t.net_cost                                                   AS EffectiveCost,
    'Google Cloud'                                               AS InvoiceIssuerName,
    coalesce(t.cost_at_list, t.cost)                             AS ListCost,
    t.usage_amount_in_pricing_units                              AS PricingQuantity,
    t.usage_pricing_unit                                         AS PricingUnit,
    'Google Cloud'                                               AS ProviderName,
    CASE WHEN t.transaction_type IS NULL OR t.transaction_type = 'GOOGLE' THEN 'Google Cloud'
         ELSE coalesce(t.seller_name, 'Google Cloud') END        AS PublisherName,
    coalesce(svc.service_category, 'Other')                      AS ServiceCategory,
    t.service_description                                        AS ServiceName,
    -- conditional / recommended
    t.location_zone                                              AS AvailabilityZone,
    NULL                                                         AS BillingAccountType,
    NULL                                                         AS CapacityReservationId,
    NULL                                                         AS CapacityReservationStatus,
    CASE t.charge_category WHEN 'Usage' THEN 'Usage-Based'
                           WHEN 'Purchase' THEN 'Recurring'
                           WHEN 'Tax' THEN 'Recurring'
                           ELSE 'One-Time' END                   AS ChargeFrequency,
    t.commitment_category                                        AS CommitmentDiscountCategory,
    CASE WHEN t.commitment_category IS NOT NULL OR t.charge_category = 'Purchase'
         THEN t.subscription_instance_id END                     AS CommitmentDiscountId,
    NULL                                                         AS CommitmentDiscountName,
    NULL                                                         AS CommitmentDiscountQuantity,
    CASE WHEN t.commitment_category IS NOT NULL AND t.charge_category = 'Usage'
         THEN 'Used' END                                         AS CommitmentDiscountStatus,
    CASE WHEN t.commitment_category IS NOT NULL
         THEN 'Committed Use Discount' END                       AS CommitmentDiscountType,
    NULL                                                         AS CommitmentDiscountUnit,
    CASE WHEN t.charge_category = 'Usage' THEN t.usage_amount END AS ConsumedQuantity,
    CASE WHEN t.charge_category = 'Usage' THEN t.usage_unit END  AS ConsumedUnit,
    t.price_effective_price                                      AS ContractedUnitPrice,
    NULL                                                         AS InvoiceId,
    NULL                                                         AS ListUnitPrice,
    CASE
        WHEN t.charge_category NOT IN ('Usage', 'Purchase') THEN NULL
        WHEN t.cud_category IS NOT NULL OR t.charge_category = 'Purchase' THEN 'Committed'
        WHEN t.sku_description ILIKE '%spot%' OR t.sku_description ILIKE '%preemptible%' THEN 'Dynamic'
        ELSE 'Standard'
    END                                                          AS PricingCategory,
    t.currency                                                   AS PricingCurrency,
    NULL                                                         AS PricingCurrencyContractedUnitPrice,
    NULL                                                         AS PricingCurrencyEffectiveCost,
    NULL                                                         AS PricingCurrencyListUnitPrice,
    t.location_region                                            AS RegionId,
    t.location_region                                            AS RegionName,
    t.resource_global_name                                       AS ResourceId,
    coalesce(t.resource_name, tag_name(t.tag_map))               AS ResourceName,
    nullif(regexp_extract(t.resource_global_name, '/([A-Za-z]+)/[^/]+$', 1), '') AS ResourceType,
    coalesce(svc.service_subcategory,
             'Other (' || coalesce(svc.service_category, 'Other') || ')') AS ServiceSubcategory,
    t.sku_id                                                     AS SkuId,
    t.sku_description                                            AS SkuMeter,
    NULL                                                         AS SkuPriceDetails,
    CASE WHEN t.sku_id IS NOT NULL
         THEN t.sku_id || coalesce('/' || CAST(t.price_tier_start_amount AS VARCHAR), '') END
                                                                 AS SkuPriceId,
    t.project_id                                                 AS SubAccountId,
    t.project_name                                               AS SubAccountName,
    CASE WHEN t.project_id IS NOT NULL THEN 'Project' END        AS SubAccountType,
    CASE WHEN t.tag_map IS NULL OR cardinality(t.tag_map) = 0 THEN NULL
         ELSE CAST(to_json(t.tag_map) AS JSON) END               AS Tags,
    -- aifinops extensions
    $source                                                      AS x_source,
    'gcp:' || t.billing_account_id                               AS x_source_key,
    substr(t.invoice_month, 1, 4) || '-' || substr(t.invoice_month, 5, 2) AS x_billing_period,
    $load_id                                                     AS x_load_id,
    t.cost_type                                                  AS x_line_item_type,
    t.sku_description                                            AS x_usage_type,
    NULL                                                         AS x_operation,
    t.machine_type                                               AS x_instance_type,
    coalesce(gpu.gpu_count, t.sku_gpu_count)                     AS x_gpu_count,
    coalesce(gpu.gpu_model, t.sku_gpu_model)                     AS x_gpu_model,
    tag_model(t.tag_map)                                         AS x_model,
    tag_team(t.tag_map)                                          AS x_team,
    tag_env(t.tag_map)                                           AS x_env,
    NULL                                                         AS x_extra
FROM typed AS t
LEFT JOIN ref_gcp_services AS svc ON svc.service_description = t.service_description
LEFT JOIN ref_gpu_instance_types AS gpu ON gpu.provider = 'gcp' AND gpu.instance_type = t.machine_type
