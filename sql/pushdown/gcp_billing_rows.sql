-- One invoice month of one billing account from a Cloud Billing export table (standard
-- `gcp_billing_export_v1_*` or detailed `gcp_billing_export_resource_v1_*`), row by row, with
-- nested fields flattened to the names of sql/pushdown/gcp_columns.csv. Runs in BigQuery.
--
-- aifinops.ingest.gcp_bigquery fills it in before sending it:
--   {table}                   the table, back-quoted
--   `… -- optional TYPE`      read as CAST(NULL AS TYPE) when the table lacks the field (the
--                             detailed export alone has resource.* and price.*; older tables
--                             lack cost_at_list, adjustment_info, subscription, …)
--   `… -- partitioned`        kept only for ingestion-time partitioned tables
-- Parameters: @billing_account_id, @invoice_month ('YYYYMM'), @scan_from (TIMESTAMP: the oldest
-- partition to read; rows still in the streaming buffer have a NULL _PARTITIONTIME and are kept).
--
-- Credits are netted by a correlated subquery over UNNEST(credits): a LEFT JOIN UNNEST(credits)
-- would repeat the row once per credit and count its cost that many times.
SELECT
    billing_account_id,
    invoice.month                                          AS invoice_month,
    cost_type,
    service.id                                             AS service_id,
    service.description                                    AS service_description,
    sku.id                                                 AS sku_id,
    sku.description                                        AS sku_description,
    usage_start_time,
    usage_end_time,
    project.id                                             AS project_id,
    project.number                                         AS project_number,
    project.name                                           AS project_name,
    project.labels                                         AS project_labels,
    labels,
    system_labels,
    location.location                                      AS location_location,
    location.region                                        AS location_region,
    location.zone                                          AS location_zone,
    resource.name                                          AS resource_name,            -- optional STRING
    resource.global_name                                   AS resource_global_name,     -- optional STRING
    cost,
    cost_at_list                                           AS cost_at_list,             -- optional FLOAT64
    currency,
    usage.amount                                           AS usage_amount,
    usage.unit                                             AS usage_unit,
    usage.amount_in_pricing_units                          AS usage_amount_in_pricing_units,
    usage.pricing_unit                                     AS usage_pricing_unit,
    price.effective_price                                  AS price_effective_price,    -- optional FLOAT64
    price.tier_start_amount                                AS price_tier_start_amount,  -- optional FLOAT64
    IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) AS c), 0) AS credits_amount,
    (SELECT MAX(CASE c.type WHEN 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' THEN 'Spend'
                            WHEN 'COMMITTED_USAGE_DISCOUNT' THEN 'Usage' END)
       FROM UNNEST(credits) AS c)                          AS cud_category,
    adjustment_info.id                                     AS adjustment_id,            -- optional STRING
    subscription.instance_id                               AS subscription_instance_id, -- optional STRING
    transaction_type                                       AS transaction_type,         -- optional STRING
    seller_name                                            AS seller_name,              -- optional STRING
    export_time
FROM {table}
WHERE billing_account_id = @billing_account_id
  AND invoice.month = @invoice_month
  AND (_PARTITIONTIME >= @scan_from OR _PARTITIONTIME IS NULL)                          -- partitioned
