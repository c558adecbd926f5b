-- Open savings for the overview and the screen's filter choices: per status, how many and what
-- they would save a month; the rules seen (for the "kind" filter).
SELECT status, rule, team, count(*) AS recommendations, sum(monthly_saving_usd) AS monthly_saving_usd
FROM recommendations
GROUP BY ALL
ORDER BY status, rule, team
