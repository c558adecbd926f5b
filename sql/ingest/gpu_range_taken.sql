-- Whether anything is already stored, or sealed, for the incoming GPUs within the incoming time
-- range (from gpu_summary): if so the fast path hands over to the exact, row-numbered one.
SELECT (SELECT count(*) FROM gpu_samples s
        SEMI JOIN (SELECT DISTINCT host, gpu_uuid FROM gpu_summary WHERE problem IS NULL) k
          ON k.host = s.host AND k.gpu_uuid = s.gpu_uuid
        WHERE s.ts BETWEEN getvariable('gpu_min_ts') AND getvariable('gpu_max_ts'))
     + (SELECT count(*) FROM gpu_hourly h
        SEMI JOIN (SELECT DISTINCT host, gpu_uuid, hour FROM gpu_summary WHERE problem IS NULL) k
          ON k.host = h.host AND k.gpu_uuid = h.gpu_uuid AND k.hour = h.hour
        WHERE NOT h.raw_kept);
