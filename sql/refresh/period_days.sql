-- The days one (source key, billing period) has in the rollups, recorded before its rows are
-- deleted and again after they are rebuilt, so a restatement that moves a charge to another day
-- refreshes both days. Variables: refresh_source_key, refresh_period.
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
