-- idle_resources: GPU resources over the last 7 days of data: hours billed, hours observed by
-- telemetry, idle hours (the busiest GPU under the idle threshold all hour), what those idle
-- hours cost, the last busy hour, the peak activity, which signals were available and what could
-- not be checked. idle_cost_month scales the window's idle cost to 30.4 days.
-- The window is resource_hourly's last 168 hours: whole UTC days come from
-- resource_daily_rollup (a row per resource-day), a partial first or last day from
-- resource_hourly_rollup; both are sums and counts, so they add up to the hourly answer.
WITH frame AS (
    SELECT as_of,
           as_of - INTERVAL 7 DAY                                           AS lo,
           CAST(timezone('UTC', as_of - INTERVAL 7 DAY) AS DATE) + 1        AS first_full,
           CASE WHEN hour(timezone('UTC', as_of)) = 23 THEN CAST(timezone('UTC', as_of) AS DATE)
                ELSE CAST(timezone('UTC', as_of) AS DATE) - 1 END           AS last_full
    FROM (SELECT max(hour) AS as_of FROM cost_hourly_rollup)
), parts AS (
    SELECT d.resource_id, d.host, d.instance_type, d.gpu_count, d.first_hour, d.last_hour,
           d.hours_billed, d.hours_observed, d.hours_unobserved, d.hours_unbilled, d.idle_hours,
           d.idle_cost, d.cost, d.last_busy_at, d.activity_max_pct, d.activity_mean_sum,
           d.activity_mean_n, d.signals
    FROM resource_daily_rollup AS d, frame AS f
    WHERE d.resource_id IS NOT NULL AND d.day BETWEEN f.first_full AND f.last_full
    UNION ALL
    SELECT h.resource_id, h.host, h.instance_type, h.gpu_count, h.hour, h.hour,
           CAST(h.cost IS NOT NULL AS BIGINT), CAST(h.is_idle IS NOT NULL AS BIGINT),
           CAST(h.cost IS NOT NULL AND h.is_idle IS NULL AS BIGINT), CAST(h.cost IS NULL AS BIGINT),
           CAST(coalesce(h.is_idle, false) AS BIGINT),
           CASE WHEN h.is_idle THEN h.cost END, h.cost,
           CASE WHEN NOT h.is_idle THEN h.hour END, h.activity_max_pct, h.activity_mean_pct,
           CAST(h.activity_mean_pct IS NOT NULL AS BIGINT),
           CASE WHEN h.signal IS NOT NULL THEN [h.signal] END
    FROM resource_hourly_rollup AS h, frame AS f
    WHERE h.resource_id IS NOT NULL AND h.hour > f.lo AND h.hour <= f.as_of
      AND (h.day < f.first_full OR h.day > f.last_full)
), per AS (
    SELECT resource_id,
           any_value(host)                                  AS host,
           any_value(instance_type)                         AS instance_type,
           max(gpu_count)                                   AS gpu_count,
           min(first_hour)                                  AS window_start,
           max(last_hour)                                   AS window_end,
           CAST(sum(hours_billed) AS BIGINT)                AS hours_billed,
           CAST(sum(hours_observed) AS BIGINT)              AS hours_observed,
           CAST(sum(hours_unobserved) AS BIGINT)            AS hours_unobserved,
           CAST(sum(hours_unbilled) AS BIGINT)              AS hours_unbilled,
           CAST(sum(idle_hours) AS BIGINT)                  AS idle_hours,
           coalesce(sum(idle_cost), 0)                      AS idle_cost,
           coalesce(sum(cost), 0)                           AS cost,
           max(last_busy_at)                                AS last_busy_at,
           max(activity_max_pct)                            AS max_util_pct,
           sum(activity_mean_sum) / nullif(sum(activity_mean_n), 0) AS mean_util_pct,
           array_to_string(list_sort(list_distinct(flatten(list(signals)))), ',') AS signals
    FROM parts
    GROUP BY resource_id
), owner AS (
    SELECT c.resource_id,
           arg_max(c.model, c.cost) AS model, arg_max(c.team, c.cost) AS team,
           arg_max(c.resource_name, c.cost) AS resource_name,
           arg_max(c.provider, c.cost) AS provider,
           arg_max(c.region, c.cost) AS region
    FROM cost_daily_attributed AS c, frame AS f
    WHERE c.resource_id IN (SELECT resource_id FROM per)
      AND c.day > CAST(timezone('UTC', f.as_of) AS DATE) - 7
    GROUP BY c.resource_id
)
SELECT
    p.resource_id,
    p.host,
    o.resource_name,
    o.provider,
    o.region,
    coalesce(o.model, 'unattributed')                              AS model,
    coalesce(o.team, 'unattributed')                               AS team,
    p.instance_type,
    p.gpu_count,
    p.window_start,
    p.window_end,
    p.hours_billed,
    p.hours_observed,
    p.idle_hours,
    round(p.idle_cost, 2)                                          AS idle_cost,
    round(p.cost, 2)                                               AS cost,
    round(p.idle_cost * 30.4 / 7, 2)                               AS idle_cost_month,
    p.last_busy_at,
    p.max_util_pct,
    round(p.mean_util_pct, 1)                                      AS mean_util_pct,
    nullif(p.signals, '')                                          AS signals,
    CASE
        WHEN p.hours_observed = 0 THEN 'no GPU telemetry for this resource'
        WHEN p.hours_unobserved > 0 THEN p.hours_unobserved || ' billed hour(s) without telemetry'
        WHEN p.hours_unbilled > 0 THEN p.hours_unbilled || ' observed hour(s) with no bill row'
    END                                                            AS not_checked
FROM per AS p
LEFT JOIN owner AS o USING (resource_id)
ORDER BY idle_cost DESC
