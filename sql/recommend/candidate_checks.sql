-- What a rule's output (temp table rec_rule_out) must not contain: one row per problem, in words
-- a rule author can act on. Parameters: $rule (the file's stem), $kinds (known action kinds).
(SELECT 'the rule column says ' || coalesce('"' || rule || '"', 'NULL') || ', not the file name '
        || '"' || $rule || '"'
 FROM rec_rule_out WHERE rule IS DISTINCT FROM $rule LIMIT 1)
UNION ALL
(SELECT count(*) || ' row(s) without a resource_id, title or action_kind'
 FROM rec_rule_out WHERE resource_id IS NULL OR title IS NULL OR action_kind IS NULL
 HAVING count(*) > 0)
UNION ALL
(SELECT 'monthly_saving_usd must be a number ≥ 0, got ' || coalesce(CAST(monthly_saving_usd AS VARCHAR), 'NULL')
        || ' for ' || coalesce(resource_id, 'NULL')
 FROM rec_rule_out WHERE monthly_saving_usd IS NULL OR monthly_saving_usd < 0 OR isnan(monthly_saving_usd) LIMIT 1)
UNION ALL
(SELECT 'confidence must be within 0..1, got ' || coalesce(CAST(confidence AS VARCHAR), 'NULL')
        || ' for ' || coalesce(resource_id, 'NULL')
 FROM rec_rule_out WHERE confidence IS NULL OR confidence < 0 OR confidence > 1 LIMIT 1)
UNION ALL
(SELECT 'unknown action_kind ' || '"' || action_kind || '"' || '; known: ' || array_to_string($kinds, ', ')
 FROM rec_rule_out WHERE NOT list_contains($kinds, action_kind) LIMIT 1)
UNION ALL
(SELECT 'resource_id ' || '"' || resource_id || '"' || ' appears ' || count(*)
        || ' times: a rule emits one row per resource'
 FROM rec_rule_out GROUP BY resource_id HAVING count(*) > 1 LIMIT 1)
