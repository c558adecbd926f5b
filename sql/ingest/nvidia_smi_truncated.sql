-- The file does not end with a newline: its last row was cut short by a logger that was killed
-- mid-write, so it is set aside even when its fields happen to parse ('1234 Mi' of '1234 MiB').
INSERT INTO gpu_summary (problem, rows, bad_rns, last_rn)
SELECT 'truncated last line (no newline at the end: the logger stopped mid-write)', 1,
       [last_rn], last_rn
FROM gpu_summary
WHERE problem IS NULL AND last_rn = (SELECT max(last_rn) FROM gpu_summary);

UPDATE gpu_summary SET rows = rows - 1
WHERE problem IS NULL AND last_rn = (SELECT max(last_rn) FROM gpu_summary);

DELETE FROM gpu_summary WHERE rows = 0;
