-- What one load brought, per (source key, billing period): the reconciliation figures.
SELECT
    x_source_key,
    x_billing_period,
    count(*)                        AS rows,
    coalesce(sum(BilledCost), 0)    AS billed_cost,
    coalesce(sum(EffectiveCost), 0) AS effective_cost,
    list(DISTINCT BillingCurrency)  AS currencies
FROM focus_costs
WHERE x_load_id = $load_id
GROUP BY ALL
ORDER BY 1, 2
