-- Recommendations for the recommendations screen, biggest saving first. Filters (NULL = all):
-- tui_rec_statuses (VARCHAR[]), tui_rec_rule, tui_team (the global team filter, or the screen's),
-- tui_provider (FOCUS ProviderName, matched to the rule's aws | gcp | azure), tui_resource,
-- tui_account: a recommendation belongs to an account when its resource was billed there, or
-- when it names the account (commitments: provider:account:plan); budgets belong to none.
SELECT r.id,
       r.status,
       r.title,
       r.rule,
       r.action_kind,
       r.resource_id,
       r.provider,
       r.model,
       r.team,
       r.monthly_saving_usd,
       r.confidence,
       r.snoozed_until,
       r.status_reason,
       r.updated_at
FROM recommendations AS r
WHERE (getvariable('tui_rec_statuses') IS NULL
       OR list_contains(getvariable('tui_rec_statuses'), r.status))
  AND (getvariable('tui_rec_rule') IS NULL OR r.rule = getvariable('tui_rec_rule'))
  AND (getvariable('tui_team') IS NULL OR r.team = getvariable('tui_team'))
  AND (getvariable('tui_resource') IS NULL OR r.resource_id = getvariable('tui_resource'))
  AND (getvariable('tui_account') IS NULL
       OR r.resource_id LIKE '%:' || getvariable('tui_account') || ':%'
       OR r.resource_id IN (SELECT resource_id FROM cost_daily
                            WHERE account = getvariable('tui_account')
                               OR billing_account = getvariable('tui_account')))
  AND (getvariable('tui_provider') IS NULL
       OR r.provider IS NULL
       OR CASE WHEN lower(getvariable('tui_provider')) LIKE '%google%' THEN 'gcp'
               WHEN lower(getvariable('tui_provider')) LIKE '%microsoft%'
                 OR lower(getvariable('tui_provider')) LIKE '%azure%' THEN 'azure'
               WHEN lower(getvariable('tui_provider')) LIKE '%aws%'
                 OR lower(getvariable('tui_provider')) LIKE '%amazon%' THEN 'aws'
               ELSE lower(getvariable('tui_provider')) END = r.provider)
ORDER BY r.monthly_saving_usd DESC, r.id
