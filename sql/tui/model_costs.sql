-- tui_model_costs: the resources one model (tui_model) runs on in the range and what the model
-- got of each: the resources attribution gives to it (share 100%); model_shared_resources.sql
-- adds the shared GPU hosts split by process, where that view exists.
CREATE OR REPLACE TEMP TABLE tui_model_costs AS
SELECT resource_id,
       arg_max(resource_name, cost) AS resource_name,
       arg_max(service, cost)       AS service,
       max(instance_type)           AS instance_type,
       max(gpu_count)               AS gpu_count,
       arg_max(region, cost)        AS region,
       sum(cost)                    AS cost_usd,
       100.0                        AS share_pct
FROM tui_cost
WHERE model = getvariable('tui_model')
GROUP BY resource_id
