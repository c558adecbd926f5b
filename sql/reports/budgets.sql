-- Budgets ($budgets: a list of {dimension, name, monthly_usd} from [budgets] in aifinops.toml)
-- for the month starting $month_start: spend in that month so far, the month-end forecast when
-- that month is the one spend_forecast covers (else the spend itself: the month is over or not
-- the latest), and the status: over (spent more than the budget), forecast over, or ok.
WITH budgets AS (
    SELECT b.dimension, b.name, b.monthly_usd
    FROM (SELECT unnest($budgets) AS b)
), spend AS (
    SELECT 'team' AS dimension, team AS name, sum(cost) AS spent
    FROM cost_daily
    WHERE day >= $month_start AND day < $month_end
    GROUP BY team
    UNION ALL
    SELECT 'model', model, sum(cost)
    FROM cost_daily
    WHERE day >= $month_start AND day < $month_end
    GROUP BY model
), forecast AS (
    SELECT dimension, name, forecast, method
    FROM spend_forecast
    WHERE month = strftime(CAST($month_start AS DATE), '%Y-%m')
)
SELECT
    b.dimension,
    b.name,
    round(b.monthly_usd, 2)                                            AS budget,
    round(coalesce(s.spent, 0), 2)                                     AS spent,
    round(coalesce(f.forecast, s.spent, 0), 2)                         AS forecast,
    round(100 * coalesce(f.forecast, s.spent, 0) / b.monthly_usd, 1)   AS forecast_pct,
    CASE
        WHEN coalesce(s.spent, 0) > b.monthly_usd THEN 'over'
        WHEN coalesce(f.forecast, s.spent, 0) > b.monthly_usd * (1 + $tolerance) THEN 'forecast over'
        ELSE 'ok'
    END                                                                AS status,
    coalesce(f.method, 'spend to date (no forecast for this month)')   AS method
FROM budgets AS b
LEFT JOIN spend AS s USING (dimension, name)
LEFT JOIN forecast AS f USING (dimension, name)
ORDER BY status = 'ok', forecast_pct DESC, b.dimension, b.name
