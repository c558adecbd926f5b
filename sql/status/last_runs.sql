-- The latest sync and the latest report, for `aifinops status`.
SELECT 'sync' AS what, finished_at AS at,
       'exit ' || exit_code || ', ' || sources_ok || ' source(s) ok, ' || sources_failed
           || ' failed, ' || json_array_length(alerts) || ' alert(s)' AS detail
FROM (SELECT * FROM sync_runs ORDER BY run_id DESC LIMIT 1)
UNION ALL
SELECT 'report', generated_at,
       period_label || ' (' || array_to_string(formats, ', ') || ') in '
           || coalesce(parse_dirpath(paths[1]), '?')
FROM (SELECT * FROM report_runs ORDER BY run_id DESC LIMIT 1)
