-- model_efficiency: (advice, low confidence) a model whose GPU memory footprint would fit a
-- cheaper GPU if its weights were quantised (FP16 → INT8) → evaluate a quantised build.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   efficiency_window_days = 14       AWS Compute Optimizer's lookback
--   quantized_memory_factor = 0.5     INT8 weights take half the memory of FP16 (KV cache and
--                                     activations shrink less: a rough, optimistic factor)
--   oversized_percentile = 0.995, oversized_headroom = 0.20   as in oversized_gpu
--   oversized_min_coverage = 0.75
--   hours_per_month = 730
-- Per instance serving a known model: peak GPU memory per GPU (max over GPUs and hours) and
-- P99.5 activity. A candidate type has the same number of GPUs, is cheaper on demand, has the
-- compute (as in oversized_gpu) and per-GPU memory ≥ peak × factor × 1.2 — but less than
-- peak × 1.2, so only quantisation makes it fit (otherwise oversized_gpu already says so).
-- One recommendation per model, over the instances that have such a candidate.
-- Saving = Σ over them of instance cost in the window ÷ (window days × 24) × 730 ×
-- (1 − candidate ÷ current price). Confidence 0.25: accuracy after quantisation is not
-- something a bill can check.
WITH p AS (
    SELECT getvariable('rec_as_of') AS as_of,
           getvariable('rec_as_of')
               - to_days(CAST(getvariable('rec_efficiency_window_days') AS INTEGER)) AS start_at,
           getvariable('rec_efficiency_window_days') * 24.0 AS window_hours,
           1 + getvariable('rec_oversized_headroom') AS headroom,
           getvariable('rec_quantized_memory_factor') AS factor,
           getvariable('rec_hours_per_month') AS hours_per_month
), per_gpu AS (
    SELECT g.host, g.gpu_uuid,
           quantile_cont(g.activity_mean_pct, getvariable('rec_oversized_percentile')) AS p_activity_pct,
           max(g.mem_used_max_mib) AS peak_mem_mib,
           count(*) AS hours
    FROM gpu_hourly AS g, p
    WHERE g.hour >= p.start_at AND g.hour < p.as_of AND g.activity_mean_pct IS NOT NULL
    GROUP BY g.host, g.gpu_uuid
), billed AS (
    SELECT c.ResourceId AS resource_id, sum(c.effective_cost) AS cost, max(c.x_instance_type) AS instance_type
    FROM cost_hourly_rollup AS c, p
    WHERE c.hour >= p.start_at AND c.hour < p.as_of
    GROUP BY c.ResourceId
), hosts AS (
    SELECT m.host, m.resource_id, coalesce(m.instance_id, m.resource_id) AS instance_id,
           coalesce(b.instance_type, m.instance_type) AS instance_type, b.cost,
           r.provider, r.region, r.model, r.team,
           count(*) AS gpus,
           max(g.hours) AS observed_hours,
           max(g.peak_mem_mib) AS peak_gpu_mem_mib,
           sum(g.p_activity_pct) / 100.0 AS busy_gpu_equivalents
    FROM per_gpu AS g
    JOIN gpu_host_resources AS m USING (host)
    JOIN billed AS b ON b.resource_id = m.resource_id
    JOIN recommendation_resources AS r ON r.resource_id = m.resource_id, p
    WHERE r.model IS NOT NULL AND r.model <> 'unattributed'
    GROUP BY ALL
), current_price AS (
    SELECT h.*, h.observed_hours / p.window_hours AS coverage, pr.on_demand_usd_per_hour AS current_usd_per_hour, pr.gpu_model, pr.gpu_vendor,
           pr.gpu_memory_gib, pr.region AS price_region,
           h.busy_gpu_equivalents * pr.fp16_dense_tflops AS used_tflops
    FROM hosts AS h
    JOIN recommendation_prices AS pr
      ON pr.provider = h.provider AND pr.instance_type = h.instance_type
     AND pr.on_demand_usd_per_hour > 0, p
    WHERE h.observed_hours >= getvariable('rec_oversized_min_coverage') * p.window_hours
    QUALIFY row_number() OVER (PARTITION BY h.host ORDER BY (pr.region = h.region) DESC, pr.as_of DESC) = 1
), candidates AS (
    SELECT c.*, k.instance_type AS to_type, k.on_demand_usd_per_hour AS to_usd_per_hour,
           k.gpu_model AS to_gpu_model, k.gpu_memory_gib AS to_gpu_memory_gib
    FROM current_price AS c, p
    JOIN recommendation_prices AS k
      ON k.provider = c.provider AND k.region = c.price_region
     AND k.gpu_vendor = c.gpu_vendor
     AND (k.instance_type LIKE 'ml.%') = (c.instance_type LIKE 'ml.%')
     AND k.gpu_count = c.gpus
     AND k.on_demand_usd_per_hour < c.current_usd_per_hour
     AND k.gpu_count * k.fp16_dense_tflops >= c.used_tflops * p.headroom
     AND k.gpu_memory_gib * 1024 >= c.peak_gpu_mem_mib * p.factor * p.headroom
     AND k.gpu_memory_gib * 1024 < c.peak_gpu_mem_mib * p.headroom
    QUALIFY row_number() OVER (PARTITION BY c.host ORDER BY k.on_demand_usd_per_hour, k.instance_type) = 1
), per_model AS (
    SELECT x.model, any_value(x.provider) AS provider, any_value(x.team) AS team,
           count(*) AS instances,
           max(x.peak_gpu_mem_mib) AS peak_gpu_mem_mib,
           arg_max(x.to_type, x.cost) AS main_to_type,
           arg_max(x.to_gpu_model, x.cost) AS main_to_gpu_model,
           arg_max(x.to_gpu_memory_gib, x.cost) AS main_to_gpu_memory_gib,
           sum(x.cost / p.window_hours * p.hours_per_month
               * (1 - x.to_usd_per_hour / x.current_usd_per_hour)) AS saving,
           list(json_object('host', x.host, 'instance_id', x.instance_id,
                            'from_type', x.instance_type, 'to_type', x.to_type,
                            'from_gpu_model', x.gpu_model, 'to_gpu_model', x.to_gpu_model,
                            'peak_gpu_mem_mib', round(x.peak_gpu_mem_mib),
                            'from_usd_per_hour', x.current_usd_per_hour,
                            'to_usd_per_hour', x.to_usd_per_hour,
                            'window_cost_usd', round(x.cost, 2),
                            'hourly_cost_usd', round(x.cost / p.window_hours, 4))
                ORDER BY x.host) AS hosts,
           list(x.instance_id ORDER BY x.host) AS instance_ids,
           any_value(x.region) AS region
    FROM candidates AS x, p
    GROUP BY x.model
)
SELECT
    'model_efficiency' AS rule,
    'model:' || m.model AS resource_id,
    m.provider,
    m.model,
    m.team,
    printf('Try %s quantised to INT8: %.1f GiB peak per GPU would drop to about %.1f GiB, under the %s''s %.0f GiB (%s) on %d instance(s)',
           m.model, m.peak_gpu_mem_mib / 1024, m.peak_gpu_mem_mib * p.factor / 1024,
           m.main_to_gpu_model, CAST(m.main_to_gpu_memory_gib AS DOUBLE), m.main_to_type,
           m.instances) AS title,
    json_object(
        'model', m.model,
        'instances', m.instances,
        'peak_gpu_mem_mib', round(m.peak_gpu_mem_mib),
        'quantized_memory_factor', p.factor,
        'quantized_peak_mib', round(m.peak_gpu_mem_mib * p.factor),
        'window_days', getvariable('rec_efficiency_window_days'),
        'hosts', m.hosts,
        'advice', 'Benchmark an INT8 (or FP8 / AWQ 4-bit) build for accuracy and latency before moving'
    ) AS evidence,
    m.saving AS monthly_saving_usd,
    0.25 AS confidence,
    'quantize_model' AS action_kind,
    json_object('model', m.model, 'instance_ids', m.instance_ids, 'region', m.region,
                'to_type', m.main_to_type) AS action_params,
    ['gpu_memory', 'gpu_activity', 'price_catalog'] AS signals_used,
    ['accuracy_after_quantisation', 'latency_after_quantisation'] AS signals_missing
FROM per_model AS m, p
