-- Store incoming samples (temp view gpu_incoming: the gpu_samples columns plus rn) except the
-- rows gpu_summary set aside, samples already stored (a re-ingested or overlapping log) and
-- samples of sealed hours. Explicit ANTI JOINs: the stored side is the one hashed.
INSERT INTO gpu_samples
SELECT i.ts, i.host, i.gpu_uuid, i.gpu_index, i.gpu_name, i.pci_bus_id,
       i.util_pct, i.mem_util_pct, i.mem_used_mib, i.mem_total_mib, i.power_w, i.power_limit_w,
       i.temp_c, i.sm_clock_mhz, i.gr_engine_active, i.sm_active, i.interval_s,
       getvariable('gpu_source'), getvariable('gpu_load_id')
FROM gpu_incoming i
ANTI JOIN gpu_incoming_bad b ON b.rn = i.rn
ANTI JOIN (
    SELECT host, gpu_uuid, ts FROM gpu_samples
    WHERE ts BETWEEN getvariable('gpu_min_ts') AND getvariable('gpu_max_ts')
) s ON s.host = i.host AND s.gpu_uuid = i.gpu_uuid AND s.ts = i.ts
ANTI JOIN gpu_sealed h
    ON h.host = i.host AND h.gpu_uuid = i.gpu_uuid AND h.hour = date_trunc('hour', i.ts);
