-- Incoming process rows that must not be stored. Reads the temp view gpu_proc_incoming (the
-- gpu_processes columns plus rn). A process row is identified by (host, gpu_uuid, ts, pid, pod,
-- container): DCGM pod rows have no pid, nvidia-smi rows have no pod.
CREATE OR REPLACE TEMP TABLE gpu_proc_skip AS
WITH numbered AS (
    SELECT rn, row_number() OVER (
               PARTITION BY host, gpu_uuid, ts, pid, k8s_pod, k8s_container ORDER BY rn) AS copy
    FROM gpu_proc_incoming
),
candidates AS (
    SELECT rn, 1 AS priority, 'repeated line' AS reason FROM numbered WHERE copy > 1
    UNION ALL
    SELECT i.rn, 2, 'already loaded'
    FROM gpu_proc_incoming i
    JOIN gpu_processes p
      ON p.host = i.host AND p.gpu_uuid = i.gpu_uuid AND p.ts = i.ts
     AND p.pid IS NOT DISTINCT FROM i.pid
     AND p.k8s_pod IS NOT DISTINCT FROM i.k8s_pod
     AND p.k8s_container IS NOT DISTINCT FROM i.k8s_container
    WHERE p.ts BETWEEN getvariable('gpu_min_ts') AND getvariable('gpu_max_ts')
    UNION ALL
    SELECT i.rn, 3, 'hour already rolled up and past raw retention'
    FROM gpu_proc_incoming i
    JOIN (SELECT DISTINCT host, gpu_uuid, hour FROM gpu_process_hourly WHERE NOT raw_kept) h
      ON h.host = i.host AND h.gpu_uuid = i.gpu_uuid AND h.hour = date_trunc('hour', i.ts)
)
SELECT rn, arg_min(reason, priority) AS reason
FROM candidates
GROUP BY rn;

INSERT INTO gpu_processes
SELECT ts, host, gpu_uuid, pid, process_name, command_line, used_mem_mib,
       k8s_namespace, k8s_pod, k8s_container,
       getvariable('gpu_source'), getvariable('gpu_load_id')
FROM gpu_proc_incoming
WHERE rn NOT IN (SELECT rn FROM gpu_proc_skip);
