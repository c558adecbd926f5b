-- tui_scope / tui_cost: cost_daily narrowed to the app's global filters. Every screen query
-- reads these two temp views, so a filter means the same thing on every screen.
--   tui_scope: provider / account / team only (all days: month-to-date and "last month" need them)
--   tui_cost:  tui_scope within [tui_start, tui_end] (inclusive days)
-- Variables (NULL = no filter): tui_start, tui_end (DATE), tui_provider, tui_account, tui_team.
-- To run a screen's query in the DuckDB CLI: SET VARIABLE tui_start = DATE '2026-11-01'; … then
-- run this file, then the query.
CREATE OR REPLACE TEMP VIEW tui_scope AS
SELECT *
FROM cost_daily
WHERE (getvariable('tui_provider') IS NULL OR provider = getvariable('tui_provider'))
  AND (getvariable('tui_account') IS NULL OR account = getvariable('tui_account'))
  AND (getvariable('tui_team') IS NULL OR team = getvariable('tui_team'));

CREATE OR REPLACE TEMP VIEW tui_cost AS
SELECT *
FROM tui_scope
WHERE day BETWEEN getvariable('tui_start') AND getvariable('tui_end');
