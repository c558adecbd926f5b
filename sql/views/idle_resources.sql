-- idle_resources: GPU resources over the last 7 days of data: hours billed, hours observed by
-- telemetry, idle hours (the busiest GPU under the idle threshold all hour), what those idle
-- hours cost, the last busy hour, the peak activity, which signals were available and what could
-- not be checked. idle_cost_month scales the window's idle cost to 30.4 days.
WITH as_of AS (
    SELECT max(hour) AS as_of FROM resource_hourly WHERE cost IS NOT NULL
), recent AS (
    SELECT h.*
    FROM resource_hourly AS h, as_of AS a
    WHERE h.hour > a.as_of - INTERVAL 7 DAY AND h.hour <= a.as_of
), owner AS (
    SELECT resource_id, arg_max(model, cost) AS model, arg_max(team, cost) AS team,
           arg_max(resource_name, cost) AS resource_name, arg_max(provider, cost) AS provider,
           arg_max(region, cost) AS region
    FROM cost_daily
    WHERE resource_id IS NOT NULL
    GROUP BY resource_id
)
SELECT
    w.resource_id,
    any_value(w.host)                                              AS host,
    any_value(o.resource_name)                                     AS resource_name,
    any_value(o.provider)                                          AS provider,
    any_value(o.region)                                            AS region,
    coalesce(any_value(o.model), 'unattributed')                   AS model,
    coalesce(any_value(o.team), 'unattributed')                    AS team,
    any_value(w.instance_type)                                     AS instance_type,
    max(w.gpu_count)                                               AS gpu_count,
    min(w.hour)                                                    AS window_start,
    max(w.hour)                                                    AS window_end,
    count(*) FILTER (WHERE w.cost IS NOT NULL)                     AS hours_billed,
    count(*) FILTER (WHERE w.is_idle IS NOT NULL)                  AS hours_observed,
    count(*) FILTER (WHERE w.is_idle)                              AS idle_hours,
    round(coalesce(sum(w.cost) FILTER (WHERE w.is_idle), 0), 2)    AS idle_cost,
    round(coalesce(sum(w.cost), 0), 2)                             AS cost,
    round(coalesce(sum(w.cost) FILTER (WHERE w.is_idle), 0) * 30.4 / 7, 2) AS idle_cost_month,
    max(w.hour) FILTER (WHERE NOT w.is_idle)                       AS last_busy_at,
    max(w.activity_max_pct)                                        AS max_util_pct,
    round(avg(w.activity_mean_pct), 1)                             AS mean_util_pct,
    string_agg(DISTINCT w.signal, ',')                             AS signals,
    CASE
        WHEN count(*) FILTER (WHERE w.is_idle IS NOT NULL) = 0 THEN 'no GPU telemetry for this resource'
        WHEN count(*) FILTER (WHERE w.cost IS NOT NULL AND w.is_idle IS NULL) > 0
            THEN count(*) FILTER (WHERE w.cost IS NOT NULL AND w.is_idle IS NULL)
                 || ' billed hour(s) without telemetry'
        WHEN count(*) FILTER (WHERE w.cost IS NULL) > 0
            THEN count(*) FILTER (WHERE w.cost IS NULL) || ' observed hour(s) with no bill row'
    END                                                            AS not_checked
FROM recent AS w
LEFT JOIN owner AS o USING (resource_id)
GROUP BY w.resource_id
ORDER BY idle_cost DESC
