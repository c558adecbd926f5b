-- The overview's headline numbers for the month of tui_as_of (the last day with usage), within
-- the provider / account / team filters, whatever the date range (reads tui_days, see
-- overview_days.sql):
--   month_to_date_usd           cost from the 1st of the month to as_of
--   prior_same_days_usd         last month, same days (1st .. the same day number, capped at its end)
--   prior_month_usd             last month in full
--   run_rate_per_day_usd        mean daily Usage + Purchase cost of the 7 days to as_of
--   forecast_usd                month to date + run rate × days left
-- The forecast is spend_forecast's method (tests check they agree), computed here so it can
-- honour the provider and account filters that spend_forecast has no columns for.
WITH frame AS (
    SELECT CAST(getvariable('tui_as_of') AS DATE)                           AS as_of,
           CAST(date_trunc('month', getvariable('tui_as_of')) AS DATE)      AS month_start,
           CAST(date_trunc('month', getvariable('tui_as_of')) - INTERVAL 1 MONTH AS DATE) AS prior_start,
           least(CAST(date_trunc('month', getvariable('tui_as_of')) - INTERVAL 1 MONTH AS DATE)
                     + CAST(day(getvariable('tui_as_of')) - 1 AS INTEGER),
                 CAST(date_trunc('month', getvariable('tui_as_of')) AS DATE) - 1) AS prior_same_end,
           datediff('day', getvariable('tui_as_of'), last_day(getvariable('tui_as_of'))) AS days_left
), sums AS (
    SELECT
        sum(c.cost) FILTER (WHERE c.day >= f.month_start)                          AS month_to_date_usd,
        sum(c.cost) FILTER (WHERE c.day < f.month_start AND c.day <= f.prior_same_end) AS prior_same_days_usd,
        sum(c.cost) FILTER (WHERE c.day < f.month_start)                           AS prior_month_usd,
        sum(c.cost) FILTER (WHERE c.day > f.as_of - 7
                              AND c.charge_category IN ('Usage', 'Purchase')) / 7.0 AS run_rate_per_day_usd
    FROM tui_days AS c, frame AS f
    WHERE c.day >= f.prior_start AND c.day <= f.as_of
)
SELECT f.as_of,
       strftime(f.as_of, '%Y-%m')                          AS month,
       f.days_left,
       coalesce(s.month_to_date_usd, 0)                    AS month_to_date_usd,
       s.prior_same_days_usd,
       s.prior_month_usd,
       coalesce(s.run_rate_per_day_usd, 0)                 AS run_rate_per_day_usd,
       coalesce(s.month_to_date_usd, 0) + coalesce(s.run_rate_per_day_usd, 0) * f.days_left
                                                           AS forecast_usd
FROM frame AS f, sums AS s
