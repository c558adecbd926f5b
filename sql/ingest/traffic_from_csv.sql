-- Hourly traffic from a CSV with hour (or timestamp), model and any of requests, input_tokens,
-- output_tokens; several rows in one hour add up. The relation `traffic_csv` is the file.
INSERT OR REPLACE INTO model_traffic BY NAME
SELECT
    date_trunc('hour', CAST(ts AS TIMESTAMPTZ)) AS hour,
    model,
    sum(CAST(requests AS DOUBLE))      AS requests,
    sum(CAST(input_tokens AS DOUBLE))  AS input_tokens,
    sum(CAST(output_tokens AS DOUBLE)) AS output_tokens,
    'csv' AS source,
    $load_id AS load_id
FROM traffic_csv
GROUP BY ALL
