-- Record host → cloud resource mappings from the temp table gpu_host_map(host, instance_id,
-- resource_id, provider, source). A [hosts] entry in aifinops.toml (source 'config') is what a
-- person said, so a sampler's own metadata lookup never overwrites it.
INSERT INTO gpu_hosts (host, instance_id, resource_id, provider, source, updated_at)
SELECT host, instance_id, resource_id, provider, source, getvariable('gpu_now')
FROM gpu_host_map
ON CONFLICT (host) DO UPDATE SET
    instance_id = excluded.instance_id,
    resource_id = excluded.resource_id,
    provider = excluded.provider,
    source = excluded.source,
    updated_at = excluded.updated_at
WHERE gpu_hosts.source <> 'config' OR excluded.source = 'config';
