-- From the change sets to what each materialised table rebuilds:
--   refresh_cost_keys (day, resource): cost_daily_attributed rows — the changed days, and every
--       day of a resource whose attribution changed (resource NULL: fees, tax, credits);
--   refresh_resource_days (resource key, day): resource_hourly_rollup / resource_daily_rollup —
--       GPU resources' days whose hourly cost changed, the days of new GPU hours (keyed through
--       the current host links), and every GPU day of a host whose link changed, under both its
--       old and its new key;
--   refresh_model_days (day): model_cost_daily — any day any of the above touched, and every
--       day with GPU process rows when the process patterns changed (variable refresh_patterns_changed).
CREATE OR REPLACE TEMP TABLE refresh_resource_days AS
SELECT resource_id AS rkey, day FROM refresh_cost_hours
UNION
SELECT coalesce(l.resource_id, 'host:' || d.host), d.day
FROM refresh_host_days AS d
LEFT JOIN gpu_host_links AS l USING (host)
UNION
SELECT h.old_key, g.day
FROM refresh_link_hosts AS h JOIN gpu_host_daily AS g USING (host)
WHERE h.old_key IS NOT NULL
UNION
SELECT h.new_key, g.day
FROM refresh_link_hosts AS h JOIN gpu_host_daily AS g USING (host)
WHERE h.new_key IS NOT NULL;

CREATE OR REPLACE TEMP TABLE refresh_model_days AS
SELECT day FROM refresh_days
UNION
SELECT DISTINCT r.day FROM cost_daily_rollup AS r
SEMI JOIN refresh_attr_resources AS a ON a.resource_id IS NOT DISTINCT FROM r.ResourceId
UNION
SELECT day FROM refresh_resource_days
UNION
SELECT CAST(hour AS DATE) FROM gpu_process_hourly WHERE getvariable('refresh_patterns_changed');
