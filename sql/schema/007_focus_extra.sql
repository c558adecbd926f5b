-- Non-FOCUS columns of FOCUS exports (x_ and provider extras), kept as a JSON object per row
-- instead of dropped.
ALTER TABLE focus_costs ADD COLUMN x_extra JSON;
