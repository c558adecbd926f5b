-- cost_daily: effective cost per day × provider × account × service × region × resource × model
-- × team × pricing category, with where each attribution came from. Reads cost_daily_attributed,
-- which refresh keeps (the daily rollup with attribution applied, rebuilt only where it changed).
SELECT day, month, provider, billing_account, account, account_name, service_category, service,
       region, resource_id, resource_name, instance_type, gpu_count, model, team, env,
       charge_category, pricing_category, currency, model_source, team_source,
       cost, billed_cost, list_cost, usage_hours
FROM cost_daily_attributed
