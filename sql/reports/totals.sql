-- A report's headline: effective, billed and list cost in the period [$start, $end), effective
-- cost in the comparison period [$prev_start, $prev_end), the days with data, the currencies,
-- and tag coverage (share of |cost| with a model / a team, as in the tag_coverage view).
WITH scoped AS (
    SELECT *, day >= $start AS current_period
    FROM cost_daily
    WHERE (day >= $start AND day < $end) OR (day >= $prev_start AND day < $prev_end)
)
SELECT
    coalesce(sum(cost) FILTER (WHERE current_period), 0)                        AS cost,
    coalesce(sum(billed_cost) FILTER (WHERE current_period), 0)                 AS billed_cost,
    coalesce(sum(list_cost) FILTER (WHERE current_period), 0)                   AS list_cost,
    coalesce(sum(cost) FILTER (WHERE NOT current_period), 0)                    AS prev_cost,
    count(DISTINCT day) FILTER (WHERE current_period)                           AS days_with_data,
    count(DISTINCT day) FILTER (WHERE NOT current_period)                       AS prev_days_with_data,
    coalesce(string_agg(DISTINCT currency, ', ' ORDER BY currency)
             FILTER (WHERE current_period), '')                                 AS currencies,
    round(100 * coalesce(sum(abs(cost)) FILTER (WHERE current_period AND model <> 'unattributed'), 0)
          / nullif(sum(abs(cost)) FILTER (WHERE current_period), 0), 1)         AS model_coverage_pct,
    round(100 * coalesce(sum(abs(cost)) FILTER (WHERE current_period AND team <> 'unattributed'), 0)
          / nullif(sum(abs(cost)) FILTER (WHERE current_period), 0), 1)         AS team_coverage_pct
FROM scoped
