-- GPU loads that refresh has not folded in: load ids in gpu_hourly / gpu_process_hourly past its
-- watermark (refresh_state 'gpu_load_id', which refresh advances to the largest load id of those
-- two tables, so both sides read the same thing). Zone maps skip the row groups at or below the
-- watermark: 33M GPU-hours answer in milliseconds.
WITH watermark AS (
    SELECT coalesce(max(CAST(value AS BIGINT)), 0) AS w FROM refresh_state WHERE name = 'gpu_load_id'
)
SELECT count(*)
FROM (SELECT load_id FROM gpu_hourly, watermark WHERE load_id > w
      UNION
      SELECT load_id FROM gpu_process_hourly, watermark WHERE load_id > w)
