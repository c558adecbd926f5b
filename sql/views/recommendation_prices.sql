-- recommendation_prices: hourly on-demand and spot price per (provider, instance type, region)
-- that recommendation rules use, with the GPU specs and where each price came from.
-- The shipped catalog (sql/reference/gpu_instance_types.csv, one reference region per provider,
-- its source and date in price_sources.csv) is overlaid by `aifinops prices update`
-- (table price_updates): a fetched price wins for its region, the catalog fills the rest.
WITH specs AS (
    SELECT g.provider, g.instance_type,
           any_value(g.gpu_count) AS gpu_count,
           any_value(g.gpu_model) AS gpu_model,
           any_value(g.gpu_memory_gib) AS gpu_memory_gib,
           any_value(g.vcpus) AS vcpus,
           any_value(g.memory_gib) AS memory_gib
    FROM ref_gpu_instance_types AS g
    GROUP BY ALL
), quotes AS (
    SELECT g.provider, g.instance_type, g.region,
           g.on_demand_usd_per_hour, g.spot_usd_per_hour,
           'catalog: ' || coalesce(s.source, 'shipped catalog') AS source,
           CAST(s.as_of AS DATE) AS as_of, 0 AS priority
    FROM ref_gpu_instance_types AS g
    LEFT JOIN ref_price_sources AS s
           ON s.catalog = 'gpu_instance_types' AND s.provider = g.provider
    UNION ALL
    SELECT provider, instance_type, region, on_demand_usd_per_hour, spot_usd_per_hour,
           source, CAST(fetched_at AS DATE), 1
    FROM price_updates
), best AS (
    SELECT provider, instance_type, region,
           max_by(on_demand_usd_per_hour, priority)
               FILTER (WHERE on_demand_usd_per_hour IS NOT NULL) AS on_demand_usd_per_hour,
           max_by(spot_usd_per_hour, priority)
               FILTER (WHERE spot_usd_per_hour IS NOT NULL) AS spot_usd_per_hour,
           max_by(source, priority) AS source,
           max_by(as_of, priority) AS as_of
    FROM quotes
    GROUP BY ALL
)
SELECT b.provider, b.instance_type, b.region,
       s.gpu_count, s.gpu_model, s.gpu_memory_gib, s.vcpus, s.memory_gib,
       m.vendor AS gpu_vendor, m.fp16_dense_tflops,
       b.on_demand_usd_per_hour, b.spot_usd_per_hour, b.source, b.as_of
FROM best AS b
LEFT JOIN specs AS s USING (provider, instance_type)
LEFT JOIN ref_gpu_models AS m ON m.gpu_model = s.gpu_model
