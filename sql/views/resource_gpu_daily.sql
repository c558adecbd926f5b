-- resource_gpu_daily: what a billed resource's GPUs did each day: GPU-hours observed, busy and
-- idle (by the activity signal below the idle threshold), the mean (weighted by observed time)
-- and peak activity, and which signal was used. Reads gpu_host_daily, which refresh keeps from
-- the hourly GPU rollup for the host-days each GPU load touched.
SELECT
    r.resource_id,
    r.host,
    d.day,
    d.gpus_seen,
    d.observed_seconds / 3600.0                                     AS observed_gpu_hours,
    (d.observed_seconds - coalesce(d.idle_seconds, 0)) / 3600.0     AS busy_gpu_hours,
    d.idle_seconds / 3600.0                                         AS idle_gpu_hours,
    d.activity_weighted / nullif(d.observed_seconds, 0)             AS activity_mean_pct,
    d.activity_max_pct,
    d.mem_used_max_mib,
    d.mem_total_mib,
    d.signals
FROM gpu_host_daily AS d
JOIN gpu_host_links AS r USING (host)
WHERE r.resource_id IS NOT NULL
