-- Rebuild resource_daily_rollup for one batch of touched (resource key, day)s (refresh_batch)
-- from resource_hourly_rollup:
-- counts, sums and maxima per resource, host and day, so a list over whole days (the app's idle
-- screen, idle_resources' full days) adds up a row per day instead of 24.
DELETE FROM resource_daily_rollup AS r
USING refresh_batch AS t
WHERE coalesce(r.resource_id, 'host:' || r.host) = t.rkey AND r.day = t.day;

INSERT INTO resource_daily_rollup BY NAME
SELECT
    h.day,
    h.resource_id,
    h.host,
    any_value(h.instance_type)                                            AS instance_type,
    max(h.gpu_count)                                                      AS gpu_count,
    min(h.hour)                                                           AS first_hour,
    max(h.hour)                                                           AS last_hour,
    count(*)                                                              AS hours,
    count(h.cost)                                                         AS hours_billed,
    count(*) FILTER (WHERE h.cost > 0)                                    AS hours_billed_paid,
    count(h.is_idle)                                                      AS hours_observed,
    count(*) FILTER (WHERE h.cost IS NOT NULL AND h.is_idle IS NULL)      AS hours_unobserved,
    count(*) FILTER (WHERE h.cost IS NULL)                                AS hours_unbilled,
    count(*) FILTER (WHERE h.observed_gpu_hours > 0)                      AS hours_gpu_observed,
    count(*) FILTER (WHERE h.is_idle)                                     AS idle_hours,
    sum(h.cost)                                                           AS cost,
    sum(h.cost) FILTER (WHERE h.is_idle)                                  AS idle_cost,
    sum(h.cost * h.idle_gpu_hours / nullif(h.observed_gpu_hours, 0))      AS idle_gpu_cost,
    sum(h.cost) FILTER (WHERE h.observed_gpu_hours > 0)                   AS observed_cost,
    sum(h.observed_gpu_hours)                                             AS observed_gpu_hours,
    sum(h.idle_gpu_hours)                                                 AS idle_gpu_hours,
    sum(h.activity_weighted_pct * h.observed_gpu_hours)                   AS activity_weighted,
    sum(h.activity_mean_pct)                                              AS activity_mean_sum,
    count(h.activity_mean_pct)                                            AS activity_mean_n,
    max(h.activity_max_pct)                                               AS activity_max_pct,
    max(h.hour) FILTER (WHERE NOT h.is_idle)                              AS last_busy_at,
    list(DISTINCT h.signal) FILTER (WHERE h.signal IS NOT NULL)           AS signals,
    min(h.signal_lo)                                                      AS signal_lo,
    max(h.signal_hi)                                                      AS signal_hi
FROM resource_hourly_rollup AS h
SEMI JOIN refresh_batch AS t
  ON t.rkey = coalesce(h.resource_id, 'host:' || h.host) AND t.day = h.day
GROUP BY h.day, h.resource_id, h.host;
