-- Cost per day over the date range, every day present (0 where nothing was billed), for one
-- model (tui_model) or one resource (tui_resource) or everything in scope (both NULL).
WITH days AS (
    SELECT CAST(unnest(generate_series(CAST(getvariable('tui_start') AS DATE),
                                       CAST(getvariable('tui_end') AS DATE),
                                       INTERVAL 1 DAY)) AS DATE) AS day
), costs AS (
    SELECT day, sum(cost) AS cost_usd
    FROM tui_cost
    WHERE (getvariable('tui_model') IS NULL OR model = getvariable('tui_model'))
      AND (getvariable('tui_resource') IS NULL OR resource_id = getvariable('tui_resource'))
    GROUP BY day
)
SELECT d.day, coalesce(c.cost_usd, 0) AS cost_usd
FROM days AS d
LEFT JOIN costs AS c USING (day)
ORDER BY d.day
