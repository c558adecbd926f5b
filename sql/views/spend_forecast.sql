-- spend_forecast: month-end spend per model and per team for the latest month with data.
-- Method: month-to-date cost + run-rate × days left, where the run-rate is the mean daily
-- usage and recurring-commitment cost of the last 7 days with data (one-time charges such as
-- tax and credits count once, in the month to date, and are not extrapolated). Recurring
-- commitments (Savings Plan fees) are billed every day, so the run-rate carries them forward.
WITH as_of AS (
    SELECT max(day) AS as_of FROM cost_daily_rollup WHERE ChargeCategory IN ('Usage', 'Purchase')
), frame AS (
    SELECT as_of,
           CAST(date_trunc('month', as_of) AS DATE) AS month_start,
           last_day(as_of) AS month_end,
           datediff('day', as_of, last_day(as_of)) AS days_left
    FROM as_of
), recent AS (  -- only the days the forecast reads: this month and the last 7 days
    SELECT c.model, c.team, c.day, c.charge_category, c.cost
    FROM cost_daily AS c, frame AS f
    WHERE c.day >= least(f.month_start, f.as_of - 6) AND c.day <= f.as_of
), windowed AS (
    SELECT
        CASE WHEN grouping(model) = 0 THEN 'model' ELSE 'team' END AS dimension,
        coalesce(model, team) AS name,
        sum(cost) FILTER (WHERE day >= (SELECT month_start FROM frame)) AS month_to_date,
        sum(cost) FILTER (WHERE day > (SELECT as_of FROM frame) - 7
                            AND charge_category IN ('Usage', 'Purchase')) / 7.0 AS run_rate_per_day
    FROM recent
    GROUP BY GROUPING SETS ((model), (team))
)
SELECT
    strftime(f.as_of, '%Y-%m')                                  AS month,
    w.dimension,
    w.name,
    f.as_of,
    round(coalesce(w.month_to_date, 0), 2)                      AS month_to_date,
    round(coalesce(w.run_rate_per_day, 0), 2)                   AS run_rate_per_day,
    f.days_left,
    round(coalesce(w.month_to_date, 0) + coalesce(w.run_rate_per_day, 0) * f.days_left, 2)
                                                                AS forecast,
    'month to date + mean daily usage and commitment cost of the last 7 days × '
        || f.days_left || ' day(s) left'                        AS method
FROM windowed AS w, frame AS f
WHERE coalesce(w.month_to_date, 0) <> 0 OR coalesce(w.run_rate_per_day, 0) <> 0
ORDER BY w.dimension, forecast DESC
