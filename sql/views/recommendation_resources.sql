-- recommendation_resources: one row per billed resource with what rules need to name it: its
-- provider (aws | gcp | azure, the price catalog's spelling), main service, region, name,
-- instance type and GPUs, and the model, team and env attribution gives most of its cost to.
-- Reads cost_daily (the rollups), never raw rows.
WITH per_resource AS (
    SELECT resource_id,
           arg_max(provider, cost)        AS provider_name,
           arg_max(service, cost)         AS service,
           arg_max(region, cost)          AS region,
           arg_max(account, cost)         AS account,
           arg_max(resource_name, cost)   AS resource_name,
           max(instance_type)             AS instance_type,
           max(gpu_count)                 AS gpu_count,
           arg_max(model, cost)           AS model,
           arg_max(team, cost)            AS team,
           arg_max(env, cost)             AS env,
           min(day)                       AS first_day,
           max(day)                       AS last_day
    FROM cost_daily
    WHERE resource_id IS NOT NULL AND charge_category = 'Usage'
    GROUP BY resource_id
)
SELECT CASE WHEN lower(provider_name) LIKE '%google%' THEN 'gcp'
            WHEN lower(provider_name) LIKE '%microsoft%' OR lower(provider_name) LIKE '%azure%'
                 THEN 'azure'
            WHEN lower(provider_name) LIKE '%aws%' OR lower(provider_name) LIKE '%amazon%'
                 THEN 'aws'
            ELSE lower(provider_name) END AS provider,
       *
FROM per_resource
