-- From gpu_summary: the rows to leave out (gpu_incoming_bad) and the hours whose raw samples are
-- gone (gpu_sealed): a late sample cannot be merged into such an hour without recounting.
CREATE OR REPLACE TEMP TABLE gpu_incoming_bad AS
SELECT unnest(bad_rns) AS rn FROM gpu_summary WHERE problem IS NOT NULL;

CREATE OR REPLACE TEMP TABLE gpu_sealed AS
SELECT h.host, h.gpu_uuid, h.hour, s.rows
FROM gpu_hourly h
JOIN gpu_summary s ON s.host = h.host AND s.gpu_uuid = h.gpu_uuid AND s.hour = h.hour
WHERE s.problem IS NULL AND NOT h.raw_kept;
