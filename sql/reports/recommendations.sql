-- Recommendations for the report: every one the latest rules run still emits (whatever its
-- status) and every one a person acted on (accepted, applied, failed), open ones first, then by
-- saving. Resolved ones the rules no longer emit are left out (the changes section names them).
SELECT
    id,
    rule,
    status,
    title,
    resource_id,
    model,
    team,
    round(monthly_saving_usd, 2)                        AS monthly_saving_usd,
    round(confidence, 2)                                AS confidence,
    action_kind,
    snoozed_until,
    status_reason,
    first_seen_at,
    updated_at
FROM recommendations
WHERE present OR status IN ('accepted', 'applied', 'failed')
ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'accepted' THEN 1 WHEN 'failed' THEN 2
                     WHEN 'applied' THEN 3 WHEN 'snoozed' THEN 4 ELSE 5 END,
         monthly_saving_usd DESC, id
