-- The processes (or Kubernetes pods) seen on one resource's GPUs within the date range: what was
-- running, on how many GPUs, for how many hours, first and last seen, peak memory.
SELECT coalesce(p.k8s_namespace || '/' || p.k8s_pod, p.process_name, 'pid ' || p.pid) AS process,
       any_value(p.command_line)             AS command_line,
       count(DISTINCT p.gpu_uuid)            AS gpus,
       count(DISTINCT p.hour)                AS hours_seen,
       min(p.first_seen_at)                  AS first_seen_at,
       max(p.last_seen_at)                   AS last_seen_at,
       max(p.used_mem_max_mib)               AS used_mem_max_mib
FROM gpu_process_hourly AS p
JOIN tui_host_links AS m USING (host)
WHERE coalesce(m.resource_id, 'host:' || m.host) = getvariable('tui_resource')
  AND p.hour >= CAST(CAST(getvariable('tui_start') AS DATE) AS TIMESTAMPTZ)
  AND p.hour < CAST(CAST(getvariable('tui_end') AS DATE) + 1 AS TIMESTAMPTZ)
GROUP BY ALL
ORDER BY hours_seen DESC, process
