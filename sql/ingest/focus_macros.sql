-- Lenient readers for FOCUS values as real exports write them (installed per load as temp
-- macros). Each returns NULL for what it cannot read; the ingest counts those separately, so
-- nothing is dropped silently.
--
-- focus_str: '' and literal NULL / null (any case) are missing values; surrounding blanks go.
-- (Only short values can be a null spelling, so most values skip the lower/trim test.)
CREATE OR REPLACE TEMP MACRO focus_str(v) AS
    CASE WHEN v IS NULL THEN NULL
         WHEN length(v) < 10 AND lower(trim(v)) IN ('', 'null') THEN NULL
         ELSE trim(v) END;

-- focus_num: plain numbers, and numbers dressed for people: '$10,000.00 ', '€ 3.5'.
CREATE OR REPLACE TEMP MACRO focus_num(v) AS
    CASE WHEN focus_str(v) IS NULL THEN NULL
         ELSE coalesce(try_cast(focus_str(v) AS DOUBLE),
                       try_cast(regexp_replace(focus_str(v), '[\s$€£¥,]', '', 'g') AS DOUBLE))
    END;

-- focus_ts: ISO 8601 with or without 'T', 'Z', an offset or a time (no offset = UTC, FOCUS's
-- zone); US month/day/year with 4- or 2-digit years ('5/1/25', as in the spec's SaaS examples).
-- A bare cast would read '5/1/25' as the year 5, so the shape decides the parser.
CREATE OR REPLACE TEMP MACRO focus_ts(v) AS
    CASE
        WHEN focus_str(v) IS NULL THEN NULL
        WHEN regexp_matches(focus_str(v), '^\d{4}-\d{1,2}-\d{1,2}')
            THEN try_cast(focus_str(v) AS TIMESTAMPTZ)
        WHEN regexp_matches(focus_str(v), '^\d{1,2}/\d{1,2}/\d{4}')
            THEN CAST(try_strptime(focus_str(v), ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M',
                                                  '%m/%d/%Y']) AS TIMESTAMPTZ)
        WHEN regexp_matches(focus_str(v), '^\d{1,2}/\d{1,2}/\d{2}(\D|$)')
            THEN CAST(try_strptime(focus_str(v), ['%m/%d/%y %H:%M:%S', '%m/%d/%y %H:%M',
                                                  '%m/%d/%y']) AS TIMESTAMPTZ)
    END;

-- focus_ts_is_iso: the spelling FOCUS asks for, 'YYYY-MM-DDTHH:mm:ssZ' (fractions allowed).
CREATE OR REPLACE TEMP MACRO focus_ts_is_iso(v) AS
    regexp_full_match(focus_str(v), '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z');

-- focus_json: a JSON object, or Azure's older brace-less '"k": "v","k2": "v2"'.
CREATE OR REPLACE TEMP MACRO focus_json(v) AS
    CASE
        WHEN focus_str(v) IS NULL THEN NULL
        WHEN json_valid(focus_str(v))
            THEN CASE WHEN json_type(focus_str(v)) = 'OBJECT' THEN CAST(focus_str(v) AS JSON) END
        WHEN json_valid('{' || focus_str(v) || '}') THEN CAST('{' || focus_str(v) || '}' AS JSON)
    END;

-- focus_squash: how enumerated values compare ('usage-based', 'UsageBased', 'Usage-Based').
CREATE OR REPLACE TEMP MACRO focus_squash(v) AS regexp_replace(lower(v), '[^a-z0-9]', '', 'g');
