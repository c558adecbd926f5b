-- Rebuild cost_daily_attributed (what the cost_daily view reads) for the changed days and the
-- resources whose attribution changed (refresh_cost_keys): the rollup joined to attribution and
-- grouped to cost_daily's key, so no query joins or regroups at read time.
CREATE OR REPLACE TEMP TABLE refresh_any_null_resource AS
SELECT count(*) > 0 AS yes FROM refresh_attr_resources WHERE resource_id IS NULL;

DELETE FROM cost_daily_attributed
WHERE day IN (SELECT day FROM refresh_days)
   OR resource_id IN (SELECT resource_id FROM refresh_attr_resources)
   OR (resource_id IS NULL AND (SELECT yes FROM refresh_any_null_resource));

INSERT INTO cost_daily_attributed BY NAME
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
WHERE r.day IN (SELECT day FROM refresh_days)
   OR r.ResourceId IN (SELECT resource_id FROM refresh_attr_resources)
   OR (r.ResourceId IS NULL AND (SELECT yes FROM refresh_any_null_resource))
GROUP BY ALL;
