-- Hour by hour activity of every GPU behind the resources in tui_resources (one resource, or the
-- ones a model runs on), within the date range: what the utilisation charts draw.
-- activity_mean_pct is the idle signal (DCGM engine activity where present, else utilization.gpu);
-- idle marks an hour whose peak stayed under the idle line.
WITH hosts AS (
    SELECT DISTINCT m.host, coalesce(m.resource_id, 'host:' || m.host) AS resource_id
    FROM gpu_host_resources AS m
    WHERE list_contains(getvariable('tui_resources'), coalesce(m.resource_id, 'host:' || m.host))
)
SELECT h.resource_id,
       g.host,
       g.gpu_uuid,
       arg_max(g.gpu_index, g.hour) OVER (PARTITION BY g.host, g.gpu_uuid) AS gpu_index,
       g.hour,
       g.activity_mean_pct,
       g.coverage,
       g.activity_signal,
       g.activity_max_pct < g.idle_util_pct AS idle
FROM gpu_hourly AS g
JOIN hosts AS h USING (host)
WHERE g.hour >= CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)
  AND g.hour < CAST(CAST(getvariable('tui_end') AS DATE) + 1 AS TIMESTAMPTZ)
ORDER BY g.host, gpu_index, g.gpu_uuid, g.hour
