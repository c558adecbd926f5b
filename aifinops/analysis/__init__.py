"""Attribution, rollups, recommendations and forecasts over the loaded data."""
