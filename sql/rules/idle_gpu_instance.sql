-- idle_gpu_instance: a GPU instance whose busiest GPU stayed idle for most hours of the window
-- while its bill kept running → stop it (terminate it, after a snapshot, once idle for a month).
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   idle_gpu_window_days = 7          issue 5's window (Trusted Advisor and GCP look at 14 days
--                                     of CPU; GPU telemetry is a sharper signal)
--   idle_gpu_util_pct = 5             an hour is idle when the instance's busiest GPU averaged
--                                     under this ([gpu] idle_util_pct when set, the telemetry's
--                                     own idle line)
--   idle_gpu_hours_share = 0.95       share of observed hours that must be idle (GCP's idle-VM
--                                     recommender wants 97% of its window; a little looser here
--                                     so a few hours of health checks do not hide an idle week)
--   idle_gpu_min_coverage = 0.75      judge only hosts with telemetry for 75% of window hours
--   idle_gpu_terminate_after_days = 30    idle by the same test over 30 days: suggest terminating
--   hours_per_month = 730
-- The idle signal is the maximum across the instance's GPUs in every hour (DESIGN: never one
-- sample, never one GPU), from gpu_hourly.activity_mean_pct: DCGM GR_ENGINE_ACTIVE or SM_ACTIVE
-- when present, else utilization.gpu. Hosts map to billed instances through gpu_host_resources;
-- "billing continues" means the instance was billed in the window's last day.
-- Saving = the instance's effective cost in the window (cost_hourly_rollup) ÷ (window days × 24)
-- × 730: what stopping it stops. Confidence = 0.5 + 0.4 × telemetry coverage of the window
-- (CPU, network and disk are not collected, so an idle GPU on a CPU job cannot be ruled out).
WITH p AS (
    SELECT getvariable('rec_as_of') AS as_of,
           getvariable('rec_as_of')
               - to_days(CAST(getvariable('rec_idle_gpu_window_days') AS INTEGER)) AS start_at,
           getvariable('rec_as_of')
               - to_days(CAST(getvariable('rec_idle_gpu_terminate_after_days') AS INTEGER)) AS long_start_at,
           getvariable('rec_idle_gpu_window_days') * 24.0 AS window_hours,
           getvariable('rec_idle_gpu_terminate_after_days') * 24.0 AS long_hours,
           getvariable('rec_idle_gpu_util_pct') AS idle_pct,
           getvariable('rec_hours_per_month') AS hours_per_month
), host_hours AS (
    -- one row per host and hour: the busiest GPU decides
    SELECT g.host, g.hour,
           max(g.activity_mean_pct) AS busiest_pct,
           count(*) AS gpus,
           string_agg(DISTINCT g.activity_signal, ',' ORDER BY g.activity_signal) AS signals
    FROM gpu_hourly AS g, p
    WHERE g.hour >= least(p.start_at, p.long_start_at) AND g.hour < p.as_of
      AND g.activity_mean_pct IS NOT NULL
    GROUP BY g.host, g.hour
), per_host AS (
    SELECT h.host,
           count(*) FILTER (WHERE h.hour >= p.start_at) AS observed_hours,
           count(*) FILTER (WHERE h.hour >= p.start_at AND h.busiest_pct < p.idle_pct) AS idle_hours,
           max(h.busiest_pct) FILTER (WHERE h.hour >= p.start_at) AS busiest_max_pct,
           count(*) FILTER (WHERE h.hour >= p.long_start_at) AS long_observed_hours,
           count(*) FILTER (WHERE h.hour >= p.long_start_at AND h.busiest_pct < p.idle_pct) AS long_idle_hours,
           max(h.gpus) AS gpus,
           string_agg(DISTINCT h.signals, ',') FILTER (WHERE h.hour >= p.start_at) AS signals
    FROM host_hours AS h, p
    GROUP BY h.host
), billed AS (
    SELECT c.ResourceId AS resource_id,
           sum(c.effective_cost) AS cost,
           count(DISTINCT c.hour) AS billed_hours,
           max(c.hour) AS last_billed_hour,
           max(c.x_instance_type) AS instance_type
    FROM cost_hourly_rollup AS c, p
    WHERE c.hour >= p.start_at AND c.hour < p.as_of
    GROUP BY c.ResourceId
), judged AS (
    SELECT ph.*, m.resource_id, coalesce(m.instance_id, m.resource_id) AS instance_id,
           b.cost, b.billed_hours, b.last_billed_hour,
           coalesce(b.instance_type, m.instance_type) AS instance_type,
           r.provider, r.region, r.model, r.team, r.resource_name,
           ph.observed_hours / p.window_hours AS coverage,
           ph.long_observed_hours >= getvariable('rec_idle_gpu_min_coverage') * p.long_hours
             AND ph.long_idle_hours >= getvariable('rec_idle_gpu_hours_share') * ph.long_observed_hours
             AS idle_long
    FROM per_host AS ph
    JOIN gpu_host_resources AS m USING (host)
    JOIN billed AS b ON b.resource_id = m.resource_id
    LEFT JOIN recommendation_resources AS r ON r.resource_id = m.resource_id, p
    WHERE ph.observed_hours >= getvariable('rec_idle_gpu_min_coverage') * p.window_hours
      AND ph.idle_hours >= getvariable('rec_idle_gpu_hours_share') * ph.observed_hours
      AND b.last_billed_hour >= p.as_of - INTERVAL 1 DAY
)
SELECT
    'idle_gpu_instance' AS rule,
    j.resource_id,
    coalesce(j.provider, 'aws') AS provider,
    j.model,
    j.team,
    printf('Stop %s (%s, %s): its GPUs were idle %d of %d hours in the last %d days while billed%s',
           j.host, j.instance_id, j.instance_type, j.idle_hours, j.observed_hours,
           getvariable('rec_idle_gpu_window_days'),
           CASE WHEN j.idle_long THEN printf('; idle %d days: consider terminating it',
                                             getvariable('rec_idle_gpu_terminate_after_days'))
                ELSE '' END) AS title,
    json_object(
        'host', j.host,
        'instance_id', j.instance_id,
        'instance_type', j.instance_type,
        'gpus', j.gpus,
        'window_days', getvariable('rec_idle_gpu_window_days'),
        'window_hours', p.window_hours,
        'observed_hours', j.observed_hours,
        'idle_hours', j.idle_hours,
        'idle_share', round(j.idle_hours / j.observed_hours, 4),
        'idle_util_pct', p.idle_pct,
        'busiest_gpu_max_hourly_pct', round(j.busiest_max_pct, 2),
        'activity_signal', j.signals,
        'billed_hours', j.billed_hours,
        'window_cost_usd', round(j.cost, 2),
        'hourly_cost_usd', round(j.cost / p.window_hours, 4),
        'suggest_terminate', j.idle_long,
        'note', 'Stopping keeps EBS volumes (and their cost); instance-store data is lost'
    ) AS evidence,
    j.cost / p.window_hours * p.hours_per_month AS monthly_saving_usd,
    round(0.5 + 0.4 * least(j.coverage, 1.0), 3) AS confidence,
    'stop_instance' AS action_kind,
    json_object('instance_ids', [j.instance_id], 'region', j.region,
                'suggest_terminate', j.idle_long) AS action_params,
    ['gpu_activity:' || coalesce(j.signals, 'none'), 'billed_hours'] AS signals_used,
    ['cpu_utilisation', 'network_io'] AS signals_missing
FROM judged AS j, p
