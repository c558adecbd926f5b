-- Raw samples older than the retention cutoff (an hour boundary) go; their hours stay in the
-- rollups, marked raw_kept = false so that no later load recomputes them from partial raw data.
UPDATE gpu_hourly SET raw_kept = false
WHERE raw_kept AND hour < getvariable('gpu_cutoff');

DELETE FROM gpu_samples WHERE ts < getvariable('gpu_cutoff');

UPDATE gpu_process_hourly SET raw_kept = false
WHERE raw_kept AND hour < getvariable('gpu_cutoff');

DELETE FROM gpu_processes WHERE ts < getvariable('gpu_cutoff');
