-- One row per (source, account key, billing period) currently in focus_costs, with its last load.
WITH latest AS (
    SELECT source_key, billing_period, arg_max(load_id, finished_at) AS load_id,
           max(finished_at) AS loaded_at, arg_max(uri, finished_at) AS uri
    FROM loads GROUP BY ALL
)
SELECT
    c.x_source                          AS source,
    c.x_source_key                      AS account,
    c.x_billing_period                  AS period,
    count(*)                            AS rows,
    round(sum(c.BilledCost), 2)         AS billed_cost,
    round(sum(c.EffectiveCost), 2)      AS effective_cost,
    any_value(c.BillingCurrency)        AS currency,
    l.loaded_at,
    l.uri
FROM focus_costs AS c
LEFT JOIN latest AS l ON l.source_key = c.x_source_key AND l.billing_period = c.x_billing_period
GROUP BY ALL
ORDER BY source, account, period
