-- GPU hosts whose bill names no model but whose processes show this model (tui_model): the share
-- of each resource's cost the model gets (resource_model_share, as model_cost splits it), added
-- to tui_model_costs (model_costs.sql).
INSERT INTO tui_model_costs
SELECT c.resource_id,
       arg_max(c.resource_name, c.cost)                  AS resource_name,
       arg_max(c.service, c.cost)                        AS service,
       max(c.instance_type)                              AS instance_type,
       max(c.gpu_count)                                  AS gpu_count,
       arg_max(c.region, c.cost)                         AS region,
       sum(c.cost * s.share)                             AS cost_usd,
       avg(s.share) * 100                                AS share_pct
FROM tui_cost AS c
JOIN resource_model_share AS s
  ON s.resource_id = c.resource_id AND s.day = c.day AND c.model = 'unattributed'
WHERE s.model = getvariable('tui_model')
GROUP BY c.resource_id
