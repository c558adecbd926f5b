-- 009 emptied rollup_state so that the next refresh would fill its new tables, but it left the
-- period rollups in place: the rebuilt periods then matched their fingerprints from before, no
-- day went downstream, and an upgraded database's cost_daily_attributed (what cost_daily reads)
-- stayed empty. Emptying the period rollups as well makes the next refresh rebuild everything.
DELETE FROM cost_daily_rollup;
DELETE FROM cost_hourly_rollup;
DELETE FROM rollup_state;
