-- budget_overrun: a team or model whose month-end forecast exceeds its budget from [budgets] in
-- aifinops.toml → cut or re-plan before the month closes.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   budget_tolerance = 0.0      fire when forecast > budget × (1 + tolerance)
-- Budgets: [budgets.team] and [budgets.model], name = monthly USD (table recommendation_budgets,
-- reloaded from the config at every run). Forecast: the spend_forecast view (month to date +
-- mean daily usage and commitment cost of the last 7 days × days left), for the latest month.
-- "Saving" = forecast − budget: what has to be cut this month to land on budget.
-- Confidence 0.7: a run-rate forecast; launches and one-off jobs move it.
SELECT
    'budget_overrun' AS rule,
    'budget:' || b.dimension || ':' || b.name AS resource_id,
    CAST(NULL AS VARCHAR) AS provider,
    CASE WHEN b.dimension = 'model' THEN b.name END AS model,
    CASE WHEN b.dimension = 'team' THEN b.name END AS team,
    printf('%s %s will spend %.0f USD in %s against a budget of %.0f (+%.0f%%)',
           b.dimension, b.name, f.forecast, f.month, b.monthly_usd,
           100 * (f.forecast / b.monthly_usd - 1)) AS title,
    json_object(
        'dimension', b.dimension,
        'name', b.name,
        'month', f.month,
        'as_of', f.as_of,
        'budget_usd', b.monthly_usd,
        'month_to_date_usd', f.month_to_date,
        'run_rate_usd_per_day', f.run_rate_per_day,
        'days_left', f.days_left,
        'forecast_usd', f.forecast,
        'overrun_usd', round(f.forecast - b.monthly_usd, 2),
        'method', f.method
    ) AS evidence,
    f.forecast - b.monthly_usd AS monthly_saving_usd,
    0.7 AS confidence,
    'budget_overrun' AS action_kind,
    json_object('dimension', b.dimension, 'name', b.name, 'budget_usd', b.monthly_usd,
                'forecast_usd', f.forecast) AS action_params,
    ['month_to_date_cost', 'seven_day_run_rate', 'configured_budget'] AS signals_used,
    ['planned_spend'] AS signals_missing
FROM recommendation_budgets AS b
JOIN spend_forecast AS f ON f.dimension = b.dimension AND f.name = b.name
WHERE f.forecast > b.monthly_usd * (1 + getvariable('rec_budget_tolerance'))
