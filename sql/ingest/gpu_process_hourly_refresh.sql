-- Recompute gpu_process_hourly for the (host, GPU, hour)s the current load added process rows to.
CREATE OR REPLACE TEMP TABLE gpu_proc_affected AS
SELECT DISTINCT host, gpu_uuid, date_trunc('hour', ts) AS hour
FROM gpu_processes
WHERE load_id = getvariable('gpu_load_id');

DELETE FROM gpu_process_hourly h
USING gpu_proc_affected a
WHERE h.host = a.host AND h.gpu_uuid = a.gpu_uuid AND h.hour = a.hour;

INSERT INTO gpu_process_hourly
SELECT p.host, p.gpu_uuid, date_trunc('hour', p.ts) AS hour,
       p.pid, p.process_name, p.command_line, p.k8s_namespace, p.k8s_pod, p.k8s_container,
       count(*) AS samples,
       min(p.ts) AS first_seen_at,
       max(p.ts) AS last_seen_at,
       avg(p.used_mem_mib) AS used_mem_mean_mib,
       max(p.used_mem_mib) AS used_mem_max_mib,
       true AS raw_kept,
       getvariable('gpu_load_id') AS load_id
FROM gpu_processes p
SEMI JOIN gpu_proc_affected a
  ON p.host = a.host AND p.gpu_uuid = a.gpu_uuid AND date_trunc('hour', p.ts) = a.hour
GROUP BY ALL;
