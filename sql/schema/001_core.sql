-- The FOCUS 1.2 CostAndUsage table, the load ledger, and the reference tables.
-- FOCUS columns keep FOCUS's own names; x_ columns carry what FOCUS lacks.
CREATE TABLE focus_costs (
    -- FOCUS 1.2 mandatory
    BilledCost                      DOUBLE NOT NULL,
    BillingAccountId                VARCHAR NOT NULL,
    BillingAccountName              VARCHAR,
    BillingCurrency                 VARCHAR NOT NULL,
    BillingPeriodEnd                TIMESTAMPTZ NOT NULL,
    BillingPeriodStart              TIMESTAMPTZ NOT NULL,
    ChargeCategory                  VARCHAR NOT NULL,
    ChargeClass                     VARCHAR,
    ChargeDescription               VARCHAR,
    ChargePeriodEnd                 TIMESTAMPTZ NOT NULL,
    ChargePeriodStart               TIMESTAMPTZ NOT NULL,
    ContractedCost                  DOUBLE NOT NULL,
    EffectiveCost                   DOUBLE NOT NULL,
    InvoiceIssuerName               VARCHAR NOT NULL,
    ListCost                        DOUBLE NOT NULL,
    PricingQuantity                 DOUBLE,
    PricingUnit                     VARCHAR,
    ProviderName                    VARCHAR NOT NULL,
    PublisherName                   VARCHAR NOT NULL,
    ServiceCategory                 VARCHAR NOT NULL,
    ServiceName                     VARCHAR NOT NULL,
    -- FOCUS 1.2 conditional / recommended
    AvailabilityZone                VARCHAR,
    BillingAccountType              VARCHAR,
    CapacityReservationId           VARCHAR,
    CapacityReservationStatus       VARCHAR,
    ChargeFrequency                 VARCHAR,
    CommitmentDiscountCategory      VARCHAR,
    CommitmentDiscountId            VARCHAR,
    CommitmentDiscountName          VARCHAR,
    CommitmentDiscountQuantity      DOUBLE,
    CommitmentDiscountStatus        VARCHAR,
    CommitmentDiscountType          VARCHAR,
    CommitmentDiscountUnit          VARCHAR,
    ConsumedQuantity                DOUBLE,
    ConsumedUnit                    VARCHAR,
    ContractedUnitPrice             DOUBLE,
    InvoiceId                       VARCHAR,
    ListUnitPrice                   DOUBLE,
    PricingCategory                 VARCHAR,
    PricingCurrency                 VARCHAR,
    PricingCurrencyContractedUnitPrice DOUBLE,
    PricingCurrencyEffectiveCost    DOUBLE,
    PricingCurrencyListUnitPrice    DOUBLE,
    RegionId                        VARCHAR,
    RegionName                      VARCHAR,
    ResourceId                      VARCHAR,
    ResourceName                    VARCHAR,
    ResourceType                    VARCHAR,
    ServiceSubcategory              VARCHAR,
    SkuId                           VARCHAR,
    SkuMeter                        VARCHAR,
    SkuPriceDetails                 JSON,
    SkuPriceId                      VARCHAR,
    SubAccountId                    VARCHAR,
    SubAccountName                  VARCHAR,
    SubAccountType                  VARCHAR,
    Tags                            JSON,
    -- aifinops extensions
    x_source                        VARCHAR NOT NULL,  -- aws-cur2, aws-cur-legacy, gcp-billing, focus
    x_source_key                    VARCHAR NOT NULL,  -- the account/export a load replaces, e.g. aws:111122223333
    x_billing_period                VARCHAR NOT NULL,  -- YYYY-MM, with x_source_key the unit a load replaces
    x_load_id                       BIGINT NOT NULL,
    x_line_item_type                VARCHAR,           -- the provider's own charge type
    x_usage_type                    VARCHAR,
    x_operation                     VARCHAR,
    x_instance_type                 VARCHAR,
    x_gpu_count                     INTEGER,
    x_gpu_model                     VARCHAR,
    x_model                         VARCHAR,           -- from tags at ingest; attribution views refine it
    x_team                          VARCHAR,
    x_env                           VARCHAR
);

CREATE SEQUENCE load_id_seq START 1;

-- One row per (load, billing period): what was read, from where, and the totals it brought.
-- Failed loads write nothing here (a failure leaves the database exactly as it was).
CREATE TABLE loads (
    load_id         BIGINT NOT NULL,
    source          VARCHAR NOT NULL,  -- aws-cur2, aws-cur-legacy, ...
    source_key      VARCHAR,           -- e.g. aws:111122223333
    unit            VARCHAR NOT NULL,  -- what was read as one piece, e.g. ai-costs/BILLING_PERIOD=2026-10
    uri             VARCHAR NOT NULL,
    files           VARCHAR[],
    checksum        VARCHAR,           -- sha256 over the files' ETags or content hashes
    billing_period  VARCHAR,
    rows            BIGINT,
    billed_cost     DOUBLE,
    effective_cost  DOUBLE,
    replaced_rows   BIGINT,            -- rows of an earlier load of the same period that this replaced
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    outcome         VARCHAR NOT NULL   -- loaded, replaced
);
