-- Periods whose rollups no longer match the load that holds them: new, restated, or gone.
-- A load replaces its periods in the same transaction that records it in `loads`, so the latest
-- load of a (source key, period) is the one whose rows are in focus_costs: no scan of cost rows.
WITH current AS (
    SELECT source_key AS x_source_key, billing_period AS x_billing_period, max(load_id) AS load_id
    FROM loads
    GROUP BY ALL
)
SELECT
    coalesce(c.x_source_key, s.x_source_key)         AS x_source_key,
    coalesce(c.x_billing_period, s.x_billing_period) AS x_billing_period,
    c.load_id                                        AS load_id
FROM current AS c
FULL OUTER JOIN rollup_state AS s
    ON s.x_source_key = c.x_source_key AND s.x_billing_period = c.x_billing_period
WHERE c.load_id IS DISTINCT FROM s.load_id
ORDER BY 1, 2
