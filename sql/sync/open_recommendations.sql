-- Open recommendations the latest rules run emitted, saving at least $min_saving a month.
-- Budget overruns are left out: the budget check alerts on those itself.
SELECT id, rule, title, monthly_saving_usd
FROM recommendations
WHERE status = 'open' AND present AND monthly_saving_usd >= $min_saving
  AND rule <> 'budget_overrun'
ORDER BY monthly_saving_usd DESC, id
