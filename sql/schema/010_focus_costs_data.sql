-- focus_costs becomes a view over a narrower table, focus_costs_data, that stores only what
-- varies from row to row. Writing DuckDB storage is what ingest spends its time on, at roughly
-- the same cost per column whether the column holds data, a constant or NULLs; a CUR load filled
-- ~25 columns that were NULL, constant per load, or copies of another column.
--
-- Those columns live in x_sparse, a JSON object that holds a column only where the row differs
-- from the column's default (NULL for the rarely filled FOCUS columns; for the others the
-- derivation below, from the row's own x_source_key, x_billing_period and sibling columns).
-- A CUR row matches every default, so its x_sparse is NULL. The focus_costs view restores every
-- column with the same name, type and value as before, so readers do not change; writers insert
-- into focus_costs_data through sql/ingest/focus_costs_encode.sql. The macros below are part of
-- the storage format: changing one changes what stored rows decode to, so a change needs a
-- migration that rewrites the rows.

-- Defaults, by the kind of source key: aws:<payer>, gcp:<billing account>, focus:<provider>:<account>.
CREATE MACRO costs_default_provider(key) AS
    CASE WHEN starts_with(key, 'aws:') THEN 'AWS'
         WHEN starts_with(key, 'gcp:') THEN 'Google Cloud'
         WHEN starts_with(key, 'focus:') THEN split_part(key, ':', 2) END;

CREATE MACRO costs_default_issuer(key) AS
    CASE WHEN starts_with(key, 'aws:') THEN 'Amazon Web Services, Inc.'
         ELSE costs_default_provider(key) END;

CREATE MACRO costs_default_source(key) AS
    CASE WHEN starts_with(key, 'aws:') THEN 'aws-cur2'
         WHEN starts_with(key, 'gcp:') THEN 'gcp-billing'
         WHEN starts_with(key, 'focus:') THEN 'focus' END;

CREATE MACRO costs_default_account(key) AS split_part(key, ':', -1);

-- A billing month 'YYYY-MM' as the instant it starts and ends: midnight UTC, or midnight Pacific
-- for GCP (its invoice calendar). Neither depends on the session's TimeZone.
CREATE MACRO costs_period_start(key, period) AS
    CASE WHEN starts_with(key, 'gcp:')
         THEN timezone('America/Los_Angeles', try_cast(period || '-01' AS TIMESTAMP))
         ELSE make_timestamptz(epoch_us(try_cast(period || '-01' AS TIMESTAMP))) END;

CREATE MACRO costs_period_end(key, period) AS
    CASE WHEN starts_with(key, 'gcp:')
         THEN timezone('America/Los_Angeles', try_cast(period || '-01' AS TIMESTAMP) + INTERVAL 1 MONTH)
         ELSE make_timestamptz(epoch_us(try_cast(period || '-01' AS TIMESTAMP) + INTERVAL 1 MONTH)) END;

CREATE MACRO costs_default_sub_account_type(key, sub_account_id) AS
    CASE WHEN starts_with(key, 'gcp:') AND sub_account_id IS NOT NULL THEN 'Project' END;

-- One "name":value pair of x_sparse (NULL when the column matches its default).
CREATE MACRO costs_pair(name, differs, v) AS
    CASE WHEN differs THEN '"' || name || '":' || coalesce(CAST(to_json(v) AS VARCHAR), 'null') END;

