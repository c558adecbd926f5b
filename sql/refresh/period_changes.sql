-- After a period is rebuilt (or removed): the days, and the GPU resources' days, whose rows are
-- not what they were (new, gone or different) join the change sets; the rest of the period's
-- history is left alone downstream.
INSERT INTO refresh_days
SELECT coalesce(b.day, a.day)
FROM period_days_before AS b
FULL JOIN period_day_fingerprints() AS a USING (day)
WHERE b.fp IS DISTINCT FROM a.fp OR b.n IS DISTINCT FROM a.n;

INSERT INTO refresh_cost_hours
SELECT coalesce(b.resource_id, a.resource_id), coalesce(b.day, a.day)
FROM period_hours_before AS b
FULL JOIN period_hour_fingerprints() AS a USING (resource_id, day)
WHERE b.fp IS DISTINCT FROM a.fp OR b.n IS DISTINCT FROM a.n;
