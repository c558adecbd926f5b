-- Models by cost over the date range, with the same-length window just before it for change.
-- Reads tui_days (overview_days.sql).
WITH span AS (
    SELECT CAST(getvariable('tui_start') AS DATE) AS start_day,
           CAST(getvariable('tui_end') AS DATE) AS end_day,
           CAST(datediff('day', getvariable('tui_start'), getvariable('tui_end')) + 1 AS INTEGER) AS days
), now_ AS (
    SELECT c.model, sum(c.cost) AS cost_usd
    FROM tui_days AS c, span AS s
    WHERE c.day BETWEEN s.start_day AND s.end_day
    GROUP BY c.model
), before AS (
    SELECT c.model, sum(c.cost) AS prior_cost_usd
    FROM tui_days AS c, span AS s
    WHERE c.day >= s.start_day - s.days AND c.day < s.start_day
    GROUP BY c.model
)
SELECT n.model,
       n.cost_usd,
       b.prior_cost_usd,
       100.0 * n.cost_usd / nullif(sum(n.cost_usd) OVER (), 0) AS share_pct
FROM now_ AS n
LEFT JOIN before AS b USING (model)
WHERE n.cost_usd <> 0
ORDER BY n.cost_usd DESC, n.model
