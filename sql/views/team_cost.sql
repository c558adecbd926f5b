-- team_cost: one row per team per day (with its month): effective, billed and list cost.
SELECT
    day,
    month,
    team,
    currency,
    sum(cost)         AS cost,
    sum(billed_cost)  AS billed_cost,
    sum(list_cost)    AS list_cost
FROM cost_daily
GROUP BY ALL
