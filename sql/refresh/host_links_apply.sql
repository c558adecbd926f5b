-- Refresh gpu_host_links (host → billed resource, a snapshot of gpu_host_resources) and record
-- the hosts whose link changed, with the resource key each had before and has now (a host no
-- bill row matches is keyed 'host:<name>', as in resource_hourly_rollup).
CREATE OR REPLACE TEMP TABLE host_links_next AS
SELECT host, resource_id, instance_id, provider, matched_by, in_bill, instance_type
FROM gpu_host_resources;

INSERT INTO refresh_link_hosts
SELECT coalesce(o.host, n.host),
       CASE WHEN o.host IS NOT NULL THEN coalesce(o.resource_id, 'host:' || o.host) END,
       CASE WHEN n.host IS NOT NULL THEN coalesce(n.resource_id, 'host:' || n.host) END
FROM gpu_host_links AS o
FULL JOIN host_links_next AS n USING (host)
WHERE o.host IS NULL OR n.host IS NULL OR o.resource_id IS DISTINCT FROM n.resource_id;

DELETE FROM gpu_host_links;
INSERT INTO gpu_host_links BY NAME SELECT * FROM host_links_next;
