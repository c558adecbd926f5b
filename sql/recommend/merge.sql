-- Merge one engine run's candidates with the stored recommendations, writing an event for every
-- change of state. Runs inside the engine's transaction after ids are assigned.
-- Inputs: temp tables rec_candidates (with id) and rec_rules_ok (rules that ran without error;
-- recommendations of a rule that failed this run are left exactly as they were), and variables
-- rec_now, rec_today, rec_run_id, rec_actor, rec_regrow_factor.
--
-- State rules (DESIGN: "Recommendations are rows with a life"):
--   new candidate                                   → open
--   resolved, and a candidate again                 → open
--   snoozed, its date has come, still a candidate   → open
--   dismissed, saving now > saving when dismissed × rec_regrow_factor → open
--   open / accepted / failed / snoozed, and no longer a candidate     → resolved
--   applied and dismissed stay as they are whether or not the rule still emits them.

CREATE OR REPLACE TEMP TABLE rec_transitions AS
SELECT r.id,
       r.status AS from_status,
       CASE WHEN c.id IS NULL THEN 'resolved' ELSE 'open' END AS to_status,
       CASE WHEN c.id IS NULL THEN 'no longer a candidate'
            WHEN r.status = 'resolved' THEN 'a candidate again'
            WHEN r.status = 'snoozed' THEN 'snoozed until ' || strftime(r.snoozed_until, '%Y-%m-%d')
                                           || ', which has come'
            ELSE printf('saving grew from %.2f to %.2f USD/month (more than %g× the saving when dismissed)',
                        r.dismissed_saving_usd, c.monthly_saving_usd, getvariable('rec_regrow_factor'))
       END AS reason
FROM recommendations AS r
LEFT JOIN rec_candidates AS c USING (id)
WHERE (c.id IS NULL AND r.status IN ('open', 'accepted', 'failed', 'snoozed')
       AND r.rule IN (SELECT rule FROM rec_rules_ok))
   OR (c.id IS NOT NULL AND r.status = 'resolved')
   OR (c.id IS NOT NULL AND r.status = 'snoozed' AND r.snoozed_until <= getvariable('rec_today'))
   OR (c.id IS NOT NULL AND r.status = 'dismissed'
       AND c.monthly_saving_usd > coalesce(r.dismissed_saving_usd, 0) * getvariable('rec_regrow_factor'));

INSERT INTO recommendation_events (rec_id, changed_at, actor, from_status, to_status, reason, run_id)
SELECT id, getvariable('rec_now'), getvariable('rec_actor'), from_status, to_status, reason,
       getvariable('rec_run_id')
FROM rec_transitions
UNION ALL
SELECT c.id, getvariable('rec_now'), getvariable('rec_actor'), NULL, 'open', 'new candidate',
       getvariable('rec_run_id')
FROM rec_candidates AS c
ANTI JOIN recommendations AS r USING (id);

UPDATE recommendations AS r
SET provider = c.provider, model = c.model, team = c.team, title = c.title, evidence = c.evidence,
    monthly_saving_usd = c.monthly_saving_usd, confidence = c.confidence,
    action_kind = c.action_kind, action_params = c.action_params,
    signals_used = c.signals_used, signals_missing = c.signals_missing,
    present = true, last_seen_at = getvariable('rec_now')
FROM rec_candidates AS c
WHERE r.id = c.id;

UPDATE recommendations
SET present = false
WHERE present
  AND rule IN (SELECT rule FROM rec_rules_ok)
  AND id NOT IN (SELECT id FROM rec_candidates);

UPDATE recommendations AS r
SET status = t.to_status, status_reason = t.reason, snoozed_until = NULL,
    dismissed_saving_usd = NULL, updated_at = getvariable('rec_now')
FROM rec_transitions AS t
WHERE r.id = t.id;

INSERT INTO recommendations BY NAME
SELECT c.*, 'open' AS status, 'new candidate' AS status_reason,
       NULL::DATE AS snoozed_until, NULL::DOUBLE AS dismissed_saving_usd, true AS present,
       getvariable('rec_now') AS first_seen_at, getvariable('rec_now') AS last_seen_at,
       getvariable('rec_now') AS updated_at
FROM rec_candidates AS c
ANTI JOIN recommendations AS r USING (id);
