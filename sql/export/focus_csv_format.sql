-- CSV spelling of an export (relation `focus_export`): datetimes as FOCUS writes them,
-- YYYY-MM-DDTHH:mm:ssZ in UTC; everything else as it is.
SELECT * REPLACE (
    strftime(timezone('UTC', BillingPeriodEnd), '%Y-%m-%dT%H:%M:%SZ')   AS BillingPeriodEnd,
    strftime(timezone('UTC', BillingPeriodStart), '%Y-%m-%dT%H:%M:%SZ') AS BillingPeriodStart,
    strftime(timezone('UTC', ChargePeriodEnd), '%Y-%m-%dT%H:%M:%SZ')    AS ChargePeriodEnd,
    strftime(timezone('UTC', ChargePeriodStart), '%Y-%m-%dT%H:%M:%SZ')  AS ChargePeriodStart
)
FROM focus_export