-- x_sparse of one row from its full FOCUS values: NULL when every column matches its default.
CREATE MACRO costs_sparse(key, period, BilledCost, RegionId, SkuMeter, SubAccountId,
        BillingAccountId, BillingCurrency, BillingPeriodEnd, BillingPeriodStart, ContractedCost,
        InvoiceIssuerName, ProviderName, PublisherName, PricingCurrency, RegionName, SubAccountType,
        x_source, x_usage_type,
        BillingAccountType, CapacityReservationId, CapacityReservationStatus, ChargeClass,
        CommitmentDiscountCategory, CommitmentDiscountName, CommitmentDiscountQuantity,
        CommitmentDiscountStatus, CommitmentDiscountType, CommitmentDiscountUnit,
        PricingCurrencyContractedUnitPrice, PricingCurrencyEffectiveCost,
        PricingCurrencyListUnitPrice, SkuPriceDetails, x_extra) AS
    CASE WHEN BillingAccountId IS DISTINCT FROM costs_default_account(key)
           OR BillingCurrency IS DISTINCT FROM 'USD'
           OR BillingPeriodEnd IS DISTINCT FROM costs_period_end(key, period)
           OR BillingPeriodStart IS DISTINCT FROM costs_period_start(key, period)
           OR ContractedCost IS DISTINCT FROM BilledCost
           OR InvoiceIssuerName IS DISTINCT FROM costs_default_issuer(key)
           OR ProviderName IS DISTINCT FROM costs_default_provider(key)
           OR PublisherName IS DISTINCT FROM costs_default_issuer(key)
           OR PricingCurrency IS DISTINCT FROM BillingCurrency
           OR RegionName IS DISTINCT FROM RegionId
           OR SubAccountType IS DISTINCT FROM costs_default_sub_account_type(key, SubAccountId)
           OR x_source IS DISTINCT FROM costs_default_source(key)
           OR x_usage_type IS DISTINCT FROM SkuMeter
           OR coalesce(BillingAccountType, CapacityReservationId, CapacityReservationStatus,
                       ChargeClass, CommitmentDiscountCategory, CommitmentDiscountName,
                       CommitmentDiscountStatus, CommitmentDiscountType, CommitmentDiscountUnit)
              IS NOT NULL
           OR coalesce(CommitmentDiscountQuantity, PricingCurrencyContractedUnitPrice,
                       PricingCurrencyEffectiveCost, PricingCurrencyListUnitPrice) IS NOT NULL
           OR SkuPriceDetails IS NOT NULL OR x_extra IS NOT NULL
    THEN CAST('{' || concat_ws(',',
        costs_pair('BillingAccountId', BillingAccountId IS DISTINCT FROM costs_default_account(key), BillingAccountId),
        costs_pair('BillingCurrency', BillingCurrency IS DISTINCT FROM 'USD', BillingCurrency),
        costs_pair('BillingPeriodEnd', BillingPeriodEnd IS DISTINCT FROM costs_period_end(key, period), epoch_us(BillingPeriodEnd)),
        costs_pair('BillingPeriodStart', BillingPeriodStart IS DISTINCT FROM costs_period_start(key, period), epoch_us(BillingPeriodStart)),
        costs_pair('ContractedCost', ContractedCost IS DISTINCT FROM BilledCost, ContractedCost),
        costs_pair('InvoiceIssuerName', InvoiceIssuerName IS DISTINCT FROM costs_default_issuer(key), InvoiceIssuerName),
        costs_pair('ProviderName', ProviderName IS DISTINCT FROM costs_default_provider(key), ProviderName),
        costs_pair('PublisherName', PublisherName IS DISTINCT FROM costs_default_issuer(key), PublisherName),
        costs_pair('PricingCurrency', PricingCurrency IS DISTINCT FROM BillingCurrency, PricingCurrency),
        costs_pair('RegionName', RegionName IS DISTINCT FROM RegionId, RegionName),
        costs_pair('SubAccountType', SubAccountType IS DISTINCT FROM costs_default_sub_account_type(key, SubAccountId), SubAccountType),
        costs_pair('x_source', x_source IS DISTINCT FROM costs_default_source(key), x_source),
        costs_pair('x_usage_type', x_usage_type IS DISTINCT FROM SkuMeter, x_usage_type),
        costs_pair('BillingAccountType', BillingAccountType IS NOT NULL, BillingAccountType),
        costs_pair('CapacityReservationId', CapacityReservationId IS NOT NULL, CapacityReservationId),
        costs_pair('CapacityReservationStatus', CapacityReservationStatus IS NOT NULL, CapacityReservationStatus),
        costs_pair('ChargeClass', ChargeClass IS NOT NULL, ChargeClass),
        costs_pair('CommitmentDiscountCategory', CommitmentDiscountCategory IS NOT NULL, CommitmentDiscountCategory),
        costs_pair('CommitmentDiscountName', CommitmentDiscountName IS NOT NULL, CommitmentDiscountName),
        costs_pair('CommitmentDiscountQuantity', CommitmentDiscountQuantity IS NOT NULL, CommitmentDiscountQuantity),
        costs_pair('CommitmentDiscountStatus', CommitmentDiscountStatus IS NOT NULL, CommitmentDiscountStatus),
        costs_pair('CommitmentDiscountType', CommitmentDiscountType IS NOT NULL, CommitmentDiscountType),
        costs_pair('CommitmentDiscountUnit', CommitmentDiscountUnit IS NOT NULL, CommitmentDiscountUnit),
        costs_pair('PricingCurrencyContractedUnitPrice', PricingCurrencyContractedUnitPrice IS NOT NULL, PricingCurrencyContractedUnitPrice),
        costs_pair('PricingCurrencyEffectiveCost', PricingCurrencyEffectiveCost IS NOT NULL, PricingCurrencyEffectiveCost),
        costs_pair('PricingCurrencyListUnitPrice', PricingCurrencyListUnitPrice IS NOT NULL, PricingCurrencyListUnitPrice),
        costs_pair('SkuPriceDetails', SkuPriceDetails IS NOT NULL, SkuPriceDetails),
        costs_pair('x_extra', x_extra IS NOT NULL, x_extra)
    ) || '}' AS JSON) END;

