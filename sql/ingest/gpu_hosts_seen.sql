-- Every host the current load brought samples or processes for gets a gpu_hosts row, so the
-- bill-linking view can try its name even before anyone maps it to an instance id.
INSERT INTO gpu_hosts (host, source, first_seen_at, last_seen_at, updated_at)
SELECT host, 'telemetry', min(ts), max(ts), getvariable('gpu_now')
FROM (
    SELECT host, ts FROM gpu_samples WHERE load_id = getvariable('gpu_load_id')
    UNION ALL
    SELECT host, ts FROM gpu_processes WHERE load_id = getvariable('gpu_load_id')
)
GROUP BY host
ON CONFLICT (host) DO UPDATE SET
    first_seen_at = least(coalesce(gpu_hosts.first_seen_at, excluded.first_seen_at), excluded.first_seen_at),
    last_seen_at = greatest(coalesce(gpu_hosts.last_seen_at, excluded.last_seen_at), excluded.last_seen_at);
