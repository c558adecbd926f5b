-- autoscaling_floor: an inference fleet whose minimum size keeps its GPUs mostly idle → lower
-- the Auto Scaling group's (or managed instance group's) min size.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   asg_window_days = 14        AWS Compute Optimizer's lookback
--   asg_target_util_pct = 60    GPU activity a serving instance should run at (a common target
--                               for target-tracking policies on GPU inference)
--   asg_headroom = 0.20         AWS Compute Optimizer's 20% headroom
--   asg_percentile = 0.95       the new floor must carry 95% of the hours spent at the floor
--   asg_min_fleet = 2           a fleet is two or more instances
--   asg_min_size_floor = 1      never recommend fewer than this
--   idle_gpu_min_coverage = 0.75    judge only fleets with telemetry for 75% of billed
--                               instance-hours
--   hours_per_month = 730
-- A fleet is the GPU instances with telemetry that serve one model in one env, provider and
-- region (attribution, not the ASG itself: the bill does not name it; apply finds the group from
-- the instance ids). Per hour: running = instances billed; demand = Σ over them of their mean
-- GPU activity ÷ 100 (instance-equivalents); needed = ceil(demand × 1.2 ÷ 0.60), at least 1.
-- Floor = fewest instances running in any hour. New min = the 95th percentile of `needed` over
-- the hours at the floor (at least asg_min_size_floor). Fires when new min < floor.
-- Saving = (floor − new min) × fleet cost per instance-hour × 730.
-- Confidence = 0.6 × (0.5 + 0.5 × telemetry coverage); latency targets are not checked.
WITH p AS (
    SELECT getvariable('rec_as_of') AS as_of,
           getvariable('rec_as_of')
               - to_days(CAST(getvariable('rec_asg_window_days') AS INTEGER)) AS start_at,
           getvariable('rec_asg_window_days') * 24.0 AS window_hours,
           getvariable('rec_hours_per_month') AS hours_per_month
), members AS (
    SELECT m.host, m.resource_id, coalesce(m.instance_id, m.resource_id) AS instance_id,
           r.provider, r.region, r.model, coalesce(r.env, '-') AS env, r.team,
           r.provider || ':' || coalesce(r.region, '-') || ':' || r.model || '/' || coalesce(r.env, '-')
               AS fleet
    FROM gpu_host_resources AS m
    JOIN recommendation_resources AS r ON r.resource_id = m.resource_id
    WHERE r.model IS NOT NULL AND r.model <> 'unattributed'
), fleets AS (
    SELECT fleet FROM members GROUP BY fleet
    HAVING count(DISTINCT resource_id) >= getvariable('rec_asg_min_fleet')
), billed AS (
    SELECT m.fleet, m.resource_id, c.hour, sum(c.effective_cost) AS cost
    FROM cost_hourly_rollup AS c
    JOIN members AS m ON m.resource_id = c.ResourceId
    JOIN fleets USING (fleet), p
    WHERE c.hour >= p.start_at AND c.hour < p.as_of
    GROUP BY m.fleet, m.resource_id, c.hour
), activity AS (
    SELECT m.resource_id, g.hour, avg(g.activity_mean_pct) AS host_mean_pct
    FROM gpu_hourly AS g
    JOIN members AS m USING (host), p
    WHERE g.hour >= p.start_at AND g.hour < p.as_of AND g.activity_mean_pct IS NOT NULL
    GROUP BY m.resource_id, g.hour
), hours AS (
    SELECT b.fleet, b.hour,
           count(*) AS running,
           count(a.host_mean_pct) AS observed,
           coalesce(sum(a.host_mean_pct), 0) / 100.0 AS demand
    FROM billed AS b
    LEFT JOIN activity AS a USING (resource_id, hour)
    GROUP BY b.fleet, b.hour
), needed AS (
    SELECT h.*,
           greatest(CAST(getvariable('rec_asg_min_size_floor') AS INTEGER),
                    CAST(ceil(h.demand * (1 + getvariable('rec_asg_headroom'))
                              / (getvariable('rec_asg_target_util_pct') / 100.0)) AS INTEGER)) AS needed,
           min(h.running) OVER (PARTITION BY h.fleet) AS floor_size
    FROM hours AS h
), per_fleet AS (
    SELECT n.fleet,
           any_value(n.floor_size) AS floor_size,
           max(n.running) AS max_running,
           quantile_disc(n.needed, getvariable('rec_asg_percentile'))
               FILTER (WHERE n.running = n.floor_size) AS new_min,
           max(n.needed) AS max_needed,
           avg(n.demand / n.running) AS mean_util,
           sum(n.observed) / sum(n.running) AS coverage,
           count(*) AS hours
    FROM needed AS n
    GROUP BY n.fleet
), costs AS (
    SELECT fleet, sum(cost) AS cost, count(*) AS instance_hours FROM billed GROUP BY fleet
), described AS (
    SELECT f.*, c.cost, c.instance_hours,
           any_value(m.provider) AS provider, any_value(m.region) AS region,
           any_value(m.model) AS model, any_value(m.env) AS env, any_value(m.team) AS team,
           list(DISTINCT m.instance_id ORDER BY m.instance_id) AS instance_ids,
           list(DISTINCT m.host ORDER BY m.host) AS hosts
    FROM per_fleet AS f
    JOIN costs AS c USING (fleet)
    JOIN members AS m USING (fleet)
    WHERE f.coverage >= getvariable('rec_idle_gpu_min_coverage')
    GROUP BY ALL
)
SELECT
    'autoscaling_floor' AS rule,
    'fleet:' || d.fleet AS resource_id,
    d.provider,
    d.model,
    d.team,
    printf('Lower the min size of the %s/%s fleet from %d to %d: GPUs average %.0f%% busy; %d instance(s) at %.0f%% would carry 95%% of its quietest hours',
           d.model, d.env, d.floor_size, d.new_min, 100 * d.mean_util, d.new_min,
           getvariable('rec_asg_target_util_pct')) AS title,
    json_object(
        'fleet', d.fleet,
        'hosts', d.hosts,
        'instance_ids', d.instance_ids,
        'window_days', getvariable('rec_asg_window_days'),
        'hours', d.hours,
        'floor_instances', d.floor_size,
        'max_instances', d.max_running,
        'recommended_min', d.new_min,
        'max_needed', d.max_needed,
        'mean_gpu_util', round(d.mean_util, 4),
        'target_util_pct', getvariable('rec_asg_target_util_pct'),
        'headroom', getvariable('rec_asg_headroom'),
        'telemetry_coverage', round(d.coverage, 4),
        'fleet_cost_usd', round(d.cost, 2),
        'instance_hours', d.instance_hours,
        'cost_per_instance_hour_usd', round(d.cost / d.instance_hours, 4)
    ) AS evidence,
    (d.floor_size - d.new_min) * d.cost / d.instance_hours * p.hours_per_month AS monthly_saving_usd,
    round(0.6 * (0.5 + 0.5 * least(d.coverage, 1.0)), 3) AS confidence,
    'autoscaling_min_size' AS action_kind,
    json_object('instance_ids', d.instance_ids, 'asg_name', NULL, 'region', d.region,
                'min_size', d.new_min, 'observed_floor', d.floor_size) AS action_params,
    ['gpu_activity', 'billed_instance_hours'] AS signals_used,
    ['autoscaling_group_settings', 'request_latency'] AS signals_missing
FROM described AS d, p
WHERE d.new_min < d.floor_size