-- A column of x_sparse, or its default when the row does not hold it.
CREATE MACRO costs_or(sparse, name, fallback) AS
    CASE WHEN json_exists(sparse, '$.' || name) THEN sparse ->> ('$.' || name) ELSE fallback END;

CREATE TABLE focus_costs_data (
    BilledCost                      DOUBLE NOT NULL,
    BillingAccountName              VARCHAR,
    ChargeCategory                  VARCHAR NOT NULL,
    ChargeDescription               VARCHAR,
    ChargePeriodEnd                 TIMESTAMPTZ NOT NULL,
    ChargePeriodStart               TIMESTAMPTZ NOT NULL,
    EffectiveCost                   DOUBLE NOT NULL,
    ListCost                        DOUBLE NOT NULL,
    PricingQuantity                 DOUBLE,
    PricingUnit                     VARCHAR,
    ServiceCategory                 VARCHAR NOT NULL,
    ServiceName                     VARCHAR NOT NULL,
    AvailabilityZone                VARCHAR,
    ChargeFrequency                 VARCHAR,
    CommitmentDiscountId            VARCHAR,
    ConsumedQuantity                DOUBLE,
    ConsumedUnit                    VARCHAR,
    ContractedUnitPrice             DOUBLE,
    InvoiceId                       VARCHAR,
    ListUnitPrice                   DOUBLE,
    PricingCategory                 VARCHAR,
    RegionId                        VARCHAR,
    ResourceId                      VARCHAR,
    ResourceName                    VARCHAR,
    ResourceType                    VARCHAR,
    ServiceSubcategory              VARCHAR,
    SkuId                           VARCHAR,
    SkuMeter                        VARCHAR,
    SkuPriceId                      VARCHAR,
    SubAccountId                    VARCHAR,
    SubAccountName                  VARCHAR,
    Tags                            JSON,
    x_source_key                    VARCHAR NOT NULL,
    x_billing_period                VARCHAR NOT NULL,
    x_load_id                       BIGINT NOT NULL,
    x_line_item_type                VARCHAR,
    x_operation                     VARCHAR,
    x_instance_type                 VARCHAR,
    x_gpu_count                     INTEGER,
    x_gpu_model                     VARCHAR,
    x_model                         VARCHAR,
    x_team                          VARCHAR,
    x_env                           VARCHAR,
    x_sparse                        JSON       -- columns that differ from their default (above)
);

INSERT INTO focus_costs_data BY NAME
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
FROM focus_costs;

DROP TABLE focus_costs;

