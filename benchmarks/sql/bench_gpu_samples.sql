-- One synthetic telemetry load: a sample per GPU every `bench_interval_s` seconds within
-- [bench_from, bench_to) and the host's billed hours, written to gpu_samples under the current
-- load id (gpu_load_id, set by GpuLoad) — then GpuLoad.finish() rolls the touched hours up and
-- prunes past retention, as every ingest does. Busy hosts are diurnal (70–95 % by day, 20–35 %
-- by night); idle hosts stay under 1 %.
INSERT INTO gpu_samples BY NAME
WITH ticks AS (
    SELECT f.host, g.i AS gpu_index, f.idle_host,
           f.first_hour, f.end_hour,
           to_timestamp(unnest(range(
               CAST(epoch(getvariable('bench_from')) AS BIGINT)
                   + f.offset_s % getvariable('bench_interval_s'),
               CAST(epoch(getvariable('bench_to')) AS BIGINT),
               getvariable('bench_interval_s')))) AS ts
    FROM bench_gpu_fleet AS f, range(8) AS g(i)
    WHERE g.i < f.gpus AND f.first_hour < getvariable('bench_to')
      AND f.end_hour > getvariable('bench_from')
)
SELECT ts, host,
       'GPU-' || md5(host || '/' || gpu_index)                          AS gpu_uuid,
       CAST(gpu_index AS SMALLINT)                                      AS gpu_index,
       'NVIDIA H100 80GB HBM3'                                          AS gpu_name,
       CASE WHEN idle_host THEN 0.5
            WHEN hour(ts) BETWEEN 9 AND 21 THEN 70 + hash(ts, gpu_index) % 25
            ELSE 20 + hash(ts, gpu_index) % 15 END                      AS util_pct,
       20000.0                                                          AS mem_used_mib,
       81559.0                                                          AS mem_total_mib,
       300.0                                                            AS power_w,
       CAST(getvariable('bench_interval_s') AS DOUBLE)                  AS interval_s,
       'bench'                                                          AS source,
       getvariable('gpu_load_id')                                       AS load_id
FROM ticks
WHERE ts >= first_hour AND ts < end_hour;
