-- Hour by hour activity of every GPU behind one resource (tui_resource) or behind every resource
-- one model owns (tui_model), within the date range: what the utilisation charts draw.
-- activity_mean_pct is the idle signal (DCGM engine activity where present, else utilization.gpu).
WITH hosts AS (
    SELECT DISTINCT m.host, coalesce(m.resource_id, 'host:' || m.host) AS resource_id
    FROM gpu_host_resources AS m
    WHERE coalesce(m.resource_id, 'host:' || m.host) = getvariable('tui_resource')
       OR m.resource_id IN (SELECT resource_id FROM tui_resource_owner
                            WHERE model = getvariable('tui_model'))
)
SELECT h.resource_id,
       g.host,
       g.gpu_uuid,
       arg_max(g.gpu_index, g.hour) OVER (PARTITION BY g.host, g.gpu_uuid) AS gpu_index,
       g.hour,
       g.activity_mean_pct,
       g.coverage,
       g.activity_signal,
       g.activity_mean_pct < g.idle_util_pct AS idle
FROM gpu_hourly AS g
JOIN hosts AS h USING (host)
WHERE g.hour >= CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)
  AND g.hour < CAST(CAST(getvariable('tui_end') AS DATE) + 1 AS TIMESTAMPTZ)
ORDER BY g.host, gpu_index, g.gpu_uuid, g.hour
