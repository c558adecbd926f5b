-- Staging for the small sources (DCGM scrapes, sampler spool files): rows are written to these
-- temp tables by the source, and the views hand them to the shared merge (gpu_summary.sql,
-- gpu_samples_insert.sql, gpu_processes_skip.sql). rn is the row's order in the input.
CREATE OR REPLACE TEMP TABLE gpu_stage (
    rn BIGINT, ts TIMESTAMPTZ, host VARCHAR, gpu_uuid VARCHAR, gpu_index SMALLINT,
    gpu_name VARCHAR, pci_bus_id VARCHAR, util_pct DOUBLE, mem_util_pct DOUBLE,
    mem_used_mib DOUBLE, mem_total_mib DOUBLE, power_w DOUBLE, power_limit_w DOUBLE,
    temp_c DOUBLE, sm_clock_mhz DOUBLE, gr_engine_active DOUBLE, sm_active DOUBLE,
    interval_s DOUBLE
);

CREATE OR REPLACE TEMP TABLE gpu_proc_stage (
    rn BIGINT, ts TIMESTAMPTZ, host VARCHAR, gpu_uuid VARCHAR, pid BIGINT,
    process_name VARCHAR, command_line VARCHAR, used_mem_mib DOUBLE,
    k8s_namespace VARCHAR, k8s_pod VARCHAR, k8s_container VARCHAR
);

CREATE OR REPLACE TEMP VIEW gpu_rows AS
SELECT rn, host, gpu_uuid, ts,
       CASE WHEN ts IS NULL THEN 'no timestamp'
            WHEN host IS NULL THEN 'no host'
            WHEN gpu_uuid IS NULL THEN 'no GPU id'
            WHEN ts > getvariable('gpu_future') THEN 'timestamp in the future'
            WHEN ts < TIMESTAMPTZ '2000-01-01 00:00:00+00' THEN 'timestamp before 2000 (clock not set)'
       END AS problem,
       NULL::VARCHAR AS header_text
FROM gpu_stage;

CREATE OR REPLACE TEMP VIEW gpu_incoming AS SELECT * FROM gpu_stage;

CREATE OR REPLACE TEMP VIEW gpu_proc_incoming AS
SELECT * FROM gpu_proc_stage
WHERE ts IS NOT NULL AND host IS NOT NULL AND gpu_uuid IS NOT NULL
  AND ts <= getvariable('gpu_future');
