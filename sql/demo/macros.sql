-- Macros shared by the demo bill's SQL files.

-- Is host `resource_id` running (and billed) in the hour starting at `hour_start`?
-- off-hours-dev hosts run on weekdays 08:00-20:00 UTC; spot capacity is reclaimed now and then
-- (a few 3-hour blocks with no instance); every other host is billed around the clock, idle or not.
CREATE OR REPLACE TEMP MACRO demo_is_running(pattern, purchase, resource_id, hour_start, epoch_hour) AS
    (pattern <> 'off-hours-dev' OR (isodow(hour_start) <= 5 AND hour(hour_start) BETWEEN 8 AND 19))
    AND NOT (purchase = 'spot' AND hash(resource_id, epoch_hour // 3) % 64 = 0);

-- A number in [0, 1) that depends only on its arguments.
CREATE OR REPLACE TEMP MACRO demo_unit(a, b, c) AS (hash(a, b, c) % 1000003) / 1000003.0;
