-- A period's fingerprints before it is rebuilt (macros from period_fingerprints.sql).
CREATE OR REPLACE TEMP TABLE period_days_before AS SELECT * FROM period_day_fingerprints();
CREATE OR REPLACE TEMP TABLE period_hours_before AS SELECT * FROM period_hour_fingerprints();
