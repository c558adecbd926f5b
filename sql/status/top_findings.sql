-- What `aifinops demo` and the Markdown summary lead with: the idle GPUs of the last 7 days and
-- the open recommendations, most dollars first ($kind: idle | recs).
SELECT * FROM (
    SELECT 'idle' AS kind, coalesce(host, resource_name, resource_id) AS what,
           idle_hours || ' of ' || hours_billed || ' billed hours idle (' || model || ')' AS detail,
           idle_cost_month AS usd_per_month
    FROM idle_resources WHERE idle_hours > 0
    UNION ALL
    SELECT 'recs', id || ' ' || rule, title, monthly_saving_usd
    FROM recommendations WHERE status = 'open'
)
WHERE kind = $kind
ORDER BY usd_per_month DESC
LIMIT 8
