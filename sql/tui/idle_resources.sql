-- GPU resources by what their idle hours cost over the date range. An hour is idle when even the
-- busiest GPU stayed under the idle line (resource_hourly's is_idle); idle_cost_usd is what
-- those hours were billed. idle_gpu_cost_usd also counts partly idle hours, GPU by GPU.
-- last_busy_at is the last hour that was not idle; signals are the activity signals that decided.
-- Reads resource_daily_rollup (a row per resource, host and day: the range is whole days), only
-- the rows with telemetry (host set). `--@narrowed ` lines apply a provider, account or team
-- filter (the resources in tui_cost) when the app enables them.
WITH per AS (
    SELECT coalesce(resource_id, 'host:' || host)                    AS resource_id,
           any_value(host)                                            AS host,
           sum(hours_billed_paid)                                     AS billed_hours,
           sum(hours_gpu_observed)                                    AS observed_hours,
           sum(idle_hours)                                            AS idle_hours,
           sum(idle_cost)                                             AS idle_cost_usd,
           sum(idle_gpu_cost)                                         AS idle_gpu_cost_usd,
           coalesce(sum(cost), 0)                                     AS cost_usd,
           max(last_busy_at)                                          AS last_busy_at,
           max(activity_max_pct)                                      AS util_max_pct,
           CASE WHEN min(signal_lo) = max(signal_hi) THEN min(signal_lo)
                ELSE min(signal_lo) || ',' || max(signal_hi) END          AS signals
    FROM resource_daily_rollup
    WHERE host IS NOT NULL AND day BETWEEN getvariable('tui_start') AND getvariable('tui_end')
--@narrowed AND coalesce(resource_id, 'host:' || host) IN (SELECT DISTINCT resource_id FROM tui_cost)
    GROUP BY 1
)
SELECT p.resource_id,
       CASE WHEN p.resource_id LIKE 'host:%' THEN p.host || ' (no bill row)'
            ELSE coalesce(o.resource_name, p.host) END             AS resource_name,
       p.host,
       o.instance_type,
       o.model,
       o.team,
       CAST(p.billed_hours AS BIGINT)                             AS billed_hours,
       CAST(p.observed_hours AS BIGINT)                           AS observed_hours,
       CAST(p.idle_hours AS BIGINT)                               AS idle_hours,
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
