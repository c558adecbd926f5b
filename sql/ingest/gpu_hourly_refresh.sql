-- Recompute gpu_hourly for every (host, GPU, hour) that the current load added samples to, from
-- all raw samples of those hours: a re-ingest or a late sample replaces an hour, never adds to it.
-- Activity, the idle signal, prefers DCGM's profiling ratios (busy fraction of the engine) over
-- utilization.gpu (which only says some kernel ran during the sample period).
CREATE OR REPLACE TEMP TABLE gpu_affected AS
SELECT DISTINCT host, gpu_uuid, date_trunc('hour', ts) AS hour
FROM gpu_samples
WHERE load_id = getvariable('gpu_load_id');

DELETE FROM gpu_hourly h
USING gpu_affected a
WHERE h.host = a.host AND h.gpu_uuid = a.gpu_uuid AND h.hour = a.hour;

INSERT INTO gpu_hourly
WITH s AS (
    SELECT s.*, date_trunc('hour', s.ts) AS hour,
           CASE WHEN s.gr_engine_active IS NOT NULL THEN 100 * s.gr_engine_active
                WHEN s.sm_active IS NOT NULL THEN 100 * s.sm_active
                ELSE s.util_pct END AS activity,
           CASE WHEN s.gr_engine_active IS NOT NULL THEN 'dcgm_gr_engine_active'
                WHEN s.sm_active IS NOT NULL THEN 'dcgm_sm_active'
                WHEN s.util_pct IS NOT NULL THEN 'utilization_gpu' END AS signal,
           coalesce(s.interval_s, 0) AS weight
    FROM gpu_samples s
    SEMI JOIN gpu_affected a
      ON s.host = a.host AND s.gpu_uuid = a.gpu_uuid AND date_trunc('hour', s.ts) = a.hour
    WHERE s.ts >= (SELECT min(hour) FROM gpu_affected)
      AND s.ts < (SELECT max(hour) FROM gpu_affected) + INTERVAL 1 HOUR
),
g AS (
    SELECT host, gpu_uuid, hour,
           arg_max(gpu_name, ts) AS gpu_name,
           arg_max(gpu_index, ts) AS gpu_index,
           count(*) AS samples,
           sum(weight) AS weight_sum,
           sum(weight) FILTER (WHERE activity < getvariable('gpu_idle_util_pct')) AS idle_weight,
           count(activity) AS activity_samples,
           avg(util_pct) AS util_mean_pct,
           max(util_pct) AS util_max_pct,
           avg(activity) AS activity_mean_pct,
           max(activity) AS activity_max_pct,
           count(DISTINCT signal) AS signals,
           any_value(signal) AS signal,
           avg(mem_used_mib) AS mem_used_mean_mib,
           max(mem_used_mib) AS mem_used_max_mib,
           max(mem_total_mib) AS mem_total_mib,
           avg(power_w) AS power_mean_w,
           max(power_w) AS power_max_w
    FROM s
    GROUP BY host, gpu_uuid, hour
)
SELECT host, gpu_uuid, hour, gpu_name, gpu_index, samples,
       least(weight_sum, 3600.0) AS observed_seconds,
       least(weight_sum, 3600.0) / 3600.0 AS coverage,
       util_mean_pct, util_max_pct, activity_mean_pct, activity_max_pct,
       CASE WHEN signals > 1 THEN 'mixed' ELSE signal END AS activity_signal,
       -- samples can overlap (two loggers): scale idle time with the capped observed time
       CASE WHEN activity_samples = 0 THEN NULL
            WHEN weight_sum = 0 THEN 0.0
            ELSE coalesce(idle_weight, 0) * least(weight_sum, 3600.0) / weight_sum END AS idle_seconds,
       getvariable('gpu_idle_util_pct') AS idle_util_pct,
       mem_used_mean_mib, mem_used_max_mib, mem_total_mib, power_mean_w, power_max_w,
       true AS raw_kept,
       getvariable('gpu_load_id') AS load_id,
       getvariable('gpu_now') AS updated_at
FROM g;
