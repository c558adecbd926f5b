-- demo_days: every usage day of every billing period; a day goes to the file of its first hour.
SELECT
    period,
    bill_start,
    bill_end,
    invoice_id,
    hour_start AS day_start,
    hour_start + INTERVAL 1 DAY AS day_end,
    part,
    strftime(hour_start, '%Y-%m-%dT%H:%M:%SZ') || '/'
        || strftime(hour_start + INTERVAL 1 DAY, '%Y-%m-%dT%H:%M:%SZ') AS time_interval,
    (epoch(hour_start) // 86400)::BIGINT AS epoch_day,
    datediff('day', date_trunc('month', hour_start), date_trunc('month', hour_start) + INTERVAL 1 MONTH)
        AS days_in_month,
    datediff('day', getvariable('world_start'), hour_start) AS world_day
FROM demo_hours
WHERE hour(hour_start) = 0
