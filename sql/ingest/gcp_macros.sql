-- Helpers for the GCP billing export mapping (installed per load as temp macros).
--
-- gcp_labels: a label array (ARRAY<STRUCT<key, value>>) as a map. GCP keys are unique per array;
-- should a file repeat one anyway, the last value wins instead of the load failing.
CREATE OR REPLACE TEMP MACRO gcp_labels(l) AS
    CASE
        WHEN l IS NULL OR len(l) = 0 THEN NULL
        WHEN len(l) = len(list_distinct(list_transform(l, lambda e: e.key)))
            THEN map_from_entries(list_filter(l, lambda e: e.key IS NOT NULL))
        ELSE map_from_entries(list_filter(l, lambda e, i: e.key IS NOT NULL AND NOT list_contains(
                 list_transform(list_slice(l, i + 1, len(l)), lambda x: x.key), e.key)))
    END;

-- gcp_invoice_start: an invoice month 'YYYYMM' as the instant it starts, midnight Pacific
-- time (Google's billing calendar), e.g. 202610 -> 2026-10-01 07:00:00+00.
CREATE OR REPLACE TEMP MACRO gcp_invoice_start(m) AS
    timezone('America/Los_Angeles', strptime(m, '%Y%m'));

CREATE OR REPLACE TEMP MACRO gcp_invoice_end(m) AS
    timezone('America/Los_Angeles', strptime(m, '%Y%m') + INTERVAL 1 MONTH);
