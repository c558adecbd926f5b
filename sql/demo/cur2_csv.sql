-- The CSV flavour of a CUR 2.0 file: maps as JSON text in the cell, timestamps in ISO 8601 UTC,
-- blank cells (not "") where a column does not apply.
SELECT nullif(CAST(COLUMNS('(.*)') AS VARCHAR), '') AS '\1'
FROM (
    SELECT * REPLACE (
        strftime(bill_billing_period_end_date, '%Y-%m-%dT%H:%M:%S.%gZ')   AS bill_billing_period_end_date,
        strftime(bill_billing_period_start_date, '%Y-%m-%dT%H:%M:%S.%gZ') AS bill_billing_period_start_date,
        strftime(line_item_usage_end_date, '%Y-%m-%dT%H:%M:%S.%gZ')       AS line_item_usage_end_date,
        strftime(line_item_usage_start_date, '%Y-%m-%dT%H:%M:%S.%gZ')     AS line_item_usage_start_date,
        to_json(cost_category)::VARCHAR  AS cost_category,
        to_json(discount)::VARCHAR       AS discount,
        to_json(product)::VARCHAR        AS product,
        to_json(resource_tags)::VARCHAR  AS resource_tags,
        to_json(tags)::VARCHAR           AS tags
    )
    FROM demo_cur2
)
