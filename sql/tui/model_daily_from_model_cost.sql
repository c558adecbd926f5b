-- One model's (tui_model) cost per day over the range from model_cost, every day present.
WITH days AS (
    SELECT CAST(unnest(generate_series(CAST(getvariable('tui_start') AS DATE),
                                       CAST(getvariable('tui_end') AS DATE),
                                       INTERVAL 1 DAY)) AS DATE) AS day
), costs AS (
    SELECT day, sum(cost) AS cost_usd
    FROM model_cost
    WHERE model = getvariable('tui_model')
      AND day BETWEEN getvariable('tui_start') AND getvariable('tui_end')
    GROUP BY day
)
SELECT d.day, coalesce(c.cost_usd, 0) AS cost_usd
FROM days AS d
LEFT JOIN costs AS c USING (day)
ORDER BY d.day
