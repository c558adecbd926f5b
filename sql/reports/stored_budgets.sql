-- The budgets the last recommendation run loaded from its config ([budgets] in aifinops.toml).
SELECT dimension, name, monthly_usd FROM recommendation_budgets ORDER BY dimension, name
