-- Who each distinct resource/tag combination belongs to. Precedence, per dimension:
--   1. a rule from [[attribution.rules]] with override_tags = true (first in file order);
--   2. the resource's own tag (configured keys, [attribution.tag_keys]);
--   3. the first other matching rule;
--   4. unattributed.
-- (GPU process evidence for shared hosts is applied on top by the model views.)
-- Built as a temp table: refresh applies only the keys whose attribution changed.
CREATE OR REPLACE TEMP TABLE attribution_next AS
WITH keys AS (
    SELECT DISTINCT attr_key, ResourceId, ResourceName, SubAccountId, SubAccountName,
           x_instance_type, ServiceName, RegionId, tag_model, tag_team, tag_env
    FROM cost_daily_rollup
), matched AS (
    SELECT k.attr_key, r.*
    FROM keys AS k
    JOIN attribution_rules AS r
      ON (CASE r.match_field
            WHEN 'ResourceId' THEN k.ResourceId
            WHEN 'ResourceName' THEN k.ResourceName
            WHEN 'SubAccountId' THEN k.SubAccountId
            WHEN 'SubAccountName' THEN k.SubAccountName
            WHEN 'x_instance_type' THEN k.x_instance_type
            WHEN 'ServiceName' THEN k.ServiceName
            WHEN 'RegionId' THEN k.RegionId
          END) GLOB r.pattern
), firsts AS (
    SELECT
        attr_key,
        arg_min(model, rule_order) FILTER (WHERE model IS NOT NULL AND override_tags) AS o_model,
        arg_min(name, rule_order) FILTER (WHERE model IS NOT NULL AND override_tags)  AS o_model_rule,
        arg_min(model, rule_order) FILTER (WHERE model IS NOT NULL)                    AS r_model,
        arg_min(name, rule_order) FILTER (WHERE model IS NOT NULL)                     AS r_model_rule,
        arg_min(team, rule_order) FILTER (WHERE team IS NOT NULL AND override_tags)   AS o_team,
        arg_min(name, rule_order) FILTER (WHERE team IS NOT NULL AND override_tags)   AS o_team_rule,
        arg_min(team, rule_order) FILTER (WHERE team IS NOT NULL)                      AS r_team,
        arg_min(name, rule_order) FILTER (WHERE team IS NOT NULL)                      AS r_team_rule,
        arg_min(env, rule_order) FILTER (WHERE env IS NOT NULL AND override_tags)     AS o_env,
        arg_min(name, rule_order) FILTER (WHERE env IS NOT NULL AND override_tags)    AS o_env_rule,
        arg_min(env, rule_order) FILTER (WHERE env IS NOT NULL)                        AS r_env,
        arg_min(name, rule_order) FILTER (WHERE env IS NOT NULL)                       AS r_env_rule
    FROM matched
    GROUP BY attr_key
)
SELECT
    k.attr_key,
    k.ResourceId,
    coalesce(f.o_model, k.tag_model, f.r_model)                         AS model,
    coalesce(f.o_team, k.tag_team, f.r_team)                            AS team,
    coalesce(f.o_env, k.tag_env, f.r_env)                               AS env,
    CASE WHEN f.o_model IS NOT NULL THEN 'rule:' || f.o_model_rule
         WHEN k.tag_model IS NOT NULL THEN 'tag'
         WHEN f.r_model IS NOT NULL THEN 'rule:' || f.r_model_rule
         ELSE 'unattributed' END                                        AS model_source,
    CASE WHEN f.o_team IS NOT NULL THEN 'rule:' || f.o_team_rule
         WHEN k.tag_team IS NOT NULL THEN 'tag'
         WHEN f.r_team IS NOT NULL THEN 'rule:' || f.r_team_rule
         ELSE 'unattributed' END                                        AS team_source,
    CASE WHEN f.o_env IS NOT NULL THEN 'rule:' || f.o_env_rule
         WHEN k.tag_env IS NOT NULL THEN 'tag'
         WHEN f.r_env IS NOT NULL THEN 'rule:' || f.r_env_rule
         ELSE 'unattributed' END                                        AS env_source
FROM keys AS k
LEFT JOIN firsts AS f USING (attr_key)
