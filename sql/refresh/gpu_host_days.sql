-- Host-days with GPU rollup rows (or process rows) that loads wrote since the last refresh:
-- ingest stamps each recomputed gpu_hourly / gpu_process_hourly row with its load id, which
-- only grows, so the rows past the watermark ($since) are exactly what changed.
INSERT INTO refresh_host_days
SELECT DISTINCT host, CAST(hour AS DATE) FROM gpu_hourly WHERE load_id > $since
UNION
SELECT DISTINCT host, CAST(hour AS DATE) FROM gpu_process_hourly WHERE load_id > $since;
