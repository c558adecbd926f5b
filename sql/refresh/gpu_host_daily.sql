-- Rebuild gpu_host_daily for the host-days with new GPU rows (refresh_host_days), from
-- gpu_hourly: sums and maxima that resource_gpu_daily and model_cost turn into GPU-hours and
-- observed-time-weighted activity.
DELETE FROM gpu_host_daily AS d
USING refresh_host_days AS t
WHERE d.host = t.host AND d.day = t.day;

INSERT INTO gpu_host_daily BY NAME
SELECT g.host,
       CAST(g.hour AS DATE)                                AS day,
       count(DISTINCT g.gpu_uuid)                          AS gpus_seen,
       sum(g.observed_seconds)                             AS observed_seconds,
       sum(g.idle_seconds)                                 AS idle_seconds,
       sum(g.activity_mean_pct * g.observed_seconds)       AS activity_weighted,
       max(g.activity_max_pct)                             AS activity_max_pct,
       max(g.mem_used_max_mib)                             AS mem_used_max_mib,
       max(g.mem_total_mib)                                AS mem_total_mib,
       string_agg(DISTINCT g.activity_signal, ',')         AS signals
FROM gpu_hourly AS g
SEMI JOIN refresh_host_days AS t ON t.host = g.host AND t.day = CAST(g.hour AS DATE)
WHERE g.hour >= (SELECT min(day) FROM refresh_host_days)
  AND g.hour < (SELECT max(day) + 1 FROM refresh_host_days)
GROUP BY ALL;
