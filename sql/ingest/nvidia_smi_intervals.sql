-- The logging interval of each GPU in the file (what one sample stands for), from gpu_summary
-- without sorting: the median over hours of span / gaps ignores hours broken by restarts. Sparse
-- logs fall back to the whole span; an explicit --interval wins. Kept as a MAP variable keyed
-- 'host/gpu_uuid' so the wide pass needs no join, and as one number when every GPU agrees (the
-- usual case), which spares the wide pass a lookup per row.
SET VARIABLE nvsmi_interval = (
    WITH per_gpu AS (
        SELECT host, gpu_uuid,
               coalesce(getvariable('gpu_interval_s'),
                        median(epoch(last_ts - first_ts) / (rows - 1))
                            FILTER (WHERE rows > 1 AND last_ts > first_ts),
                        (epoch(max(hour)) - epoch(min(hour)) + 3600) / nullif(sum(rows) - 1, 0)
               )::DOUBLE AS interval_s
        FROM gpu_summary
        WHERE problem IS NULL
        GROUP BY host, gpu_uuid
    )
    SELECT map(list(host || '/' || gpu_uuid), list(interval_s)) FROM per_gpu
);

SET VARIABLE nvsmi_interval_one = (
    SELECT CASE WHEN count(DISTINCT v) = 1 AND count(v) = count(*) THEN any_value(v) END
    FROM (SELECT unnest(map_values(getvariable('nvsmi_interval'))) AS v)
);
