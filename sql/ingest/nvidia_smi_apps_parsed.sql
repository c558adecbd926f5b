-- nvidia-smi --query-compute-apps rows, typed and cleaned (see nvidia_smi_parsed.sql).
CREATE OR REPLACE TEMP VIEW nvsmi_parsed AS
WITH v AS (
    SELECT rn, f_first, f_second, f_row, f_last, f_extra, ts,
           nvsmi_host(f_host) AS host,
           coalesce(nvsmi_text(f_gpu_uuid), 'pci:' || nvsmi_text(f_pci_bus_id)) AS gpu_uuid,
           try_cast(nvsmi_num(f_pid) AS BIGINT) AS pid,
           nvsmi_text(f_process_name) AS process_name,
           NULL::VARCHAR AS command_line,
           nvsmi_num(f_used_mem_mib) AS used_mem_mib,
           NULL::VARCHAR AS k8s_namespace,
           NULL::VARCHAR AS k8s_pod,
           NULL::VARCHAR AS k8s_container
    FROM nvsmi_fields
)
SELECT * EXCLUDE (f_first, f_second, f_last, f_extra),
       nvsmi_problem(f_first, f_second, f_row, f_last, f_extra, ts, host, gpu_uuid,
                     CASE WHEN pid IS NULL THEN 'no pid' END) AS row_problem
FROM v;
