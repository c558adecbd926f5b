-- resource_hourly: a GPU resource's cost spread over its usage hours, beside what its GPUs did
-- in each of those hours. An hour is idle when even the busiest GPU's peak activity stayed
-- under the idle threshold ([gpu] idle_util_pct), so one busy GPU keeps the instance busy.
-- Hours billed without telemetry have NULL GPU columns; telemetry without a bill row has NULL cost.
-- Reads resource_hourly_rollup, which refresh joins for the resource-days that changed.
SELECT hour, resource_id, host, instance_type, gpu_count, pricing_category, cost, billed_cost,
       list_cost, gpus, coverage, activity_mean_pct, activity_max_pct, idle_gpu_hours,
       observed_gpu_hours, mem_used_max_mib, signal, is_idle
FROM resource_hourly_rollup
WHERE resource_id IS NOT NULL
