-- The fast path stores every row as it comes (the summary found none unusable, and nothing for
-- these GPUs is stored in this time range yet), without a join, so insertion order is the
-- file's order and gpu_load_jumps.sql can check it afterwards.
INSERT INTO gpu_samples
SELECT ts, host, gpu_uuid, gpu_index, gpu_name, pci_bus_id,
       util_pct, mem_util_pct, mem_used_mib, mem_total_mib, power_w, power_limit_w, temp_c,
       sm_clock_mhz, gr_engine_active, sm_active,
       coalesce(getvariable('nvsmi_interval_one'),
                getvariable('nvsmi_interval')[host || '/' || gpu_uuid]),
       getvariable('gpu_source'), getvariable('gpu_load_id')
FROM nvsmi_parsed;
