-- The narrow columns of an nvidia-smi log that gpu_summary.sql reads.
CREATE OR REPLACE TEMP VIEW gpu_rows AS
SELECT rn, host, gpu_uuid, ts, row_problem AS problem,
       CASE WHEN row_problem = 'header' THEN f_row END AS header_text
FROM nvsmi_parsed;
