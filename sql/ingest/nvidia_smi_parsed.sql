-- nvidia-smi --query-gpu rows, typed and cleaned, one per line of the file (rn = row number).
-- Reads the temp view nvsmi_fields (aifinops/ingest/nvidia_smi_reader.py), which names each
-- needed field (f_util_pct, …) after the header in force at that line and gives ts already
-- read in the log's zone; f_last / f_extra are the header's last field and the one after it,
-- to spot short (truncated) and long lines. In the fast mode the reader has dropped such lines
-- itself and those columns are constants.
CREATE OR REPLACE TEMP VIEW nvsmi_parsed AS
WITH v AS (
    SELECT rn, f_first, f_second, f_row, f_last, f_extra, ts,
           nvsmi_host(f_host) AS host,
           coalesce(nvsmi_text(f_gpu_uuid), 'pci:' || nvsmi_text(f_pci_bus_id),
                    'index:' || nvsmi_text(f_gpu_index)) AS gpu_uuid,
           try_cast(nvsmi_num(f_gpu_index) AS SMALLINT) AS gpu_index,
           nvsmi_text(f_gpu_name) AS gpu_name,
           nvsmi_text(f_pci_bus_id) AS pci_bus_id,
           nvsmi_num(f_util_pct) AS util_pct,
           nvsmi_num(f_mem_util_pct) AS mem_util_pct,
           nvsmi_num(f_mem_used_mib) AS mem_used_mib,
           nvsmi_num(f_mem_total_mib) AS mem_total_mib,
           nvsmi_num(f_power_w) AS power_w,
           nvsmi_num(f_power_limit_w) AS power_limit_w,
           nvsmi_num(f_temp_c) AS temp_c,
           nvsmi_num(f_sm_clock_mhz) AS sm_clock_mhz,
           NULL::DOUBLE AS gr_engine_active,
           NULL::DOUBLE AS sm_active
    FROM nvsmi_fields
)
SELECT * EXCLUDE (f_first, f_second, f_last, f_extra),
       nvsmi_problem(f_first, f_second, f_row, f_last, f_extra, ts, host, gpu_uuid,
                     NULL::VARCHAR) AS row_problem
FROM v;
