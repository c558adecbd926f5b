-- demo_hours: every usage hour of every billing period, with the output file (`part`) it goes to.
-- Parts are contiguous runs of hours so each file of a period holds about the same rows.
WITH h AS (
    SELECT
        p.period,
        p.bill_start,
        p.bill_end,
        p.invoice_id,
        u.hour_start,
        row_number() OVER (PARTITION BY p.period ORDER BY u.hour_start) - 1 AS idx,
        count(*) OVER (PARTITION BY p.period) AS n
    FROM demo_periods AS p,
         unnest(generate_series(p.bill_start, p.data_end - INTERVAL 1 HOUR, INTERVAL 1 HOUR)) AS u(hour_start)
)
SELECT
    period,
    bill_start,
    bill_end,
    invoice_id,
    hour_start,
    hour_start + INTERVAL 1 HOUR AS hour_end,
    (idx * getvariable('parts') // n)::INTEGER AS part,
    strftime(hour_start, '%Y-%m-%dT%H:%M:%SZ') || '/'
        || strftime(hour_start + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M:%SZ') AS time_interval,
    (epoch(hour_start) // 3600)::BIGINT AS epoch_hour
FROM h
