-- Activity of the GPUs behind the resources in tui_resources (one resource, or the ones a model
-- runs on) within the date range, in buckets of tui_bin_hours hours: what the utilisation charts
-- draw. One row per GPU and bucket when tui_per_gpu, else one per host and bucket (the mean over
-- its GPUs; a model on hundreds of hosts draws one line each, not thousands of GPU lines).
-- activity_mean_pct is the idle signal (DCGM engine activity where present, else
-- utilization.gpu); idle_share is the share of the bucket's GPU-hours whose peak stayed under
-- the idle line.
WITH hosts AS (
    SELECT DISTINCT m.host, coalesce(m.resource_id, 'host:' || m.host) AS resource_id
    FROM tui_host_links AS m
    WHERE coalesce(m.resource_id, 'host:' || m.host) IN (
        SELECT unnest(getvariable('tui_resources')))
)
SELECT h.resource_id,
       g.host,
       CASE WHEN getvariable('tui_per_gpu') THEN g.gpu_uuid END            AS gpu_uuid,
       CASE WHEN getvariable('tui_per_gpu') THEN min(g.gpu_index) END       AS gpu_index,
       time_bucket(to_hours(CAST(getvariable('tui_bin_hours') AS BIGINT)), g.hour,
                   CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)) AS hour,
       avg(g.activity_mean_pct)                                            AS activity_mean_pct,
       avg(g.coverage)                                                     AS coverage,
       string_agg(DISTINCT g.activity_signal, ',')                         AS activity_signal,
       avg(CASE WHEN g.activity_max_pct < g.idle_util_pct THEN 1.0 ELSE 0.0 END) AS idle_share
FROM gpu_hourly AS g
JOIN hosts AS h USING (host)
WHERE g.hour >= CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)
  AND g.hour < CAST(CAST(getvariable('tui_end') AS DATE) + 1 AS TIMESTAMPTZ)
GROUP BY ALL
ORDER BY g.host, gpu_index, gpu_uuid, hour
