-- team_cost: one row per team per day (with its month): effective, billed and list cost.
-- Reads cost_daily_attributed (what cost_daily reads), attribution already applied.
SELECT
    day,
    month,
    team,
    currency,
    sum(cost)         AS cost,
    sum(billed_cost)  AS billed_cost,
    sum(list_cost)    AS list_cost
FROM cost_daily_attributed
GROUP BY ALL
