-- Spend in the period and the comparison period by one dimension ($dim: provider | service |
-- team | account), biggest first; `change` is the difference, `change_pct` against the previous.
WITH scoped AS (
    SELECT
        CASE $dim
            WHEN 'provider' THEN provider
            WHEN 'service' THEN service
            WHEN 'team' THEN team
            ELSE coalesce(account_name, account, billing_account)
        END                                AS name,
        CASE WHEN $dim = 'service' THEN provider END AS detail,
        currency, cost, day >= $start AS current_period
    FROM cost_daily
    WHERE (day >= $start AND day < $end) OR (day >= $prev_start AND day < $prev_end)
), grouped AS (
    SELECT
        coalesce(name, '(none)')                                  AS name,
        any_value(detail)                                         AS detail,
        string_agg(DISTINCT currency, ', ' ORDER BY currency)     AS currency,
        coalesce(sum(cost) FILTER (WHERE current_period), 0)      AS cost,
        coalesce(sum(cost) FILTER (WHERE NOT current_period), 0)  AS prev_cost
    FROM scoped
    GROUP BY 1
)
SELECT
    name,
    detail,
    currency,
    round(cost, 2)                                                AS cost,
    round(prev_cost, 2)                                           AS prev_cost,
    round(cost - prev_cost, 2)                                    AS change,
    round(100 * (cost - prev_cost) / nullif(abs(prev_cost), 0), 1) AS change_pct,
    round(100 * cost / nullif(sum(cost) OVER (), 0), 1)           AS share_pct
FROM grouped
WHERE round(cost, 2) <> 0 OR round(prev_cost, 2) <> 0
ORDER BY cost DESC, name
