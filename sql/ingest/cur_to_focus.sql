-- AWS CUR (2.0 or legacy, already renamed to CUR 2.0 column names in the relation `cur_source`)
-- → FOCUS 1.2 rows of focus_costs. Parameters: $load_id, $source. The tags' JSON and the
-- configured model/team/env/name tags come with each row as x_tags_json, x_tag_model …
-- (sql/ingest/cur_tag_columns.sql, added by aifinops.ingest.cur_source).
--
-- EffectiveCost is AWS's own amortisation CASE (CID summary_view.sql, focus_converters aws.md):
-- Savings Plan covered usage costs its SP effective cost, the negation rows cancel the on-demand
-- cost they mirror (0 here, so nothing counts twice), a recurring SP fee counts only its unused
-- part, RI usage its RI effective cost, an RI fee only its unused part, upfront fees 0.
-- Net (after-discount) columns win where the export fills them.
--
-- CUR timestamps are UTC: make_timestamptz(epoch_us(…)) turns them into TIMESTAMPTZ from their
-- epoch, a sixth of the cost of an implicit CAST (which goes through the session's time zone).
WITH src AS (
    SELECT
        c.*,
        coalesce(nullif(c.product_instance_type, ''),
                 nullif(regexp_extract(c.line_item_usage_type, ':((ml\.)?[a-z0-9-]+\.[a-z0-9-]+)$', 1), '')
        ) AS instance_type,
        coalesce(c.line_item_net_unblended_cost, c.line_item_unblended_cost) AS billed,
        CASE
            WHEN c.line_item_line_item_type = 'SavingsPlanCoveredUsage'
                THEN coalesce(c.savings_plan_net_savings_plan_effective_cost,
                              c.savings_plan_savings_plan_effective_cost, 0)
            WHEN c.line_item_line_item_type = 'SavingsPlanRecurringFee'
                THEN coalesce(c.savings_plan_total_commitment_to_date, 0)
                     - coalesce(c.savings_plan_used_commitment, 0)
            WHEN c.line_item_line_item_type IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0
            WHEN c.line_item_line_item_type = 'DiscountedUsage'
                THEN coalesce(c.reservation_net_effective_cost, c.reservation_effective_cost, 0)
            WHEN c.line_item_line_item_type = 'RIFee'
                THEN coalesce(c.reservation_unused_amortized_upfront_fee_for_billing_period, 0)
                     + coalesce(c.reservation_unused_recurring_fee, 0)
            WHEN c.line_item_line_item_type = 'Fee' AND coalesce(c.reservation_reservation_a_r_n, '') <> '' THEN 0
            WHEN c.line_item_line_item_type = 'Refund' AND c.line_item_product_code = 'ComputeSavingsPlans'
                 AND c.line_item_line_item_description LIKE 'Refund for one-time fee for Savings Plan ID%' THEN 0
            ELSE coalesce(c.line_item_net_unblended_cost, c.line_item_unblended_cost)
        END AS effective,
        CASE
            WHEN c.line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage',
                 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'EdpDiscount',
                 'PrivateRateDiscount') THEN 'Usage'
            WHEN c.line_item_line_item_type IN ('Fee', 'RIFee', 'SavingsPlanUpfrontFee',
                 'SavingsPlanRecurringFee') THEN 'Purchase'
            WHEN c.line_item_line_item_type = 'Tax' THEN 'Tax'
            WHEN c.line_item_line_item_type = 'Credit' THEN 'Credit'
            ELSE 'Adjustment'
        END AS charge_category,
        nullif(coalesce(nullif(c.savings_plan_savings_plan_a_r_n, ''),
                        nullif(c.reservation_reservation_a_r_n, '')), '') AS commitment_id,
        nullif(c.line_item_resource_id, '') AS resource_id
    FROM cur_source AS c
)
SELECT
    -- FOCUS 1.2 mandatory
    s.billed                                              AS BilledCost,
    s.bill_payer_account_id                               AS BillingAccountId,
    nullif(s.bill_payer_account_name, '')                 AS BillingAccountName,
    s.line_item_currency_code                             AS BillingCurrency,
    make_timestamptz(epoch_us(coalesce(
        s.bill_billing_period_end_date,
        date_trunc('month', s.bill_billing_period_start_date) + INTERVAL 1 MONTH)))   AS BillingPeriodEnd,
    make_timestamptz(epoch_us(s.bill_billing_period_start_date)) AS BillingPeriodStart,
    s.charge_category                                     AS ChargeCategory,
    CASE WHEN s.line_item_usage_start_date < s.bill_billing_period_start_date
         THEN 'Correction' END                            AS ChargeClass,
    nullif(s.line_item_line_item_description, '')         AS ChargeDescription,
    make_timestamptz(epoch_us(coalesce(s.line_item_usage_end_date,
                                       s.line_item_usage_start_date))) AS ChargePeriodEnd,
    make_timestamptz(epoch_us(s.line_item_usage_start_date)) AS ChargePeriodStart,
    s.billed                                              AS ContractedCost,
    s.effective                                           AS EffectiveCost,
    coalesce(nullif(s.bill_invoicing_entity, ''), 'Amazon Web Services, Inc.') AS InvoiceIssuerName,
    CASE
        WHEN s.line_item_line_item_type = 'SavingsPlanNegation' THEN 0
        WHEN s.charge_category = 'Usage'
            THEN coalesce(s.pricing_public_on_demand_cost, s.billed)
        ELSE s.billed
    END                                                   AS ListCost,
    s.line_item_usage_amount                              AS PricingQuantity,
    nullif(s.pricing_unit, '')                            AS PricingUnit,
    'AWS'                                                 AS ProviderName,
    coalesce(nullif(s.line_item_legal_entity, ''), 'Amazon Web Services, Inc.') AS PublisherName,
    coalesce(svc.service_category, 'Other')               AS ServiceCategory,
    coalesce(svc.service_name, s.line_item_product_code)  AS ServiceName,
    -- conditional / recommended
    nullif(s.line_item_availability_zone, '')             AS AvailabilityZone,
    NULL                                                  AS BillingAccountType,
    NULL                                                  AS CapacityReservationId,
    NULL                                                  AS CapacityReservationStatus,
    CASE
        WHEN s.charge_category = 'Usage' THEN 'Usage-Based'
        WHEN s.line_item_line_item_type IN ('SavingsPlanRecurringFee', 'RIFee') THEN 'Recurring'
        WHEN s.charge_category = 'Tax' THEN 'Recurring'
        ELSE 'One-Time'
    END                                                   AS ChargeFrequency,
    CASE WHEN s.commitment_id IS NULL THEN NULL
         WHEN nullif(s.savings_plan_savings_plan_a_r_n, '') IS NOT NULL THEN 'Spend'
         ELSE 'Usage' END                                 AS CommitmentDiscountCategory,
    s.commitment_id                                       AS CommitmentDiscountId,
    NULL                                                  AS CommitmentDiscountName,
    NULL                                                  AS CommitmentDiscountQuantity,
    CASE WHEN s.commitment_id IS NOT NULL
              AND s.line_item_line_item_type IN ('SavingsPlanCoveredUsage', 'DiscountedUsage')
         THEN 'Used' END                                  AS CommitmentDiscountStatus,
    CASE WHEN s.commitment_id IS NULL THEN NULL
         WHEN nullif(s.savings_plan_savings_plan_a_r_n, '') IS NOT NULL THEN 'Savings Plan'
         ELSE 'Reserved Instance' END                     AS CommitmentDiscountType,
    NULL                                                  AS CommitmentDiscountUnit,
    CASE WHEN s.charge_category = 'Usage' THEN s.line_item_usage_amount END AS ConsumedQuantity,
    CASE WHEN s.charge_category = 'Usage' THEN nullif(s.pricing_unit, '') END AS ConsumedUnit,
    try_cast(nullif(s.line_item_unblended_rate, '') AS DOUBLE) AS ContractedUnitPrice,
    nullif(s.bill_invoice_id, '')                         AS InvoiceId,
    try_cast(nullif(s.pricing_public_on_demand_rate, '') AS DOUBLE) AS ListUnitPrice,
    CASE
        WHEN s.charge_category IN ('Tax', 'Credit', 'Adjustment') THEN NULL
        WHEN s.line_item_line_item_type IN ('SavingsPlanCoveredUsage', 'SavingsPlanNegation',
             'DiscountedUsage', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'RIFee')
            THEN 'Committed'
        WHEN s.pricing_term = 'Spot' OR s.line_item_usage_type LIKE '%SpotUsage%' THEN 'Dynamic'
        WHEN s.pricing_term = 'OnDemand' OR s.charge_category = 'Purchase' THEN 'Standard'
        ELSE 'Other'
    END                                                   AS PricingCategory,
    coalesce(nullif(s.pricing_currency, ''), s.line_item_currency_code) AS PricingCurrency,
    NULL                                                  AS PricingCurrencyContractedUnitPrice,
    NULL                                                  AS PricingCurrencyEffectiveCost,
    NULL                                                  AS PricingCurrencyListUnitPrice,
    nullif(s.product_region_code, '')                     AS RegionId,
    nullif(s.product_region_code, '')                     AS RegionName,
    s.resource_id                                         AS ResourceId,
    -- the id's last / or : segment; ids without either (i-…, vol-…) are their own name, and
    -- skipping the regex for them halved this column's cost
    coalesce(s.x_tag_name,
             CASE WHEN contains(s.resource_id, '/') OR contains(s.resource_id, ':')
                  THEN regexp_extract(s.resource_id, '([^/:]+)$', 1)
                  ELSE s.resource_id END)            AS ResourceName,
    CASE
        WHEN s.resource_id IS NULL THEN NULL
        WHEN s.resource_id LIKE 'i-%' THEN 'Instance'
        WHEN s.resource_id LIKE 'vol-%' THEN 'Volume'
        WHEN s.resource_id LIKE 'arn:%'
            THEN nullif(regexp_extract(s.resource_id, '^arn:[^:]+:[^:]+:[^:]*:[^:]*:([^/:]+)', 1), '')
        WHEN s.line_item_product_code = 'AmazonS3' THEN 'Bucket'
    END                                                   AS ResourceType,
    svc.service_subcategory                               AS ServiceSubcategory,
    nullif(s.product_sku, '')                             AS SkuId,
    nullif(s.line_item_usage_type, '')                    AS SkuMeter,
    NULL                                                  AS SkuPriceDetails,
    coalesce(nullif(s.pricing_rate_code, ''), nullif(s.pricing_rate_id, ''),
             nullif(s.product_sku, ''), s.commitment_id)  AS SkuPriceId,
    nullif(s.line_item_usage_account_id, '')              AS SubAccountId,
    nullif(s.line_item_usage_account_name, '')            AS SubAccountName,
    NULL                                                  AS SubAccountType,
    s.x_tags_json AS Tags,
    -- aifinops extensions
    $source                                               AS x_source,
    'aws:' || s.bill_payer_account_id                     AS x_source_key,
    strftime(s.bill_billing_period_start_date, '%Y-%m')   AS x_billing_period,
    $load_id                                              AS x_load_id,
    s.line_item_line_item_type                            AS x_line_item_type,
    nullif(s.line_item_usage_type, '')                    AS x_usage_type,
    nullif(s.line_item_operation, '')                     AS x_operation,
    s.instance_type                                       AS x_instance_type,
    g.gpu_count                                           AS x_gpu_count,
    g.gpu_model                                           AS x_gpu_model,
    s.x_tag_model                            AS x_model,
    s.x_tag_team                             AS x_team,
    s.x_tag_env                              AS x_env,
    NULL                                                  AS x_extra
FROM src AS s
LEFT JOIN ref_aws_services AS svc ON svc.product_code = s.line_item_product_code
LEFT JOIN ref_gpu_instance_types AS g ON g.provider = 'aws' AND g.instance_type = s.instance_type
