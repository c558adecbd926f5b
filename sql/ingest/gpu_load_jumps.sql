-- Whether a sample of the current load is not after the one before it for the same GPU, in
-- insertion order (rowid): a clock that stepped back, or repeated lines. Comparing neighbours
-- answers "is there any?" exactly (a strictly increasing sequence has none), and is cheaper than
-- the running maximum the exact path uses to say which rows.
SELECT count(*)
FROM (
    SELECT ts <= lag(ts) OVER (PARTITION BY hash(host, gpu_uuid) ORDER BY rowid) AS jump
    FROM gpu_samples
    WHERE load_id = getvariable('gpu_load_id')
)
WHERE jump;
