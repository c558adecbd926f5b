-- The fast path's one pass over the file (no row numbers, so every core works): rows per host,
-- GPU and hour, and rows whose values make them unusable. Same shape as gpu_summary.sql; lines
-- the reader rejected (garbage, short or long lines, headers) are in nvsmi_rejects instead.
CREATE OR REPLACE TEMP TABLE gpu_summary AS
SELECT CASE WHEN row_problem IS NULL THEN host END AS host,
       CASE WHEN row_problem IS NULL THEN gpu_uuid END AS gpu_uuid,
       CASE WHEN row_problem IS NULL THEN date_trunc('hour', ts) END AS hour,
       row_problem AS problem,
       count(*) AS rows,
       min(ts) AS first_ts,
       max(ts) AS last_ts,
       NULL::BIGINT AS last_rn,
       NULL::BIGINT[] AS bad_rns,
       NULL::VARCHAR[] AS headers
FROM nvsmi_parsed
GROUP BY ALL;
