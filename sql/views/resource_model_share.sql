-- resource_model_share: for GPU hosts whose bill names no model, each model's share of a
-- resource-day, from the processes seen on its GPUs: per hour, the mean of the model's share of
-- process samples (GPU time) and of GPU memory used; summed over the day and divided by the
-- hours the instance was billed that day. Hours with no process evidence stay unattributed.
WITH per_model AS (
    SELECT host, hour, model, sum(samples) AS samples, sum(used_mem_mean_mib) AS mem
    FROM gpu_process_models
    WHERE model IS NOT NULL
    GROUP BY ALL
), hourly AS (
    SELECT host, hour, model,
           samples / sum(samples) OVER (PARTITION BY host, hour) AS time_share,
           mem / nullif(sum(mem) OVER (PARTITION BY host, hour), 0) AS mem_share
    FROM per_model
), daily AS (
    SELECT r.resource_id, CAST(h.hour AS DATE) AS day, h.model,
           sum(coalesce((h.time_share + h.mem_share) / 2, h.time_share)) AS share_hours,
           count(*) AS hours_seen
    FROM hourly AS h
    JOIN gpu_host_links AS r USING (host)
    WHERE r.resource_id IS NOT NULL
    GROUP BY ALL
), billed AS (
    SELECT ResourceId AS resource_id, day, sum(usage_hours) AS usage_hours
    FROM cost_daily_rollup
    WHERE ResourceId IN (SELECT resource_id FROM daily) AND ChargeCategory = 'Usage'
    GROUP BY ALL
)
SELECT
    d.resource_id,
    d.day,
    d.model,
    d.share_hours / greatest(coalesce(b.usage_hours, 24), sum(d.share_hours) OVER (PARTITION BY d.resource_id, d.day)) AS share,
    d.hours_seen
FROM daily AS d
LEFT JOIN billed AS b USING (resource_id, day)
