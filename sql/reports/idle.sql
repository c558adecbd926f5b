-- Idle waste in the period, per GPU resource, from resource_daily_rollup (the report covers whole
-- days, so a row per resource-day, not 24): hours billed, hours observed by telemetry, idle hours
-- (every GPU under the idle threshold all hour, as resource_hourly says), what those hours cost,
-- the peak activity and the last busy hour. Owner from cost_daily (largest cost).
WITH per_resource AS (
    SELECT
        resource_id,
        any_value(host)                                         AS host,
        any_value(instance_type)                                AS instance_type,
        sum(hours_billed)                                       AS hours_billed,
        sum(hours_observed)                                     AS hours_observed,
        sum(idle_hours)                                         AS idle_hours,
        coalesce(sum(idle_cost), 0)                             AS idle_cost,
        coalesce(sum(cost), 0)                                  AS cost,
        max(activity_max_pct)                                   AS max_util_pct,
        max(last_busy_at)                                       AS last_busy_at
    FROM resource_daily_rollup
    WHERE day >= $start AND day < $end
    GROUP BY resource_id
), owner AS (
    SELECT resource_id, arg_max(model, cost) AS model, arg_max(team, cost) AS team,
           arg_max(resource_name, cost) AS resource_name
    FROM (
        SELECT resource_id, model, team, resource_name, sum(cost) AS cost
        FROM cost_daily
        WHERE day >= $start AND day < $end
          AND resource_id IN (SELECT resource_id FROM per_resource)
        GROUP BY ALL
    )
    GROUP BY resource_id
)
SELECT
    p.resource_id,
    coalesce(p.host, o.resource_name)                           AS name,
    coalesce(o.model, 'unattributed')                           AS model,
    coalesce(o.team, 'unattributed')                            AS team,
    p.instance_type,
    p.hours_billed,
    p.hours_observed,
    p.idle_hours,
    round(p.idle_cost, 2)                                       AS idle_cost,
    round(p.cost, 2)                                            AS cost,
    round(100 * p.idle_cost / nullif(p.cost, 0), 1)             AS idle_share_pct,
    p.max_util_pct,
    p.last_busy_at
FROM per_resource AS p
LEFT JOIN owner AS o USING (resource_id)
WHERE p.idle_hours > 0
ORDER BY p.idle_cost DESC, p.resource_id
