-- Every record of the spool files listed in the variable spool_files, in file order (the file
-- names start with the UTC time they were opened). Keys a newer sampler adds are ignored.
CREATE OR REPLACE TEMP VIEW spool_records AS
SELECT row_number() OVER () AS rn, *
FROM read_json(getvariable('spool_files'), format = 'newline_delimited', filename = true,
    columns = {
        kind: 'VARCHAR', ts: 'VARCHAR', host: 'VARCHAR',
        instance_id: 'VARCHAR', provider: 'VARCHAR', identity_source: 'VARCHAR',
        sampler: 'VARCHAR', interval_s: 'DOUBLE',
        gpu_uuid: 'VARCHAR', gpu_index: 'SMALLINT', gpu_name: 'VARCHAR', pci_bus_id: 'VARCHAR',
        util_pct: 'DOUBLE', mem_util_pct: 'DOUBLE', mem_used_mib: 'DOUBLE',
        mem_total_mib: 'DOUBLE', power_w: 'DOUBLE', power_limit_w: 'DOUBLE', temp_c: 'DOUBLE',
        sm_clock_mhz: 'DOUBLE',
        pid: 'BIGINT', process_name: 'VARCHAR', command_line: 'VARCHAR',
        used_mem_mib: 'DOUBLE', k8s_namespace: 'VARCHAR', k8s_pod: 'VARCHAR',
        k8s_container: 'VARCHAR',
        event: 'VARCHAR', detail: 'VARCHAR',
        wall_s: 'DOUBLE', cpu_s: 'DOUBLE', ticks: 'BIGINT', gpus: 'BIGINT'
    });
