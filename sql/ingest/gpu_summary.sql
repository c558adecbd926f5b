-- One pass over incoming GPU rows, summarised: rows per host, GPU and hour, and every row that
-- must not be stored, with why. Reads the temp view gpu_rows(rn, host, gpu_uuid, ts, problem,
-- header_text); rn is the row's order in the input, problem a reason the row itself is unusable.
-- A clock jump is a timestamp before an earlier good row of the same GPU (the clock stepped back,
-- or a log was pasted twice): the running maximum keeps the first copy. With gpu_unique_ts a
-- repeated timestamp is a jump too (one sample per GPU per instant; not so for processes).
-- The window partitions on a hash of (host, gpu_uuid): sorting a number is cheaper than strings.
CREATE OR REPLACE TEMP TABLE gpu_summary AS
WITH w AS (
    SELECT rn, host, gpu_uuid, ts, problem, header_text,
           max(CASE WHEN problem IS NULL THEN ts END) OVER (
               PARTITION BY hash(host, gpu_uuid) ORDER BY rn
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max_ts
    FROM gpu_rows
),
flagged AS (
    SELECT *,
           problem IS NULL AND (ts < prev_max_ts
                                OR (getvariable('gpu_unique_ts') AND ts = prev_max_ts)) AS jump
    FROM w
)
SELECT CASE WHEN problem IS NULL THEN host END AS host,
       CASE WHEN problem IS NULL THEN gpu_uuid END AS gpu_uuid,
       CASE WHEN problem IS NULL THEN date_trunc('hour', ts) END AS hour,
       CASE WHEN jump THEN 'clock jump back (timestamp before an earlier sample of the GPU)'
            ELSE problem END AS problem,
       count(*) AS rows,
       min(ts) AS first_ts,
       max(ts) AS last_ts,
       max(rn) AS last_rn,
       list(rn ORDER BY rn) FILTER (WHERE problem IS NOT NULL OR jump) AS bad_rns,
       list(header_text ORDER BY rn) FILTER (WHERE problem = 'header') AS headers
FROM flagged
GROUP BY ALL;
