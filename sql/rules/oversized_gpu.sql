-- oversized_gpu: an instance whose GPUs never get busy and whose GPU memory stays well under
-- capacity → a cheaper instance type with fewer or smaller GPUs that still fits the peak, with
-- headroom, priced from the catalog.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   oversized_window_days = 14       AWS Compute Optimizer's lookback
--   oversized_percentile = 0.995     AWS Compute Optimizer sizes for P99.5 utilisation ...
--   oversized_headroom = 0.20        ... plus 20% headroom
--   oversized_min_coverage = 0.75    judge only hosts with telemetry for 75% of window hours
--   oversized_max_util_pct = 40      "low peak utilisation": the busiest GPU's P99.5 must stay
--                                    at or under this (above it the GPU does real work and a
--                                    cheaper model rarely keeps up, whatever TFLOPS say)
--   idle_gpu_util_pct = 5            a host whose busiest GPU stays under this is idle, not
--                                    oversized (idle_gpu_instance covers it)
--   hours_per_month = 730
-- Per GPU: P99.5 of hourly mean activity and the peak memory used. Compute needed = Σ over GPUs
-- of P99.5/100 × the GPU's dense FP16 TFLOPS (sql/reference/gpu_models.csv). A candidate type
-- (recommendation_prices: same provider, GPU vendor and product line — ml.* stays ml.*; fewer
-- GPUs or another GPU model, since a smaller host with the same GPUs is a CPU question) must be
-- cheaper on demand and hold, with headroom: that compute, the largest single GPU's peak memory
-- per GPU, and the sum of peak memory over all GPUs. The cheapest such type wins.
-- Saving = the instance's effective cost in the window ÷ (window days × 24) × 730 ×
-- (1 − candidate price ÷ current price), prices from the same catalog (so discounts carry over).
-- Confidence: 0.7 for fewer GPUs of the same model, 0.45 for another GPU model (TFLOPS do not
-- capture memory bandwidth), × (0.5 + 0.5 × telemetry coverage). CPU and host memory are not
-- collected: check them before moving to a type with fewer vCPUs.
WITH p AS (
    SELECT getvariable('rec_as_of') AS as_of,
           getvariable('rec_as_of')
               - to_days(CAST(getvariable('rec_oversized_window_days') AS INTEGER)) AS start_at,
           getvariable('rec_oversized_window_days') * 24.0 AS window_hours,
           1 + getvariable('rec_oversized_headroom') AS headroom,
           getvariable('rec_hours_per_month') AS hours_per_month
), per_gpu AS (
    SELECT g.host, g.gpu_uuid,
           quantile_cont(g.activity_mean_pct, getvariable('rec_oversized_percentile')) AS p_activity_pct,
           max(g.mem_used_max_mib) AS peak_mem_mib,
           max(g.mem_total_mib) AS mem_total_mib,
           string_agg(DISTINCT g.activity_signal, ',') AS signals
    FROM gpu_hourly AS g, p
    WHERE g.hour >= p.start_at AND g.hour < p.as_of AND g.activity_mean_pct IS NOT NULL
    GROUP BY g.host, g.gpu_uuid
), observed AS (
    SELECT g.host, count(DISTINCT g.hour) AS observed_hours
    FROM gpu_hourly AS g, p
    WHERE g.hour >= p.start_at AND g.hour < p.as_of AND g.activity_mean_pct IS NOT NULL
    GROUP BY g.host
), billed AS (
    SELECT c.ResourceId AS resource_id, sum(c.effective_cost) AS cost, max(c.x_instance_type) AS instance_type
    FROM cost_hourly_rollup AS c, p
    WHERE c.hour >= p.start_at AND c.hour < p.as_of
    GROUP BY c.ResourceId
), hosts AS (
    SELECT m.host, m.resource_id, coalesce(m.instance_id, m.resource_id) AS instance_id,
           coalesce(b.instance_type, m.instance_type) AS instance_type, b.cost,
           r.provider, r.region, r.model, r.team,
           o.observed_hours / p.window_hours AS coverage,
           count(*) AS gpus,
           max(g.p_activity_pct) AS busiest_p_pct,
           max(g.peak_mem_mib) AS peak_gpu_mem_mib,
           sum(g.peak_mem_mib) AS total_peak_mem_mib,
           max(g.mem_total_mib) AS gpu_mem_total_mib,
           list(round(g.p_activity_pct, 2) ORDER BY g.gpu_uuid) AS p_activity_by_gpu,
           list(round(g.peak_mem_mib) ORDER BY g.gpu_uuid) AS peak_mem_by_gpu,
           sum(g.p_activity_pct) / 100.0 AS busy_gpu_equivalents,
           string_agg(DISTINCT g.signals, ',') AS signals
    FROM per_gpu AS g
    JOIN observed AS o USING (host)
    JOIN gpu_host_resources AS m USING (host)
    JOIN billed AS b ON b.resource_id = m.resource_id
    LEFT JOIN recommendation_resources AS r ON r.resource_id = m.resource_id, p
    WHERE o.observed_hours >= getvariable('rec_oversized_min_coverage') * p.window_hours
    GROUP BY ALL
), current_price AS (
    SELECT h.*, pr.on_demand_usd_per_hour AS current_usd_per_hour, pr.gpu_model, pr.gpu_vendor,
           pr.fp16_dense_tflops AS current_tflops, pr.vcpus AS current_vcpus,
           pr.region AS price_region, pr.source AS price_source,
           h.busy_gpu_equivalents * pr.fp16_dense_tflops AS used_tflops
    FROM hosts AS h
    JOIN recommendation_prices AS pr
      ON pr.provider = coalesce(h.provider, 'aws') AND pr.instance_type = h.instance_type
     AND pr.on_demand_usd_per_hour > 0
    WHERE h.busiest_p_pct >= getvariable('rec_idle_gpu_util_pct')
      AND h.busiest_p_pct <= getvariable('rec_oversized_max_util_pct')
    QUALIFY row_number() OVER (PARTITION BY h.host ORDER BY (pr.region = h.region) DESC, pr.as_of DESC) = 1
), candidates AS (
    SELECT c.*, k.instance_type AS to_type, k.on_demand_usd_per_hour AS to_usd_per_hour,
           k.gpu_count AS to_gpus, k.gpu_model AS to_gpu_model, k.gpu_memory_gib AS to_gpu_memory_gib,
           k.vcpus AS to_vcpus, k.gpu_count * k.fp16_dense_tflops AS to_tflops
    FROM current_price AS c, p
    JOIN recommendation_prices AS k
      ON k.provider = coalesce(c.provider, 'aws') AND k.region = c.price_region
     AND k.gpu_vendor = c.gpu_vendor
     AND (k.instance_type LIKE 'ml.%') = (c.instance_type LIKE 'ml.%')
     AND k.instance_type <> c.instance_type
     AND (k.gpu_count < c.gpus OR k.gpu_model <> c.gpu_model)  -- a GPU change, not just fewer vCPUs
     AND k.on_demand_usd_per_hour < c.current_usd_per_hour
     AND k.gpu_count * k.fp16_dense_tflops >= c.used_tflops * p.headroom
     AND k.gpu_memory_gib * 1024 >= c.peak_gpu_mem_mib * p.headroom
     AND k.gpu_count * k.gpu_memory_gib * 1024 >= c.total_peak_mem_mib * p.headroom
    QUALIFY row_number() OVER (PARTITION BY c.host ORDER BY k.on_demand_usd_per_hour, k.instance_type) = 1
)
SELECT
    'oversized_gpu' AS rule,
    x.resource_id,
    coalesce(x.provider, 'aws') AS provider,
    x.model,
    x.team,
    printf('Resize %s (%s) from %s (%d × %s) to %s (%d × %s): P%s GPU use %.0f%%, peak memory %.1f of %.0f GiB per GPU',
           x.host, x.instance_id, x.instance_type, x.gpus, x.gpu_model, x.to_type, x.to_gpus,
           x.to_gpu_model, CAST(100 * getvariable('rec_oversized_percentile') AS VARCHAR),
           x.busiest_p_pct, x.peak_gpu_mem_mib / 1024, x.gpu_mem_total_mib / 1024) AS title,
    json_object(
        'host', x.host,
        'instance_id', x.instance_id,
        'from_type', x.instance_type, 'to_type', x.to_type,
        'from_gpus', x.gpus, 'to_gpus', x.to_gpus,
        'from_gpu_model', x.gpu_model, 'to_gpu_model', x.to_gpu_model,
        'from_vcpus', x.current_vcpus, 'to_vcpus', x.to_vcpus,
        'window_days', getvariable('rec_oversized_window_days'),
        'coverage', round(x.coverage, 4),
        'percentile', getvariable('rec_oversized_percentile'),
        'headroom', getvariable('rec_oversized_headroom'),
        'activity_pct_at_percentile_by_gpu', x.p_activity_by_gpu,
        'peak_mem_mib_by_gpu', x.peak_mem_by_gpu,
        'used_tflops', round(x.used_tflops, 2),
        'to_tflops', x.to_tflops,
        'from_usd_per_hour', x.current_usd_per_hour, 'to_usd_per_hour', x.to_usd_per_hour,
        'price_region', x.price_region, 'price_source', x.price_source,
        'window_cost_usd', round(x.cost, 2),
        'hourly_cost_usd', round(x.cost / p.window_hours, 4),
        'activity_signal', x.signals
    ) AS evidence,
    x.cost / p.window_hours * p.hours_per_month * (1 - x.to_usd_per_hour / x.current_usd_per_hour)
        AS monthly_saving_usd,
    round((CASE WHEN x.to_gpu_model = x.gpu_model THEN 0.7 ELSE 0.45 END)
          * (0.5 + 0.5 * least(x.coverage, 1.0)), 3) AS confidence,
    'change_instance_type' AS action_kind,
    json_object('instance_id', x.instance_id, 'region', x.region,
                'from_type', x.instance_type, 'to_type', x.to_type) AS action_params,
    ['gpu_activity:' || coalesce(x.signals, 'none'), 'gpu_memory', 'price_catalog'] AS signals_used,
    ['cpu_utilisation', 'host_memory', 'gpu_memory_bandwidth'] AS signals_missing
FROM candidates AS x, p
