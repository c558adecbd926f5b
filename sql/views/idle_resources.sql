-- idle_resources: GPU resources over the last 7 days of data: hours billed, hours observed by
-- telemetry, idle hours (the busiest GPU under the idle threshold all hour), what those idle
-- hours cost, the last busy hour, the peak activity, which signals were available and what could
-- not be checked. idle_cost_month scales the window's idle cost to 30.4 days.
-- (The same join as resource_hourly, with the 7-day window applied to each side first.)
WITH as_of AS (
    SELECT max(hour) AS as_of FROM cost_hourly_rollup
), cost AS (
    SELECT c.hour, c.ResourceId AS resource_id, c.x_instance_type AS instance_type,
           c.x_gpu_count AS gpu_count, c.effective_cost AS cost
    FROM cost_hourly_rollup AS c, as_of AS a
    WHERE c.hour > a.as_of - INTERVAL 7 DAY AND c.hour <= a.as_of
), gpu AS (
    SELECT r.resource_id, g.host, g.hour,
           avg(g.activity_mean_pct) AS activity_mean_pct,
           max(g.activity_max_pct) AS activity_max_pct,
           max(g.idle_util_pct) AS idle_util_pct,
           string_agg(DISTINCT g.activity_signal, ',') AS signal
    FROM gpu_hourly AS g
    JOIN gpu_host_links AS r USING (host), as_of AS a
    WHERE r.resource_id IS NOT NULL AND g.hour > a.as_of - INTERVAL 7 DAY AND g.hour <= a.as_of
    GROUP BY ALL
), recent AS (
    SELECT coalesce(c.hour, g.hour) AS hour, coalesce(c.resource_id, g.resource_id) AS resource_id,
           g.host, c.instance_type, c.gpu_count, c.cost, g.activity_mean_pct, g.activity_max_pct,
           g.signal,
           CASE WHEN g.activity_max_pct IS NULL THEN NULL
                ELSE g.activity_max_pct < g.idle_util_pct END AS is_idle
    FROM cost AS c
    FULL OUTER JOIN gpu AS g ON g.resource_id = c.resource_id AND g.hour = c.hour
), owner AS (
    SELECT r.ResourceId AS resource_id,
           arg_max(a.model, r.effective_cost) AS model, arg_max(a.team, r.effective_cost) AS team,
           arg_max(r.ResourceName, r.effective_cost) AS resource_name,
           arg_max(r.ProviderName, r.effective_cost) AS provider,
           arg_max(r.RegionId, r.effective_cost) AS region
    FROM cost_daily_rollup AS r
    LEFT JOIN resource_attribution AS a USING (attr_key), as_of AS o
    WHERE r.ResourceId IN (SELECT resource_id FROM recent) AND r.day > CAST(o.as_of AS DATE) - 7
    GROUP BY r.ResourceId
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
