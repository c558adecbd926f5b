-- The wide rows of an nvidia-smi log that gpu_samples_insert.sql stores.
CREATE OR REPLACE TEMP VIEW gpu_incoming AS
SELECT rn, ts, host, gpu_uuid, gpu_index, gpu_name, pci_bus_id,
       util_pct, mem_util_pct, mem_used_mib, mem_total_mib, power_w, power_limit_w,
       temp_c, sm_clock_mhz, gr_engine_active, sm_active,
       coalesce(getvariable('nvsmi_interval_one'),
                getvariable('nvsmi_interval')[host || '/' || gpu_uuid]) AS interval_s
FROM nvsmi_parsed;
