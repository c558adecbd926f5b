-- tui_resource_hours: per billed GPU resource and hour within the date range, its GPUs' activity
-- beside what the hour cost — resource_hourly_rollup, which refresh joins once for the
-- resource-days that changed, so a screen only filters it. Never reads raw samples or bill rows.
--   idle_hour: even the busiest GPU's peak activity stayed under the idle line in force that hour
--              (resource_hourly's is_idle; DESIGN: an instance is idle only when all its GPUs are)
--   idle_gpu_hours: GPU-hours under the idle line, GPU by GPU (partial idleness)
--   util_mean_pct: activity weighted by observed GPU time
--   signal_lo / signal_hi: the activity signals seen that hour (equal unless mixed)
-- A host that no bill row matches is keyed 'host:<name>' (so it still shows, as unbilled).
-- Lines starting `--@wanted ` restrict to tui_resources and `--@narrowed ` to the resources in
-- tui_cost (a provider, account or team filter): the app enables them when they apply, so the
-- planner never evaluates a restriction that is not there (as-is, the file is unrestricted).
CREATE OR REPLACE TEMP VIEW tui_resource_hours AS
WITH wanted AS (  -- tui_resources as a relation: a hash join, not a list scan per row
    SELECT unnest(getvariable('tui_resources')) AS resource_id
)
SELECT coalesce(r.resource_id, 'host:' || r.host)  AS resource_id,
       r.hour,
       r.host,
       r.gpus,
       r.gpu_count,
       r.observed_gpu_hours,
       r.idle_gpu_hours,
       r.activity_weighted_pct                     AS util_mean_pct,
       r.activity_max_pct                          AS util_max_pct,
       r.is_idle                                   AS idle_hour,
       r.signal_lo,
       r.signal_hi,
       coalesce(r.cost, 0)                         AS cost_usd
FROM resource_hourly_rollup AS r
WHERE r.day BETWEEN getvariable('tui_start') AND getvariable('tui_end')
--@wanted AND coalesce(r.resource_id, 'host:' || r.host) IN (SELECT resource_id FROM wanted)
--@narrowed AND coalesce(r.resource_id, 'host:' || r.host) IN (SELECT DISTINCT resource_id FROM tui_cost)
