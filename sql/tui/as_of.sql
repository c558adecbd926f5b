-- How fresh the bill is: the last day with usage or purchases (the day forecasts run from), the
-- first day with any cost, and whether there is anything at all. Reads the rollup, not raw rows.
SELECT max(day) FILTER (WHERE ChargeCategory IN ('Usage', 'Purchase')) AS as_of,
       min(day)                                                         AS first_day,
       count(*)                                                         AS rollup_rows
FROM cost_daily_rollup
