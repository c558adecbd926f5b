-- GPU loads that refresh has not folded in: loads that stored samples, past its watermark
-- (refresh_state 'gpu_load_id', the largest load id refresh has read from gpu_hourly).
SELECT count(*)
FROM gpu_loads
WHERE rows_loaded > 0
  AND load_id > coalesce((SELECT CAST(value AS BIGINT) FROM refresh_state
                          WHERE name = 'gpu_load_id'), 0)