CREATE VIEW focus_costs AS
WITH d AS (
    SELECT *,
        CAST(costs_or(x_sparse, 'BillingCurrency', 'USD') AS VARCHAR) AS bc
    FROM focus_costs_data
)
SELECT
    BilledCost,
    CAST(costs_or(x_sparse, 'BillingAccountId', costs_default_account(x_source_key)) AS VARCHAR) AS BillingAccountId,
    BillingAccountName,
    bc AS BillingCurrency,
    CASE WHEN json_exists(x_sparse, '$.BillingPeriodEnd')
         THEN make_timestamptz(CAST(x_sparse ->> '$.BillingPeriodEnd' AS BIGINT))
         ELSE costs_period_end(x_source_key, x_billing_period) END AS BillingPeriodEnd,
    CASE WHEN json_exists(x_sparse, '$.BillingPeriodStart')
         THEN make_timestamptz(CAST(x_sparse ->> '$.BillingPeriodStart' AS BIGINT))
         ELSE costs_period_start(x_source_key, x_billing_period) END AS BillingPeriodStart,
    ChargeCategory,
    CAST(x_sparse ->> '$.ChargeClass' AS VARCHAR) AS ChargeClass,
    ChargeDescription,
    ChargePeriodEnd,
    ChargePeriodStart,
    CASE WHEN json_exists(x_sparse, '$.ContractedCost')
         THEN CAST(x_sparse ->> '$.ContractedCost' AS DOUBLE) ELSE BilledCost END AS ContractedCost,
    EffectiveCost,
    CAST(costs_or(x_sparse, 'InvoiceIssuerName', costs_default_issuer(x_source_key)) AS VARCHAR) AS InvoiceIssuerName,
    ListCost,
    PricingQuantity,
    PricingUnit,
    CAST(costs_or(x_sparse, 'ProviderName', costs_default_provider(x_source_key)) AS VARCHAR) AS ProviderName,
    CAST(costs_or(x_sparse, 'PublisherName', costs_default_issuer(x_source_key)) AS VARCHAR) AS PublisherName,
    ServiceCategory,
    ServiceName,
    AvailabilityZone,
    CAST(x_sparse ->> '$.BillingAccountType' AS VARCHAR) AS BillingAccountType,
    CAST(x_sparse ->> '$.CapacityReservationId' AS VARCHAR) AS CapacityReservationId,
    CAST(x_sparse ->> '$.CapacityReservationStatus' AS VARCHAR) AS CapacityReservationStatus,
    ChargeFrequency,
    CAST(x_sparse ->> '$.CommitmentDiscountCategory' AS VARCHAR) AS CommitmentDiscountCategory,
    CommitmentDiscountId,
    CAST(x_sparse ->> '$.CommitmentDiscountName' AS VARCHAR) AS CommitmentDiscountName,
    CAST(x_sparse ->> '$.CommitmentDiscountQuantity' AS DOUBLE) AS CommitmentDiscountQuantity,
    CAST(x_sparse ->> '$.CommitmentDiscountStatus' AS VARCHAR) AS CommitmentDiscountStatus,
    CAST(x_sparse ->> '$.CommitmentDiscountType' AS VARCHAR) AS CommitmentDiscountType,
    CAST(x_sparse ->> '$.CommitmentDiscountUnit' AS VARCHAR) AS CommitmentDiscountUnit,
    ConsumedQuantity,
    ConsumedUnit,
    ContractedUnitPrice,
    InvoiceId,
    ListUnitPrice,
    PricingCategory,
    CAST(costs_or(x_sparse, 'PricingCurrency', bc) AS VARCHAR) AS PricingCurrency,
    CAST(x_sparse ->> '$.PricingCurrencyContractedUnitPrice' AS DOUBLE) AS PricingCurrencyContractedUnitPrice,
    CAST(x_sparse ->> '$.PricingCurrencyEffectiveCost' AS DOUBLE) AS PricingCurrencyEffectiveCost,
    CAST(x_sparse ->> '$.PricingCurrencyListUnitPrice' AS DOUBLE) AS PricingCurrencyListUnitPrice,
    RegionId,
    CAST(costs_or(x_sparse, 'RegionName', RegionId) AS VARCHAR) AS RegionName,
    ResourceId,
    ResourceName,
    ResourceType,
    ServiceSubcategory,
    SkuId,
    SkuMeter,
    CAST(x_sparse -> '$.SkuPriceDetails' AS JSON) AS SkuPriceDetails,
    SkuPriceId,
    SubAccountId,
    SubAccountName,
    CAST(costs_or(x_sparse, 'SubAccountType',
                  costs_default_sub_account_type(x_source_key, SubAccountId)) AS VARCHAR) AS SubAccountType,
    Tags,
    CAST(costs_or(x_sparse, 'x_source', costs_default_source(x_source_key)) AS VARCHAR) AS x_source,
    x_source_key,
    x_billing_period,
    x_load_id,
    x_line_item_type,
    CAST(costs_or(x_sparse, 'x_usage_type', SkuMeter) AS VARCHAR) AS x_usage_type,
    x_operation,
    x_instance_type,
    x_gpu_count,
    x_gpu_model,
    x_model,
    x_team,
    x_env,
    CAST(x_sparse -> '$.x_extra' AS JSON) AS x_extra
FROM d;
