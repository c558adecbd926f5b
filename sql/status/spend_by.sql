-- Effective spend per month grouped by one dimension ($dim: service | model | team | account),
-- as attributed by tags and rules (the cost_daily view): what `aifinops demo` prints.
-- Unattributed spend is shown, not hidden.
SELECT
    month AS period,
    CASE $dim
        WHEN 'service' THEN service
        WHEN 'model' THEN model
        WHEN 'team' THEN team
        ELSE coalesce(account_name, account, billing_account)
    END AS name,
    round(sum(cost), 2) AS effective_cost,
    round(sum(billed_cost), 2) AS billed_cost
FROM cost_daily
GROUP BY ALL
ORDER BY period, effective_cost DESC
