-- tui_resource_hours: per billed GPU resource and hour within the date range, its GPUs' activity
-- (from the gpu_hourly rollup, through the host → resource map) beside what the hour cost (from
-- cost_hourly_rollup). Never reads raw samples or raw bill rows. The same idea as the
-- resource_hourly view, but with the date range (and tui_resources, a list of resource ids, when
-- set) applied to both rollups before they are grouped and joined, GPUs grouped by host and hour
-- before the host is mapped to its resource, and no string aggregation per hour: a month of a
-- large fleet is one pass over each rollup.
--   idle_hour: even the busiest GPU's peak activity stayed under the idle line in force that hour
--              (resource_hourly's is_idle; DESIGN: an instance is idle only when all its GPUs are)
--   idle_gpu_hours: GPU-hours under the idle line, GPU by GPU (partial idleness)
--   signal_lo / signal_hi: the activity signals seen that hour (equal unless mixed)
-- A host that no bill row matches is keyed 'host:<name>' (so it still shows, as unbilled).
-- Lines starting `--@wanted ` restrict to tui_resources and `--@narrowed ` to the resources in
-- tui_cost (a provider, account or team filter): the app enables them when they apply, so the
-- planner never evaluates a restriction that is not there (as-is, the file is unrestricted).
CREATE OR REPLACE TEMP VIEW tui_resource_hours AS
WITH span AS (
    SELECT CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)     AS start_at,
           CAST(CAST(getvariable('tui_end') AS DATE) + 1 AS TIMESTAMPTZ)   AS end_at
), wanted AS (  -- tui_resources as a relation: a hash join, not a list scan per row
    SELECT unnest(getvariable('tui_resources')) AS resource_id
), links AS (
    SELECT host, coalesce(resource_id, 'host:' || host) AS resource_id
    FROM tui_host_links
    WHERE true
--@wanted AND coalesce(resource_id, 'host:' || host) IN (SELECT resource_id FROM wanted)
), host_hours AS (
    SELECT g.host,
           g.hour,
           count(*)                                                  AS gpus,
           sum(g.observed_seconds) / 3600.0                          AS observed_gpu_hours,
           sum(g.idle_seconds) / 3600.0                              AS idle_gpu_hours,
           sum(g.activity_mean_pct * g.observed_seconds)
               / nullif(sum(g.observed_seconds), 0)                  AS util_mean_pct,
           max(g.activity_max_pct)                                   AS util_max_pct,
           max(g.activity_max_pct) < max(g.idle_util_pct)            AS idle_hour,
           min(g.activity_signal)                                    AS signal_lo,
           max(g.activity_signal)                                    AS signal_hi
    FROM gpu_hourly AS g, span AS s
    WHERE g.hour >= s.start_at AND g.hour < s.end_at
--@wanted AND g.host IN (SELECT host FROM links)
    GROUP BY g.host, g.hour
), gpu AS (
    SELECT l.resource_id, h.*
    FROM host_hours AS h
    JOIN links AS l USING (host)
), cost AS (
    SELECT r.ResourceId AS resource_id, r.hour, sum(r.effective_cost) AS cost_usd,
           max(r.x_gpu_count) AS gpu_count
    FROM cost_hourly_rollup AS r, span AS s
    WHERE r.hour >= s.start_at AND r.hour < s.end_at
--@wanted AND r.ResourceId IN (SELECT resource_id FROM wanted)
    GROUP BY ALL
), joined AS (
    SELECT coalesce(c.resource_id, g.resource_id) AS resource_id,
           coalesce(c.hour, g.hour)               AS hour,
           g.host, g.gpus, c.gpu_count, g.observed_gpu_hours, g.idle_gpu_hours,
           g.util_mean_pct, g.util_max_pct, g.idle_hour, g.signal_lo, g.signal_hi,
           coalesce(c.cost_usd, 0)                AS cost_usd
    FROM cost AS c
    FULL JOIN gpu AS g ON g.resource_id = c.resource_id AND g.hour = c.hour
)
SELECT *
FROM joined
WHERE true
--@narrowed AND resource_id IN (SELECT DISTINCT resource_id FROM tui_cost)
