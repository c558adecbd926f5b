-- The values each global filter offers, biggest spender first, with a label where the bill has
-- one (account names). Teams come through attribution, so they are read from team_cost.
SELECT 'provider' AS dimension, ProviderName AS value, NULL AS label, sum(effective_cost) AS cost_usd
FROM cost_daily_rollup
WHERE ProviderName IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT 'account', SubAccountId, any_value(SubAccountName), sum(effective_cost)
FROM cost_daily_rollup
WHERE SubAccountId IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT 'team', team, NULL, sum(cost)
FROM team_cost
GROUP BY ALL
ORDER BY dimension, cost_usd DESC, value
