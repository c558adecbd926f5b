-- Record a written report with the recommendations as they stood, for the next report's diff.
INSERT INTO report_runs (generated_at, period_label, period_start, period_end, as_of, cost,
                         formats, paths, recommendations)
SELECT $generated_at, $label, $start, $end, $as_of, $cost, $formats, $paths,
       CAST($recommendations AS JSON)
