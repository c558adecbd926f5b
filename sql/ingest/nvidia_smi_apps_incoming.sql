-- The rows of a --query-compute-apps log that gpu_processes_skip.sql reads, materialised (such
-- logs are small) and without the rows gpu_summary set aside.
CREATE OR REPLACE TEMP TABLE gpu_proc_stage AS
SELECT rn, ts, host, gpu_uuid, pid, process_name, command_line, used_mem_mib,
       k8s_namespace, k8s_pod, k8s_container
FROM nvsmi_parsed
WHERE rn NOT IN (SELECT rn FROM gpu_incoming_bad);

CREATE OR REPLACE TEMP VIEW gpu_proc_incoming AS SELECT * FROM gpu_proc_stage;
