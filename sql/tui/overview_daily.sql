-- The overview's daily chart: cost per day over the range, every day present. Reads tui_days.
WITH days AS (
    SELECT CAST(unnest(generate_series(CAST(getvariable('tui_start') AS DATE),
                                       CAST(getvariable('tui_end') AS DATE),
                                       INTERVAL 1 DAY)) AS DATE) AS day
)
SELECT d.day, coalesce(sum(c.cost), 0) AS cost_usd
FROM days AS d
LEFT JOIN tui_days AS c USING (day)
GROUP BY d.day
ORDER BY d.day
