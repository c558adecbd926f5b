-- Effective cost per day and provider over the period: the report's daily spend chart.
SELECT day, provider, round(sum(cost), 2) AS cost
FROM cost_daily
WHERE day >= $start AND day < $end
GROUP BY ALL
ORDER BY day, provider
