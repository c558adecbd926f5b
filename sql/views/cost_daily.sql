-- cost_daily: effective cost per day × provider × account × service × region × resource × model
-- × team × pricing category, with where each attribution came from. Reads the daily rollup.
SELECT
    r.day,
    strftime(r.day, '%Y-%m')                  AS month,
    r.ProviderName                            AS provider,
    r.BillingAccountId                        AS billing_account,
    r.SubAccountId                            AS account,
    r.SubAccountName                          AS account_name,
    r.ServiceCategory                         AS service_category,
    r.ServiceName                             AS service,
    r.RegionId                                AS region,
    r.ResourceId                              AS resource_id,
    r.ResourceName                            AS resource_name,
    r.x_instance_type                         AS instance_type,
    r.x_gpu_count                             AS gpu_count,
    coalesce(a.model, 'unattributed')         AS model,
    coalesce(a.team, 'unattributed')          AS team,
    a.env,
    r.ChargeCategory                          AS charge_category,
    r.PricingCategory                         AS pricing_category,
    r.BillingCurrency                         AS currency,
    coalesce(a.model_source, 'unattributed')  AS model_source,
    coalesce(a.team_source, 'unattributed')   AS team_source,
    sum(r.effective_cost)                     AS cost,
    sum(r.billed_cost)                        AS billed_cost,
    sum(r.list_cost)                          AS list_cost,
    sum(r.usage_hours)                        AS usage_hours
FROM cost_daily_rollup AS r
LEFT JOIN resource_attribution AS a USING (attr_key)
GROUP BY ALL
