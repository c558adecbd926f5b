-- egress_hotspot: the resources and region pairs behind most data-transfer cost → what to look at
-- (co-locate, replicate less, compress, cache), with a hedged saving.
--
-- Thresholds ([recommendations] in aifinops.toml; defaults in aifinops/analysis/rules.py):
--   egress_window_days = 30         a month of transfer
--   egress_top_n = 5                report the few resources that cause most transfer cost
--   egress_min_monthly_usd = 100    not worth an engineer's time below this run-rate
--   egress_reducible_share = 0.25   an assumption, not a measurement: the share compression,
--                                   caching or co-location usually removes; set your own
--   hours_per_month = 730
-- Paths come from AWS usage types: USE1-DataTransfer-Out-Bytes (us-east-1 → internet),
-- USE1-USW2-AWS-Out-Bytes (us-east-1 → us-west-2), USE1-DataTransfer-Regional-Bytes (between
-- zones), NatGateway-Bytes; region codes from sql/reference/aws_region_codes.csv. Other
-- providers' networking rows keep their usage type as the path.
-- Saving = transfer cost in the window ÷ (window days × 24) × 730 × egress_reducible_share.
-- Confidence 0.3: the bill shows where bytes went, not whether they could have stayed.
WITH p AS (
    SELECT CAST(getvariable('rec_as_of') AS DATE) AS end_day,
           CAST(getvariable('rec_as_of') AS DATE)
               - CAST(getvariable('rec_egress_window_days') AS INTEGER) AS start_day,
           getvariable('rec_egress_window_days') * 24.0 AS window_hours,
           getvariable('rec_hours_per_month') AS hours_per_month
), transfer AS (
    SELECT c.ResourceId AS resource_id, c.x_usage_type AS usage_type,
           sum(c.effective_cost) AS cost, sum(c.consumed_quantity) AS gb
    FROM cost_daily_rollup AS c, p
    WHERE c.day >= p.start_day AND c.day < p.end_day
      AND c.ChargeCategory = 'Usage' AND c.ResourceId IS NOT NULL
      AND (c.ServiceName = 'AWS Data Transfer'
           OR regexp_matches(c.x_usage_type, '(DataTransfer|AWS-Out|NatGateway|CloudFront-Out)[A-Za-z-]*Bytes')
           OR (c.ServiceCategory = 'Networking' AND lower(c.x_usage_type) LIKE '%egress%'))
    GROUP BY ALL
    HAVING sum(c.effective_cost) > 0
), paths AS (
    SELECT t.*,
           regexp_extract(t.usage_type, '^([A-Z]{2,4}[0-9]?)-', 1) AS src_code,
           regexp_extract(t.usage_type, '^[A-Z]{2,4}[0-9]?-([A-Z]{2,4}[0-9]?)-AWS-(Out|In)-Bytes', 1) AS dst_code
    FROM transfer AS t
), named AS (
    SELECT q.*,
           coalesce(s.region, CASE WHEN q.src_code = '' THEN 'us-east-1' END) AS src_region,
           d.region AS dst_region,
           CASE WHEN q.usage_type LIKE '%-AWS-Out-Bytes' THEN 'inter_region'
                WHEN q.usage_type LIKE '%DataTransfer-Out-Bytes' THEN 'internet'
                WHEN q.usage_type LIKE '%DataTransfer-Regional-Bytes' THEN 'inter_zone'
                WHEN q.usage_type LIKE '%NatGateway%' THEN 'nat_gateway'
                WHEN q.usage_type LIKE '%CloudFront%' THEN 'cdn'
                ELSE 'other' END AS kind
    FROM paths AS q
    LEFT JOIN ref_aws_region_codes AS s ON s.code = q.src_code
    LEFT JOIN ref_aws_region_codes AS d ON d.code = q.dst_code
), labelled AS (
    SELECT n.*,
           CASE n.kind WHEN 'inter_region' THEN n.src_region || ' → ' || coalesce(n.dst_region, n.dst_code)
                       WHEN 'internet' THEN coalesce(n.src_region, '?') || ' → internet'
                       WHEN 'inter_zone' THEN coalesce(n.src_region, '?') || ' between zones'
                       WHEN 'nat_gateway' THEN coalesce(n.src_region, '?') || ' through a NAT gateway'
                       ELSE n.usage_type END AS path
    FROM named AS n
), per_resource AS (
    SELECT resource_id,
           sum(cost) AS cost,
           sum(gb) AS gb,
           list(json_object('path', path, 'kind', kind, 'usage_type', usage_type,
                            'gb', round(gb, 1), 'cost_usd', round(cost, 2)) ORDER BY cost DESC) AS paths,
           arg_max(path, cost) AS top_path,
           arg_max(kind, cost) AS top_kind
    FROM labelled
    GROUP BY resource_id
), ranked AS (
    SELECT r.*, sum(r.cost) OVER () AS all_transfer_cost,
           row_number() OVER (ORDER BY r.cost DESC, r.resource_id) AS rank
    FROM per_resource AS r
)
SELECT
    'egress_hotspot' AS rule,
    k.resource_id,
    coalesce(res.provider, 'aws') AS provider,
    res.model,
    res.team,
    printf('Data transfer from %s: %.0f USD/month, mostly %s (#%d of all transfer cost, %.0f%%)',
           coalesce(res.resource_name, k.resource_id), k.cost / p.window_hours * p.hours_per_month,
           k.top_path, k.rank, 100 * k.cost / k.all_transfer_cost) AS title,
    json_object(
        'window_days', getvariable('rec_egress_window_days'),
        'transfer_cost_usd', round(k.cost, 2),
        'transfer_gb', round(k.gb, 1),
        'monthly_run_rate_usd', round(k.cost / p.window_hours * p.hours_per_month, 2),
        'rank', k.rank,
        'share_of_all_transfer', round(k.cost / k.all_transfer_cost, 4),
        'paths', k.paths,
        'reducible_share_assumed', getvariable('rec_egress_reducible_share'),
        'advice', CASE k.top_kind
            WHEN 'inter_region' THEN 'Replicate only what the other region reads, or run the consumer '
                                     || 'in the same region as the data'
            WHEN 'internet' THEN 'Compress responses, cache behind CloudFront (EC2 to CloudFront is '
                                 || 'free) and keep chatty clients in the region'
            WHEN 'inter_zone' THEN 'Keep chatty services and their data in one availability zone'
            WHEN 'nat_gateway' THEN 'Route S3 and DynamoDB traffic through VPC gateway endpoints'
            ELSE 'Find who reads this data and whether it can stay where it is' END
    ) AS evidence,
    k.cost / p.window_hours * p.hours_per_month * getvariable('rec_egress_reducible_share')
        AS monthly_saving_usd,
    0.3 AS confidence,
    'reduce_egress' AS action_kind,
    json_object('resource_id', k.resource_id, 'top_path', k.top_path, 'kind', k.top_kind)
        AS action_params,
    ['transfer_usage_types', 'transfer_cost'] AS signals_used,
    ['flow_logs', 'who_reads_the_data'] AS signals_missing
FROM ranked AS k
LEFT JOIN recommendation_resources AS res USING (resource_id), p
WHERE k.rank <= getvariable('rec_egress_top_n')
  AND k.cost / p.window_hours * p.hours_per_month >= getvariable('rec_egress_min_monthly_usd')
