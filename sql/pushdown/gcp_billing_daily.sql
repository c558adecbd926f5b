-- `--pushdown`: the rows of gcp_billing_rows.sql ({rows}, filled in for the table) summed inside
-- BigQuery to one row per day, resource, SKU and label set, so only daily per-resource rows
-- travel and load (a bill too large for one machine stays in BigQuery). Runs in BigQuery.
--
-- Credits were netted per export row before the sum (credits_amount), so no row is counted
-- twice. Labels cannot be grouped by as arrays: their JSON text is the key and one copy is kept.
-- Group keys are qualified (r.…) so they name the input columns, not the aggregated outputs.
-- The effective price is recomputed as cost per pricing unit over the day.
SELECT
    billing_account_id,
    invoice_month,
    cost_type,
    service_id,
    service_description,
    sku_id,
    sku_description,
    MIN(usage_start_time)                                  AS usage_start_time,
    MAX(usage_end_time)                                    AS usage_end_time,
    project_id,
    project_number,
    project_name,
    ANY_VALUE(project_labels)                              AS project_labels,
    ANY_VALUE(labels)                                      AS labels,
    ANY_VALUE(system_labels)                               AS system_labels,
    location_location,
    location_region,
    location_zone,
    resource_name,
    resource_global_name,
    SUM(cost)                                              AS cost,
    SUM(cost_at_list)                                      AS cost_at_list,
    currency,
    SUM(usage_amount)                                      AS usage_amount,
    usage_unit,
    SUM(usage_amount_in_pricing_units)                     AS usage_amount_in_pricing_units,
    usage_pricing_unit,
    SAFE_DIVIDE(SUM(cost), SUM(usage_amount_in_pricing_units)) AS price_effective_price,
    MIN(price_tier_start_amount)                           AS price_tier_start_amount,
    SUM(credits_amount)                                    AS credits_amount,
    cud_category,
    adjustment_id,
    subscription_instance_id,
    transaction_type,
    seller_name,
    MAX(export_time)                                       AS export_time
FROM ({rows}) AS r
GROUP BY
    r.billing_account_id, r.invoice_month, r.cost_type, r.service_id, r.service_description,
    r.sku_id, r.sku_description, DATE(r.usage_start_time), r.project_id, r.project_number,
    r.project_name, TO_JSON_STRING(r.project_labels), TO_JSON_STRING(r.labels),
    TO_JSON_STRING(r.system_labels), r.location_location, r.location_region, r.location_zone,
    r.resource_name, r.resource_global_name, r.currency, r.usage_unit, r.usage_pricing_unit,
    r.cud_category, r.adjustment_id, r.subscription_instance_id, r.transaction_type,
    r.seller_name
