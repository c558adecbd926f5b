-- The latest recorded report: when, for which period, and its recommendations snapshot.
SELECT run_id, generated_at, period_label, cost, recommendations
FROM report_runs
ORDER BY generated_at DESC, run_id DESC
LIMIT 1
