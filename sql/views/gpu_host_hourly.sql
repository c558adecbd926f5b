-- Per host and hour: how many GPUs reported, how busy the busiest and the average GPU was, and
-- idle GPU-hours. The busiest GPU decides whether an instance was idle (DESIGN: max across GPUs).
SELECT host, hour,
       count(*) AS gpus,
       avg(coverage) AS coverage,
       avg(activity_mean_pct) AS activity_mean_pct,
       max(activity_max_pct) AS activity_max_pct,
       max(activity_mean_pct) AS busiest_gpu_mean_pct,
       sum(idle_seconds) / 3600.0 AS idle_gpu_hours,
       sum(observed_seconds) / 3600.0 AS observed_gpu_hours,
       CASE WHEN count(DISTINCT activity_signal) > 1 THEN 'mixed'
            ELSE any_value(activity_signal) END AS activity_signal,
       sum(power_mean_w * observed_seconds) / 3.6e6 AS energy_kwh
FROM gpu_hourly
GROUP BY host, hour
