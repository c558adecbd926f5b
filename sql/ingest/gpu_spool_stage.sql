-- Spool records into the shared staging tables (gpu_stage.sql must have run), plus the host
-- identities, events and sampler statistics they carry.
INSERT INTO gpu_stage
SELECT rn, try_cast(ts AS TIMESTAMPTZ), host, gpu_uuid, gpu_index, gpu_name, pci_bus_id,
       util_pct, mem_util_pct, mem_used_mib, mem_total_mib, power_w, power_limit_w, temp_c,
       sm_clock_mhz, NULL, NULL, interval_s
FROM spool_records WHERE kind = 'gpu';

INSERT INTO gpu_proc_stage
SELECT rn, try_cast(ts AS TIMESTAMPTZ), host, gpu_uuid, pid, process_name, command_line,
       used_mem_mib, k8s_namespace, k8s_pod, k8s_container
FROM spool_records WHERE kind = 'proc';

-- The latest identity each host reported (an instance id from config or instance metadata).
CREATE OR REPLACE TEMP TABLE spool_hosts AS
SELECT host, arg_max(instance_id, rn) AS instance_id, arg_max(provider, rn) AS provider
FROM spool_records
WHERE kind = 'host' AND instance_id IS NOT NULL
GROUP BY host;

INSERT INTO gpu_events
SELECT e.ts, e.host, e.gpu_uuid, e.gpu_index, e.event, e.detail, getvariable('gpu_load_id')
FROM (SELECT DISTINCT try_cast(ts AS TIMESTAMPTZ) AS ts, host, gpu_uuid, gpu_index, event, detail
      FROM spool_records WHERE kind = 'event') e
ANTI JOIN gpu_events g
    ON g.ts = e.ts AND g.host = e.host AND g.event = e.event
   AND g.gpu_uuid IS NOT DISTINCT FROM e.gpu_uuid
WHERE e.ts IS NOT NULL AND e.host IS NOT NULL AND e.event IS NOT NULL;

CREATE OR REPLACE TEMP TABLE spool_stats AS
SELECT host, sum(wall_s) AS wall_s, sum(cpu_s) AS cpu_s, sum(ticks) AS ticks, max(gpus) AS gpus
FROM spool_records WHERE kind = 'stats'
GROUP BY host;
