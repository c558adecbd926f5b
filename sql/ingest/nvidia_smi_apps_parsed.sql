-- nvidia-smi --query-compute-apps rows, typed and cleaned (see nvidia_smi_parsed.sql).
CREATE OR REPLACE TEMP VIEW nvsmi_parsed AS
WITH v AS (
    SELECT rn, f_row,
           nvsmi_is_header(f_first, f_second, f_row) AS is_header,
           f_last IS NULL AS short_line,
           f_extra IS NOT NULL AS long_line,
           ts,
           coalesce(getvariable('gpu_host_override'), nvsmi_text(f_host),
                    getvariable('gpu_host_default')) AS host,
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
SELECT *,
       CASE WHEN is_header THEN 'header'
            WHEN short_line THEN 'incomplete line (fewer fields than the header)'
            WHEN long_line THEN 'too many fields'
            WHEN ts IS NULL THEN 'unreadable timestamp'
            WHEN host IS NULL THEN 'no host'
            WHEN gpu_uuid IS NULL THEN 'no GPU id'
            WHEN pid IS NULL THEN 'no pid'
            WHEN ts > getvariable('gpu_future') THEN 'timestamp in the future'
            WHEN ts < TIMESTAMPTZ '2000-01-01 00:00:00+00' THEN 'timestamp before 2000 (clock not set)'
       END AS row_problem
FROM v;
