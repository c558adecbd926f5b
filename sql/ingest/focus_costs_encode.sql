-- Full FOCUS rows (the relation `focus_rows`, with every column of the focus_costs view) → the
-- columns of focus_costs_data: the row-varying columns as they are, the rest folded into
-- x_sparse where they differ from their defaults (see sql/schema/010_focus_costs_data.sql).
-- Every writer of cost rows inserts through this file, so the encoding lives in one place.
SELECT
    BilledCost, BillingAccountName, ChargeCategory, ChargeDescription, ChargePeriodEnd,
    ChargePeriodStart, EffectiveCost, ListCost, PricingQuantity, PricingUnit, ServiceCategory,
    ServiceName, AvailabilityZone, ChargeFrequency, CommitmentDiscountId, ConsumedQuantity,
    ConsumedUnit, ContractedUnitPrice, InvoiceId, ListUnitPrice, PricingCategory, RegionId,
    ResourceId, ResourceName, ResourceType, ServiceSubcategory, SkuId, SkuMeter, SkuPriceId,
    SubAccountId, SubAccountName, Tags, x_source_key, x_billing_period, x_load_id,
    x_line_item_type, x_operation, x_instance_type, x_gpu_count, x_gpu_model, x_model, x_team,
    x_env,
    costs_sparse(x_source_key, x_billing_period, BilledCost, RegionId, SkuMeter, SubAccountId,
        BillingAccountId, BillingCurrency, BillingPeriodEnd, BillingPeriodStart, ContractedCost,
        InvoiceIssuerName, ProviderName, PublisherName, PricingCurrency, RegionName, SubAccountType,
        x_source, x_usage_type,
        BillingAccountType, CapacityReservationId, CapacityReservationStatus, ChargeClass,
        CommitmentDiscountCategory, CommitmentDiscountName, CommitmentDiscountQuantity,
        CommitmentDiscountStatus, CommitmentDiscountType, CommitmentDiscountUnit,
        PricingCurrencyContractedUnitPrice, PricingCurrencyEffectiveCost,
        PricingCurrencyListUnitPrice, SkuPriceDetails, x_extra) AS x_sparse
FROM focus_rows
