-- Models by cost over the date range from the model_cost view (shared GPU hosts split across
-- the models seen on them), with the same-length window before it. Used when no provider,
-- account or team filter is set (model_cost has no columns for them).
WITH span AS (
    SELECT CAST(getvariable('tui_start') AS DATE) AS start_day,
           CAST(getvariable('tui_end') AS DATE) AS end_day,
           CAST(datediff('day', getvariable('tui_start'), getvariable('tui_end')) + 1 AS INTEGER) AS days
), per AS (
    SELECT m.model,
           sum(m.cost) FILTER (WHERE m.day >= s.start_day)  AS cost_usd,
           sum(m.cost) FILTER (WHERE m.day < s.start_day)   AS prior_cost_usd
    FROM model_cost AS m, span AS s
    WHERE m.day >= s.start_day - s.days AND m.day <= s.end_day
    GROUP BY m.model
)
SELECT model, coalesce(cost_usd, 0) AS cost_usd, prior_cost_usd,
       100.0 * cost_usd / nullif(sum(cost_usd) OVER (), 0) AS share_pct
FROM per
WHERE coalesce(cost_usd, 0) <> 0
ORDER BY cost_usd DESC, model
