-- bench_gpu_fleet: one synthetic GPU host per billed GPU resource ('bench-<ResourceId>', mapped
-- in gpu_hosts as config does), its GPUs (the bill's GPU count, at most 8) and the hours it was
-- billed; a fifth of the hosts sit idle. Read by bench_gpu_samples.sql.
CREATE OR REPLACE TABLE bench_gpu_fleet AS
SELECT 'bench-' || ResourceId                       AS host,
       ResourceId                                   AS resource_id,
       least(8, greatest(1, max(coalesce(x_gpu_count, 1)))) AS gpus,
       min(hour)                                    AS first_hour,
       max(hour) + INTERVAL 1 HOUR                  AS end_hour,
       hash(ResourceId) % 5 = 0                     AS idle_host,
       CAST(hash(ResourceId) % 2400 AS BIGINT)      AS offset_s
FROM cost_hourly_rollup
GROUP BY ResourceId;

INSERT INTO gpu_hosts (host, instance_id, provider, source, updated_at)
SELECT host, resource_id, 'aws', 'config', now() FROM bench_gpu_fleet
ON CONFLICT DO NOTHING;
