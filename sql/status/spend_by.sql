-- Effective spend per period grouped by one dimension ($dim: service | model | team | account),
-- the figures `aifinops demo` and `status` print. Untagged spend is shown, not hidden.
SELECT
    x_billing_period AS period,
    CASE $dim
        WHEN 'service' THEN ServiceName
        WHEN 'model' THEN coalesce(x_model, 'unattributed')
        WHEN 'team' THEN coalesce(x_team, 'unattributed')
        ELSE coalesce(SubAccountName, SubAccountId, BillingAccountId)
    END AS name,
    round(sum(EffectiveCost), 2) AS effective_cost,
    round(sum(BilledCost), 2) AS billed_cost
FROM focus_costs
GROUP BY ALL
ORDER BY period, effective_cost DESC
