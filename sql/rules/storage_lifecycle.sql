-- storage_lifecycle: buckets of checkpoints or model artifacts growing in a hot storage class →
-- lifecycle rules that move objects to cheaper classes after N days, plus keep-last-N advice.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   storage_window_days = 30              measure size and growth over the last 30 days
--   storage_bucket_patterns = ["*checkpoint*", "*ckpt*", "*artifact*", "*scratch*"]
--                                         bucket names (lower case globs) holding checkpoints,
--                                         model artifacts or scratch data (not datasets in use)
--   storage_min_growth_gb_per_day = 25    ignore buckets that barely grow
--   lifecycle_ia_after_days = 30          S3 moves objects to Standard-IA at 30 days at the
--                                         earliest (GCS: Nearline)
--   lifecycle_archive_after_days = 90     Glacier Instant Retrieval's 90-day minimum
--   lifecycle_archive_class = GLACIER_IR  (GCS: Coldline)
--   lifecycle_keep_last_n = 5             advice only: keep the last N checkpoints of a run
--   hours_per_month = 730 (not used: storage is priced per GB-month)
-- Size S (GB) on the last day = that day's GB-months × days in its month; growth g (GB/day) =
-- least-squares slope of daily size over the window. With steady growth and nothing deleted,
-- max(S − N × g, 0) GB are older than N days. Hot price h = cost ÷ GB-months on the last day;
-- cooler prices from sql/reference/storage_prices.csv.
-- Saving = (older_than_ia − older_than_archive) × (h − ia_price) + older_than_archive × (h − archive_price).
-- Confidence 0.6: object ages are inferred from growth, and reads of old objects (retrieval fees)
-- cannot be seen in a bill.
WITH p AS (
    SELECT CAST(getvariable('rec_as_of') AS DATE) AS end_day,
           CAST(getvariable('rec_as_of') AS DATE)
               - CAST(getvariable('rec_storage_window_days') AS INTEGER) AS start_day,
           getvariable('rec_storage_bucket_patterns') AS patterns,
           getvariable('rec_lifecycle_ia_after_days') AS ia_days,
           getvariable('rec_lifecycle_archive_after_days') AS archive_days
), daily AS (
    SELECT c.ResourceId AS resource_id, c.day,
           sum(c.consumed_quantity) AS gb_months,
           sum(c.consumed_quantity) * dayofmonth(last_day(c.day)) AS gb,
           sum(c.effective_cost) AS cost
    FROM cost_daily_rollup AS c, p
    WHERE c.day >= p.start_day AND c.day < p.end_day
      AND c.ChargeCategory = 'Usage' AND c.ResourceId IS NOT NULL
      AND (regexp_matches(c.x_usage_type, '(^|-)TimedStorage-ByteHrs$')
           OR (c.ServiceName = 'Cloud Storage' AND lower(c.x_usage_type) LIKE '%standard storage%'))
    GROUP BY c.ResourceId, c.day
), buckets AS (
    SELECT d.resource_id,
           arg_max(d.gb, d.day) AS size_gb,
           arg_max(d.cost / nullif(d.gb_months, 0), d.day) AS hot_usd_per_gb_month,
           regr_slope(d.gb, epoch(d.day) / 86400.0) AS growth_gb_per_day,
           count(*) AS days,
           max(d.day) AS last_day
    FROM daily AS d
    GROUP BY d.resource_id
), named AS (
    SELECT b.*, r.provider, r.region, r.model, r.team, coalesce(r.resource_name, b.resource_id) AS bucket,
           CASE r.provider WHEN 'gcp' THEN 'NEARLINE' ELSE 'STANDARD_IA' END AS ia_class,
           CASE r.provider WHEN 'gcp' THEN 'COLDLINE' ELSE getvariable('rec_lifecycle_archive_class') END
               AS archive_class,
           list_filter(p.patterns, lambda g: lower(b.resource_id) GLOB g
                                          OR lower(coalesce(r.resource_name, '')) GLOB g) AS hits
    FROM buckets AS b
    JOIN recommendation_resources AS r USING (resource_id), p
    WHERE b.growth_gb_per_day >= getvariable('rec_storage_min_growth_gb_per_day')
), priced AS (
    SELECT n.*,
           (SELECT s.usd_per_gb_month FROM ref_storage_prices AS s
             WHERE s.provider = n.provider AND s.storage_class = n.ia_class
               AND s.region IN (n.region, '*') ORDER BY s.region = '*' LIMIT 1) AS ia_usd_per_gb_month,
           (SELECT s.usd_per_gb_month FROM ref_storage_prices AS s
             WHERE s.provider = n.provider AND s.storage_class = n.archive_class
               AND s.region IN (n.region, '*') ORDER BY s.region = '*' LIMIT 1) AS archive_usd_per_gb_month,
           greatest(n.size_gb - p.ia_days * n.growth_gb_per_day, 0) AS older_than_ia_gb,
           greatest(n.size_gb - p.archive_days * n.growth_gb_per_day, 0) AS older_than_archive_gb
    FROM named AS n, p
    WHERE len(n.hits) > 0
), saved AS (
    SELECT q.*,
           (q.older_than_ia_gb - q.older_than_archive_gb)
               * greatest(q.hot_usd_per_gb_month - q.ia_usd_per_gb_month, 0)
           + q.older_than_archive_gb * greatest(q.hot_usd_per_gb_month - q.archive_usd_per_gb_month, 0)
               AS saving
    FROM priced AS q
)
SELECT
    'storage_lifecycle' AS rule,
    s.resource_id,
    s.provider,
    s.model,
    s.team,
    printf('Lifecycle %s: %.1f TB in hot storage, growing %.0f GB/day → %s after %d days, %s after %d days',
           s.bucket, s.size_gb / 1000, s.growth_gb_per_day, s.ia_class, p.ia_days,
           s.archive_class, p.archive_days) AS title,
    json_object(
        'bucket', s.bucket,
        'region', s.region,
        'window_days', s.days,
        'last_day', s.last_day,
        'size_gb', round(s.size_gb, 1),
        'growth_gb_per_day', round(s.growth_gb_per_day, 2),
        'hot_usd_per_gb_month', round(s.hot_usd_per_gb_month, 5),
        'older_than_ia_gb', round(s.older_than_ia_gb, 1),
        'older_than_archive_gb', round(s.older_than_archive_gb, 1),
        'ia_class', s.ia_class, 'ia_usd_per_gb_month', s.ia_usd_per_gb_month,
        'archive_class', s.archive_class, 'archive_usd_per_gb_month', s.archive_usd_per_gb_month,
        'matched_patterns', s.hits,
        'keep_last_n_advice', printf('Keep the last %d checkpoints of each run and expire the rest '
                                     || '(not costed here): most of a checkpoint bucket is never read again',
                                     getvariable('rec_lifecycle_keep_last_n')),
        'caveat', 'Cooler classes charge per GB read back and have minimum storage durations '
                  || '(30 days IA, 90 days Glacier IR): old checkpoints you restore often belong in hot storage'
    ) AS evidence,
    s.saving AS monthly_saving_usd,
    0.6 AS confidence,
    'storage_lifecycle' AS action_kind,
    json_object(
        'bucket', s.bucket, 'region', s.region,
        'transitions', [json_object('days', p.ia_days, 'storage_class', s.ia_class),
                        json_object('days', p.archive_days, 'storage_class', s.archive_class)],
        'abort_incomplete_multipart_days', 7
    ) AS action_params,
    ['daily_storage_gb_months', 'storage_price_catalog'] AS signals_used,
    ['object_ages', 'read_access_pattern', 'existing_lifecycle_rules'] AS signals_missing
FROM saved AS s, p
