-- The GPUs each host has reported, from the hourly rollups (never the raw samples).
SELECT host, gpu_uuid,
       arg_max(gpu_index, hour) AS gpu_index,
       arg_max(gpu_name, hour) AS gpu_name,
       max(mem_total_mib) AS mem_total_mib,
       min(hour) AS first_hour,
       max(hour) AS last_hour,
       sum(observed_seconds) / 3600.0 AS observed_hours
FROM gpu_hourly
GROUP BY host, gpu_uuid
