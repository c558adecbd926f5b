-- Month-end forecast of the whole bill for the month spend_forecast covers: the sum over teams
-- (every cost row has exactly one team, `unattributed` included), with the method.
SELECT month, sum(forecast) AS forecast, any_value(method) AS method
FROM spend_forecast
WHERE dimension = 'team'
GROUP BY month
