-- The last day with usage or purchases: a report without --period covers that day's month.
SELECT max(day) FILTER (WHERE charge_category IN ('Usage', 'Purchase')) AS as_of,
       max(day)                                                         AS last_day
FROM cost_daily
