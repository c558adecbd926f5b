-- Cleaning rules for nvidia-smi CSV values, shared by the GPU and the compute-apps parsers.
-- Any bracketed value ([N/A], [Not Supported], [Unknown Error], …) is a NULL; numbers may carry a
-- unit after a space ('45 %', '19818 MiB', '631.95 W') or not (--format=csv,nounits). The
-- padded spellings are only tried when the plain one fails, to keep the common case cheap.
CREATE OR REPLACE TEMP MACRO nvsmi_text(v) AS
    CASE WHEN v LIKE '[%]' OR v = '' THEN NULL ELSE v END;

CREATE OR REPLACE TEMP MACRO nvsmi_num(v) AS
    coalesce(try_cast(CASE WHEN v[-1] BETWEEN '0' AND '9' THEN v
                           ELSE split_part(v, ' ', 1) END AS DOUBLE),
             try_cast(split_part(trim(v), ' ', 1) AS DOUBLE));

-- nvidia-smi prints the host's local time without a zone: read it in the zone given (--tz).
CREATE OR REPLACE TEMP MACRO nvsmi_ts(v) AS
    timezone(getvariable('gpu_tz'),
             coalesce(try_strptime(v, '%Y/%m/%d %H:%M:%S.%g'),
                      try_strptime(trim(v), ['%Y/%m/%d %H:%M:%S.%f', '%Y/%m/%d %H:%M:%S',
                                             '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%d %H:%M:%S'])));

-- A header field: a lower-case dotted name with an optional [unit].
CREATE OR REPLACE TEMP MACRO nvsmi_is_field(v) AS
    regexp_full_match(v, '[a-z_][a-z0-9_.]*( \[[^\]]*\])?');

-- A header line: field-shaped first fields and a timestamp field (every log we load has one), so
-- a stray word on a line of its own is garbage, not a header. CASE, not AND: DuckDB evaluates
-- every operand of an AND in a projection, but a CASE branch only for the rows that reach it, so
-- the costly tests only see lines that start with a lower-case letter (not timestamps).
CREATE OR REPLACE TEMP MACRO nvsmi_is_header(first, second, whole) AS
    CASE WHEN left(first, 1) BETWEEN 'a' AND 'z'
         THEN nvsmi_is_field(first) AND (second IS NULL OR nvsmi_is_field(second))
              AND list_contains(string_split(whole, ', '), 'timestamp')
         ELSE false END;

-- The host of a row: --host, else the log's own host column, else the host in the file name.
CREATE OR REPLACE TEMP MACRO nvsmi_host(host_field) AS
    coalesce(getvariable('gpu_host_override'), nvsmi_text(host_field),
             getvariable('gpu_host_default'));

-- Why a row cannot be used (NULL: it can), for both kinds of log: a header, a line with the
-- wrong number of fields, a missing key (`own` is a log kind's own test), an impossible time.
CREATE OR REPLACE TEMP MACRO nvsmi_problem(first_f, second_f, row_f, last_f, extra_f, ts_v,
                                           host_v, gpu_v, own) AS
    CASE WHEN nvsmi_is_header(first_f, second_f, row_f) THEN 'header'
         WHEN last_f IS NULL THEN 'incomplete line (fewer fields than the header)'
         WHEN extra_f IS NOT NULL THEN 'too many fields'
         WHEN ts_v IS NULL THEN 'unreadable timestamp'
         WHEN host_v IS NULL THEN 'no host'
         WHEN gpu_v IS NULL THEN 'no GPU id'
         WHEN own IS NOT NULL THEN own
         WHEN ts_v > getvariable('gpu_future') THEN 'timestamp in the future'
         WHEN ts_v < TIMESTAMPTZ '2000-01-01 00:00:00+00' THEN 'timestamp before 2000 (clock not set)'
    END;
