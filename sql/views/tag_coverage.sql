-- tag_coverage: per month and provider, the share of cost that has a model, a team and an env,
-- counting attribution by tags and by rules separately. Taxes and credits count as cost too.
-- Reads cost_daily_attributed (what cost_daily reads).
SELECT
    month,
    provider,
    currency,
    sum(cost)                                                           AS cost,
    sum(cost) FILTER (WHERE model <> 'unattributed')                    AS cost_with_model,
    sum(cost) FILTER (WHERE team <> 'unattributed')                     AS cost_with_team,
    sum(cost) FILTER (WHERE model_source = 'tag')                       AS cost_model_by_tag,
    sum(cost) FILTER (WHERE model_source LIKE 'rule:%')                 AS cost_model_by_rule,
    round(100 * coalesce(sum(abs(cost)) FILTER (WHERE model <> 'unattributed'), 0)
          / nullif(sum(abs(cost)), 0), 1)                               AS model_coverage_pct,
    round(100 * coalesce(sum(abs(cost)) FILTER (WHERE team <> 'unattributed'), 0)
          / nullif(sum(abs(cost)), 0), 1)                               AS team_coverage_pct
FROM cost_daily_attributed
GROUP BY ALL
ORDER BY month, provider
