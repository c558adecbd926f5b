-- demo_sp_coverage: how much of each Savings Plan host's running hour the plan covers.
-- The plan covers eligible usage hour by hour in a fixed order (clone, then name) until the
-- hourly commitment getvariable('sp_commitment') is spent; the rest of the hour is on demand.
-- `covered` is rounded down to 1e-6 so an hour never uses more than the commitment.
WITH sp AS (
    SELECT r.resource_id, r.clone, r.name, h.period, h.part, h.hour_start,
           r.od_rate * (1 - getvariable('sp_discount')) AS sp_hour_cost
    FROM demo_resources AS r
    CROSS JOIN demo_hours AS h
    WHERE r.kind = 'ec2' AND r.purchase = 'savings-plan'
      AND demo_is_running(r.pattern, r.purchase, r.resource_id, h.hour_start, h.epoch_hour)
),
before AS (
    SELECT sp.*,
           coalesce(sum(sp_hour_cost) OVER (
               PARTITION BY hour_start ORDER BY clone, name
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS sp_before
    FROM sp
)
SELECT resource_id, period, part, hour_start, sp_hour_cost,
       floor(greatest(0.0, least(1.0, (getvariable('sp_commitment') - sp_before) / sp_hour_cost))
             * 1e6) / 1e6 AS covered
FROM before
