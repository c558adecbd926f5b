-- FOCUS 1.2 CostAndUsage from focus_costs: the 57 FOCUS columns (aifinops' x_ columns stay
-- home), for one billing month ($period, 'YYYY-MM') or all ($period NULL).
--
-- Two recommended 1.2 columns that must not be null where present are completed from what the
-- row already says, so every exported row satisfies them: ServiceSubcategory ← 'Other (<its
-- ServiceCategory>)' (1.2's catch-all per category) and ChargeFrequency ← from ChargeCategory.
-- Tags and SkuPriceDetails are JSON text; datetimes stay TIMESTAMPTZ here (UTC) and are spelled
-- YYYY-MM-DDTHH:mm:ssZ by focus_csv_format.sql for CSV.
SELECT
    AvailabilityZone,
    BilledCost,
    BillingAccountId,
    BillingAccountName,
    BillingAccountType,
    BillingCurrency,
    BillingPeriodEnd,
    BillingPeriodStart,
    CapacityReservationId,
    CapacityReservationStatus,
    ChargeCategory,
    ChargeClass,
    ChargeDescription,
    coalesce(ChargeFrequency,
             CASE ChargeCategory WHEN 'Usage' THEN 'Usage-Based'
                                 WHEN 'Tax' THEN 'Recurring'
                                 ELSE 'One-Time' END)             AS ChargeFrequency,
    ChargePeriodEnd,
    ChargePeriodStart,
    CommitmentDiscountCategory,
    CommitmentDiscountId,
    CommitmentDiscountName,
    CommitmentDiscountQuantity,
    CommitmentDiscountStatus,
    CommitmentDiscountType,
    CommitmentDiscountUnit,
    ConsumedQuantity,
    ConsumedUnit,
    ContractedCost,
    ContractedUnitPrice,
    EffectiveCost,
    InvoiceId,
    InvoiceIssuerName,
    ListCost,
    ListUnitPrice,
    PricingCategory,
    PricingCurrency,
    PricingCurrencyContractedUnitPrice,
    PricingCurrencyEffectiveCost,
    PricingCurrencyListUnitPrice,
    PricingQuantity,
    PricingUnit,
    ProviderName,
    PublisherName,
    RegionId,
    RegionName,
    ResourceId,
    ResourceName,
    ResourceType,
    ServiceCategory,
    ServiceName,
    coalesce(ServiceSubcategory, 'Other (' || ServiceCategory || ')') AS ServiceSubcategory,
    SkuId,
    SkuMeter,
    CAST(SkuPriceDetails AS VARCHAR)                                AS SkuPriceDetails,
    SkuPriceId,
    SubAccountId,
    SubAccountName,
    SubAccountType,
    CAST(Tags AS VARCHAR)                                           AS Tags
FROM focus_costs
WHERE $period IS NULL OR x_billing_period = $period
ORDER BY BillingAccountId, ChargePeriodStart, ServiceName, ResourceId
