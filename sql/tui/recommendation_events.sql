-- One recommendation's history (tui_rec_id): every change of state, and what each apply or dry
-- run sent and got back, oldest first.
SELECT changed_at, actor, 'status' AS kind,
       coalesce(from_status, 'new') || ' → ' || to_status AS what, reason AS detail
FROM recommendation_events
WHERE rec_id = getvariable('tui_rec_id')
UNION ALL
SELECT acted_at, actor, mode, outcome, coalesce(error, '')
FROM recommendation_actions
WHERE rec_id = getvariable('tui_rec_id')
ORDER BY changed_at
