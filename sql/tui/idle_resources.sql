-- GPU resources by what their idle hours cost over the date range. An hour is idle when even the
-- busiest GPU stayed under the idle line (tui_resource_hours.idle_hour); idle_cost_usd is what
-- those hours were billed. idle_gpu_cost_usd also counts partly idle hours, GPU by GPU.
-- last_busy_at is the last hour that was not idle; signals are the activity signals that decided.
WITH per AS (
    SELECT resource_id,
           any_value(host)                                            AS host,
           count(*) FILTER (WHERE cost_usd > 0)                       AS billed_hours,
           count(*) FILTER (WHERE observed_gpu_hours > 0)             AS observed_hours,
           count(*) FILTER (WHERE idle_hour)                          AS idle_hours,
           sum(cost_usd) FILTER (WHERE idle_hour)                     AS idle_cost_usd,
           sum(cost_usd * idle_gpu_hours / nullif(observed_gpu_hours, 0)) AS idle_gpu_cost_usd,
           sum(cost_usd)                                              AS cost_usd,
           max(hour) FILTER (WHERE NOT idle_hour)                     AS last_busy_at,
           max(util_max_pct)                                          AS util_max_pct,
           CASE WHEN min(signal_lo) = max(signal_hi) THEN min(signal_lo)
                ELSE min(signal_lo) || ',' || max(signal_hi) END          AS signals
    FROM tui_resource_hours
    WHERE host IS NOT NULL
    GROUP BY resource_id
)
SELECT p.resource_id,
       CASE WHEN p.resource_id LIKE 'host:%' THEN p.host || ' (no bill row)'
            ELSE coalesce(o.resource_name, p.host) END             AS resource_name,
       p.host,
       o.instance_type,
       o.model,
       o.team,
       p.billed_hours,
       p.observed_hours,
       p.idle_hours,
       100.0 * p.idle_hours / nullif(p.observed_hours, 0)         AS idle_pct,
       coalesce(p.idle_cost_usd, 0)                               AS idle_cost_usd,
       p.idle_gpu_cost_usd,
       p.cost_usd,
       p.last_busy_at,
       p.util_max_pct,
       p.signals
FROM per AS p
LEFT JOIN tui_resource_owner AS o USING (resource_id)
ORDER BY idle_cost_usd DESC, p.idle_gpu_cost_usd DESC NULLS LAST, p.resource_id
