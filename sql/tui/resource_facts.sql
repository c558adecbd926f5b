-- One resource (tui_resource): how the bill names it and who it belongs to over all time, what
-- it cost in the date range, and which GPU host (if any) telemetry maps to it and how. One row
-- always, also for a host no bill row matches (tui_resource = 'host:<name>').
WITH bill AS (
    SELECT resource_id,
           arg_max(resource_name, cost)  AS resource_name,
           arg_max(provider, cost)       AS provider,
           arg_max(account, cost)        AS account,
           arg_max(account_name, cost)   AS account_name,
           arg_max(service, cost)        AS service,
           arg_max(region, cost)         AS region,
           max(instance_type)            AS instance_type,
           max(gpu_count)                AS gpu_count,
           arg_max(model, cost)          AS model,
           arg_max(model_source, cost)   AS model_source,
           arg_max(team, cost)           AS team,
           arg_max(team_source, cost)    AS team_source,
           arg_max(pricing_category, cost) AS pricing_category,
           min(day)                      AS first_day,
           max(day)                      AS last_day
    FROM cost_daily
    WHERE resource_id = getvariable('tui_resource')
    GROUP BY resource_id
), in_range AS (
    SELECT sum(cost) AS cost_usd FROM tui_cost WHERE resource_id = getvariable('tui_resource')
), host AS (
    SELECT any_value(host) AS host, any_value(matched_by) AS matched_by
    FROM tui_host_links
    WHERE coalesce(resource_id, 'host:' || host) = getvariable('tui_resource')
)
SELECT getvariable('tui_resource') AS resource_id, b.* EXCLUDE (resource_id), r.cost_usd,
       h.host, h.matched_by
FROM in_range AS r
CROSS JOIN host AS h
LEFT JOIN bill AS b ON true
