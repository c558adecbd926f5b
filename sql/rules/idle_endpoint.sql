-- idle_endpoint: SageMaker or Vertex AI endpoints that serve (almost) nothing → scale them to
-- zero (or delete them, or move them to serverless inference where the model runs on CPU).
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   endpoint_window_days = 7               a week of traffic and billing
--   endpoint_max_requests_per_hour = 10    near-zero traffic: a request every six minutes or
--                                          less per billed instance-hour, for a GPU that costs
--                                          a dollar or more an hour
--   endpoint_target_instances = 0          scale to zero (SageMaker needs inference components
--                                          with managed scaling to reach 0; otherwise delete)
--   idle_gpu_util_pct, idle_gpu_hours_share, idle_gpu_min_coverage   the GPU signal, as in
--                                          idle_gpu_instance, when a host maps to the endpoint
--   hours_per_month = 730
-- Signals: requests from model_traffic for the model attribution gives the endpoint (model-level
-- traffic bounds the endpoint's own: if the model gets near nothing, so does the endpoint), and
-- GPU activity of hosts that gpu_host_resources maps to the endpoint. Either can fire the rule;
-- one that says busy stops it. Confidence 0.85 with both, 0.65 traffic only, 0.6 GPU only.
-- Instances = billed instance-hours (of the endpoint's busiest meter) ÷ hours billed (24 × days
-- with usage), rounded.
-- Saving = endpoint cost in the window ÷ (window days × 24) × 730 × (instances − target) ÷ instances.
WITH p AS (
    SELECT getvariable('rec_as_of') AS as_of,
           getvariable('rec_as_of')
               - to_days(CAST(getvariable('rec_endpoint_window_days') AS INTEGER)) AS start_at,
           getvariable('rec_endpoint_window_days') * 24.0 AS window_hours,
           getvariable('rec_hours_per_month') AS hours_per_month
), meters AS (
    -- per usage type: an endpoint billed by several meters (Vertex: cores, memory and GPU of
    -- the same nodes) counts its instance-hours once, from its busiest meter
    SELECT c.ResourceId AS resource_id, c.x_usage_type,
           max(c.x_instance_type) AS instance_type,
           sum(c.effective_cost) AS cost,
           sum(c.usage_hours) AS instance_hours,
           count(DISTINCT c.day) FILTER (WHERE c.usage_hours > 0) AS days_billed
    FROM cost_daily_rollup AS c, p
    WHERE c.day >= CAST(p.start_at AS DATE) AND c.day < CAST(p.as_of AS DATE)
      AND c.ChargeCategory = 'Usage'
      AND c.ServiceName IN ('Amazon SageMaker', 'Vertex AI')
      AND (c.ResourceId LIKE '%:endpoint/%' OR c.ResourceId LIKE '%/endpoints/%')
    GROUP BY c.ResourceId, c.x_usage_type
), endpoints AS (
    SELECT resource_id,
           max(instance_type) AS instance_type,
           arg_max(x_usage_type, instance_hours) AS meter,
           sum(cost) AS cost,
           max(instance_hours) AS instance_hours,
           arg_max(days_billed, instance_hours) AS days_billed
    FROM meters
    GROUP BY resource_id
    HAVING max(instance_hours) > 0
), named AS (
    SELECT e.*, r.provider, r.region, r.model, r.team,
           coalesce(r.resource_name, regexp_extract(e.resource_id, '[:/]endpoints?/([^/]+)$', 1)) AS endpoint_name,
           greatest(1, CAST(round(e.instance_hours / (24.0 * e.days_billed)) AS INTEGER)) AS instances
    FROM endpoints AS e JOIN recommendation_resources AS r USING (resource_id)
), traffic AS (
    SELECT n.resource_id, count(t.hour) AS traffic_hours, coalesce(sum(t.requests), 0) AS requests
    FROM named AS n, p
    LEFT JOIN model_traffic AS t
           ON t.model = n.model AND t.hour >= p.start_at AND t.hour < p.as_of
    GROUP BY n.resource_id
), gpu AS (
    SELECT h.resource_id,
           count(*) AS observed_hours,
           count(*) FILTER (WHERE hh.busiest_pct < getvariable('rec_idle_gpu_util_pct')) AS idle_hours,
           max(hh.busiest_pct) AS busiest_max_pct
    FROM (SELECT g.host, g.hour, max(g.activity_mean_pct) AS busiest_pct
          FROM gpu_hourly AS g, p
          WHERE g.hour >= p.start_at AND g.hour < p.as_of AND g.activity_mean_pct IS NOT NULL
          GROUP BY g.host, g.hour) AS hh
    JOIN gpu_host_resources AS h USING (host)
    GROUP BY h.resource_id
), judged AS (
    SELECT n.*, t.traffic_hours, t.requests,
           t.requests / n.instance_hours AS requests_per_instance_hour,
           coalesce(g.observed_hours, 0) AS gpu_hours, g.idle_hours, g.busiest_max_pct,
           t.traffic_hours > 0 AS has_traffic,
           coalesce(g.observed_hours, 0) >= getvariable('rec_idle_gpu_min_coverage') * p.window_hours
               AS has_gpu,
           t.requests / n.instance_hours <= getvariable('rec_endpoint_max_requests_per_hour') AS traffic_idle,
           g.idle_hours >= getvariable('rec_idle_gpu_hours_share') * g.observed_hours AS gpu_idle,
           least(CAST(getvariable('rec_endpoint_target_instances') AS INTEGER), n.instances) AS target
    FROM named AS n
    JOIN traffic AS t USING (resource_id)
    LEFT JOIN gpu AS g USING (resource_id), p
), fired AS (
    SELECT * FROM judged
    WHERE target < instances
      AND ((has_traffic AND traffic_idle AND (NOT has_gpu OR gpu_idle))
           OR (NOT has_traffic AND has_gpu AND gpu_idle))
)
SELECT
    'idle_endpoint' AS rule,
    f.resource_id,
    f.provider,
    f.model,
    f.team,
    printf('Scale %s endpoint %s (%d × %s) to %d: %s',
           CASE f.provider WHEN 'gcp' THEN 'Vertex AI' ELSE 'SageMaker' END, f.endpoint_name,
           f.instances, coalesce(f.instance_type, 'node'), f.target,
           CASE WHEN f.has_traffic
                THEN printf('%.1f requests per instance-hour in %d days', f.requests_per_instance_hour,
                            getvariable('rec_endpoint_window_days'))
                ELSE printf('GPUs idle %d of %d hours', f.idle_hours, f.gpu_hours) END) AS title,
    json_object(
        'endpoint_name', f.endpoint_name,
        'instance_type', f.instance_type,
        'billing_meter', f.meter,
        'instances', f.instances,
        'target_instances', f.target,
        'window_days', getvariable('rec_endpoint_window_days'),
        'instance_hours', f.instance_hours,
        'endpoint_cost_usd', round(f.cost, 2),
        'monthly_run_rate_usd', round(f.cost / p.window_hours * p.hours_per_month, 2),
        'model', f.model,
        'model_requests', f.requests,
        'model_traffic_hours', f.traffic_hours,
        'requests_per_instance_hour', round(f.requests_per_instance_hour, 3),
        'gpu_observed_hours', f.gpu_hours,
        'gpu_idle_hours', f.idle_hours,
        'gpu_busiest_max_pct', f.busiest_max_pct,
        'advice', CASE f.provider WHEN 'gcp'
            THEN 'Set the deployed model''s min replica count to 0 (scale to zero) or undeploy it'
            ELSE 'Scale to zero needs inference components with managed instance scaling (min 0); '
                 || 'otherwise delete the endpoint and recreate it when needed, or use serverless '
                 || 'inference if the model can run on CPU' END
    ) AS evidence,
    f.cost / p.window_hours * p.hours_per_month * (f.instances - f.target) / f.instances
        AS monthly_saving_usd,
    CASE WHEN f.has_traffic AND f.has_gpu THEN 0.85 WHEN f.has_traffic THEN 0.65 ELSE 0.6 END
        AS confidence,
    'endpoint_instance_count' AS action_kind,
    json_object('endpoint_name', f.endpoint_name, 'region', f.region,
                'current_instance_count', f.instances, 'desired_instance_count', f.target,
                'variant_name', NULL) AS action_params,
    list_filter(['billed_instance_hours',
                 CASE WHEN f.has_traffic THEN 'model_requests' END,
                 CASE WHEN f.has_gpu THEN 'gpu_activity' END], lambda s: s IS NOT NULL) AS signals_used,
    list_filter([CASE WHEN NOT f.has_traffic THEN 'model_requests' END,
                 CASE WHEN NOT f.has_gpu THEN 'gpu_activity' END,
                 'endpoint_invocations_metric'], lambda s: s IS NOT NULL) AS signals_missing
FROM fired AS f, p
