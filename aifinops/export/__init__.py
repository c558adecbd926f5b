"""Files written from the database for other tools: FOCUS 1.2 CostAndUsage (and its checks)."""
