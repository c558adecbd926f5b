-- tui_resource_owner: one row per billed resource in tui_cost, named as the bill names it, with
-- the model, team, account, service and region that most of its cost in the range went to.
CREATE OR REPLACE TEMP VIEW tui_resource_owner AS
SELECT resource_id,
       arg_max(resource_name, cost)  AS resource_name,
       arg_max(service, cost)        AS service,
       arg_max(provider, cost)       AS provider,
       arg_max(account, cost)        AS account,
       arg_max(region, cost)         AS region,
       max(instance_type)            AS instance_type,
       max(gpu_count)                AS gpu_count,
       arg_max(model, cost)          AS model,
       arg_max(team, cost)           AS team,
       sum(cost)                     AS cost_usd
FROM tui_cost
WHERE resource_id IS NOT NULL
GROUP BY resource_id
