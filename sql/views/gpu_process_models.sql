-- gpu_process_models: the processes seen on each GPU each hour, with the model their command
-- line names (first matching row of process_model_patterns; NULL when none matches).
SELECT
    p.host,
    p.hour,
    p.gpu_uuid,
    p.pid,
    p.process_name,
    p.command_line,
    p.k8s_namespace,
    p.k8s_pod,
    p.samples,
    p.used_mem_mean_mib,
    (SELECT nullif(regexp_extract(coalesce(p.command_line, p.process_name, ''), m.pattern, 1), '')
     FROM process_model_patterns AS m
     WHERE regexp_matches(coalesce(p.command_line, p.process_name, ''), m.pattern)
     ORDER BY m.pattern_order
     LIMIT 1) AS model
FROM gpu_process_hourly AS p
