-- Periods whose rollups no longer match the load that holds them: new, restated, or gone.
WITH current AS (
    SELECT source_key AS x_source_key, billing_period AS x_billing_period, max(load_id) AS load_id
    FROM loads
    WHERE load_id IN (SELECT DISTINCT x_load_id FROM focus_costs)
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
