-- What is in the export for each (billing account, invoice month) from @first_month on: the
-- newest export_time and the row count. A month is reloaded only when these changed since its
-- last load (late rows arrive with a newer export_time). Runs in BigQuery; reads three small
-- columns. {table} and `-- partitioned` lines as in gcp_billing_rows.sql.
-- Parameters: @first_month ('YYYYMM'), @scan_from (TIMESTAMP).
SELECT
    billing_account_id,
    invoice.month                                          AS invoice_month,
    MAX(export_time)                                       AS max_export_time,
    COUNT(*)                                               AS row_count
FROM {table}
WHERE invoice.month >= @first_month
  AND (_PARTITIONTIME >= @scan_from OR _PARTITIONTIME IS NULL)                          -- partitioned
GROUP BY billing_account_id, invoice_month
ORDER BY invoice_month, billing_account_id
