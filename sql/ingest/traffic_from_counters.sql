-- Hourly increases of request/token counters per model, a reset (value going down) counting the
-- new value as the increase. Replaces the prometheus-derived rows of the given models.
INSERT OR REPLACE INTO model_traffic BY NAME
WITH deltas AS (
    SELECT
        date_trunc('hour', ts) AS hour,
        model,
        metric,
        CASE WHEN value >= lag(value) OVER w THEN value - lag(value) OVER w
             WHEN lag(value) OVER w IS NULL THEN 0
             ELSE value END AS increase
    FROM traffic_counters
    WHERE list_contains($models, model)
    WINDOW w AS (PARTITION BY model, metric ORDER BY ts)
)
SELECT
    hour,
    model,
    sum(increase) FILTER (WHERE metric = 'requests')      AS requests,
    sum(increase) FILTER (WHERE metric = 'input_tokens')  AS input_tokens,
    sum(increase) FILTER (WHERE metric = 'output_tokens') AS output_tokens,
    'prometheus' AS source,
    $load_id AS load_id
FROM deltas
GROUP BY ALL
