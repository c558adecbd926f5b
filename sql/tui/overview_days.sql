-- tui_days: one pass over cost_daily for everything the overview shows — cost per day, model and
-- charge category from the start of last month (or of the window before the range, if earlier)
-- to the end of the range (or as_of, if later). The overview's numbers all read this small table.
CREATE OR REPLACE TEMP TABLE tui_days AS
SELECT day, model, charge_category, sum(cost) AS cost
FROM tui_scope
WHERE day >= least(CAST(getvariable('tui_start') AS DATE)
                       - CAST(datediff('day', getvariable('tui_start'), getvariable('tui_end')) + 1 AS INTEGER),
                   CAST(date_trunc('month', getvariable('tui_as_of')) - INTERVAL 1 MONTH AS DATE))
  AND day <= greatest(CAST(getvariable('tui_end') AS DATE), CAST(getvariable('tui_as_of') AS DATE))
GROUP BY ALL
