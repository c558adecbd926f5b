-- Host-days with GPU rollup rows (or process rows) that loads wrote since the last refresh:
-- ingest stamps each recomputed gpu_hourly / gpu_process_hourly row with its load id, which
-- only grows, so the rows past the watermark ($since) are exactly what changed. Hosts whose link
-- to the bill changed (new hosts among them) get all their days, whatever wrote their rows.
INSERT INTO refresh_host_days
SELECT DISTINCT host, CAST(hour AS DATE) FROM gpu_hourly WHERE load_id > $since
UNION
SELECT DISTINCT host, CAST(hour AS DATE) FROM gpu_process_hourly WHERE load_id > $since
UNION
SELECT DISTINCT g.host, CAST(g.hour AS DATE) FROM gpu_hourly AS g
SEMI JOIN refresh_link_hosts AS h USING (host);
