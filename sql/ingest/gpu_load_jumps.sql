-- Samples of the current load whose timestamp is not after an earlier sample of the same GPU,
-- in insertion order (rowid): a clock that stepped back, or repeated lines.
SELECT count(*)
FROM (
    SELECT ts <= max(ts) OVER (PARTITION BY host, gpu_uuid ORDER BY rowid
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS jump
    FROM gpu_samples
    WHERE load_id = getvariable('gpu_load_id')
)
WHERE jump;
