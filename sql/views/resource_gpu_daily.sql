-- resource_gpu_daily: what a billed resource's GPUs did each day, from the hourly GPU rollup:
-- GPU-hours observed, busy and idle (by the activity signal below the idle threshold), the mean
-- and peak activity, and which signal was used.
SELECT
    r.resource_id,
    r.host,
    CAST(g.hour AS DATE)                               AS day,
    count(DISTINCT g.gpu_uuid)                         AS gpus_seen,
    sum(g.observed_seconds) / 3600.0                   AS observed_gpu_hours,
    sum(g.observed_seconds - coalesce(g.idle_seconds, 0)) / 3600.0 AS busy_gpu_hours,
    sum(g.idle_seconds) / 3600.0                       AS idle_gpu_hours,
    sum(g.activity_mean_pct * g.observed_seconds) / nullif(sum(g.observed_seconds), 0) AS activity_mean_pct,
    max(g.activity_max_pct)                            AS activity_max_pct,
    max(g.mem_used_max_mib)                            AS mem_used_max_mib,
    max(g.mem_total_mib)                               AS mem_total_mib,
    string_agg(DISTINCT g.activity_signal, ',')        AS signals
FROM gpu_hourly AS g
JOIN gpu_host_links AS r USING (host)
WHERE r.resource_id IS NOT NULL
GROUP BY ALL
