-- After a period is built for the first time (it had no rollup rows before): every day, and
-- every GPU resource's day, it has joins the change sets. What period_changes.sql would find, as
-- its fingerprints before are empty, without hashing every row (10M-row bill: 0.27 s a month
-- against 0.55–0.61 s).
-- Variables: refresh_source_key, refresh_period.
INSERT INTO refresh_days
SELECT DISTINCT day
FROM cost_daily_rollup
WHERE x_source_key = getvariable('refresh_source_key')
  AND x_billing_period = getvariable('refresh_period');

INSERT INTO refresh_cost_hours
SELECT DISTINCT ResourceId, CAST(hour AS DATE)
FROM cost_hourly_rollup
WHERE x_source_key = getvariable('refresh_source_key')
  AND x_billing_period = getvariable('refresh_period');
