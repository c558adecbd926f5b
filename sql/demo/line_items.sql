-- demo_line_items: every line item of the demo bill, for both payers and every billing period,
-- in a provider-neutral shape that cur2_columns.sql and legacy_cur_columns.sql spell out.
-- Inputs: demo_resources, demo_hours, demo_days, demo_payers and the variables set by
-- aifinops.demo.cur_gen (sp_*, s3_*, dt_*, bedrock_*). Pseudo-randomness is hash() of stable
-- keys, so the same inputs always give the same rows.
WITH
ec2 AS NOT MATERIALIZED (
    -- one row per running hour of each host
    SELECT r.*, h.period, h.part, h.bill_start, h.bill_end, h.invoice_id,
           h.hour_start, h.hour_end, h.time_interval, h.epoch_hour
    FROM demo_resources AS r
    CROSS JOIN demo_hours AS h
    WHERE r.kind = 'ec2'
      AND demo_is_running(r.pattern, r.purchase, r.resource_id, h.hour_start, h.epoch_hour)
),
sp_cov AS NOT MATERIALIZED (
    -- Savings Plan hosts with the part of each hour the plan covers (demo_sp_coverage)
    SELECT e.*, c.sp_hour_cost, c.covered
    FROM ec2 AS e
    JOIN demo_sp_coverage AS c
      ON c.resource_id = e.resource_id AND c.hour_start = e.hour_start
     AND c.period = e.period AND c.part = e.part
    WHERE e.purchase = 'savings-plan'
),
sp_used AS NOT MATERIALIZED (
    SELECT period, part, hour_start, sum(sp_hour_cost * covered) AS used
    FROM demo_sp_coverage
    GROUP BY period, part, hour_start
),
spot AS NOT MATERIALIZED (
    SELECT e.*,
           round(e.spot_rate * (0.92 + 0.16 * demo_unit(e.resource_id, 'spot', e.epoch_hour)), 4) AS spot_price
    FROM ec2 AS e
    WHERE e.purchase = 'spot'
),
line_items AS NOT MATERIALIZED (
    -- EC2 on-demand hours (and on-demand hosts that a Savings Plan could not reach)
    SELECT period, part, payer, bill_start, bill_end, invoice_id,
           'Usage' AS line_item_type,
           hour_start AS usage_start, hour_end AS usage_end, time_interval,
           'AmazonEC2' AS product_code,
           usage_type, sku, product,
           'RunInstances' AS operation,
           resource_id, account_id AS usage_account_id, account_name AS usage_account_name,
           availability_zone,
           1.0 AS usage_amount,
           od_rate_str AS unblended_rate,
           od_rate AS unblended_cost,
           od_description AS description,
           'OnDemand' AS pricing_term, 'Hrs' AS pricing_unit,
           od_rate AS public_od_cost, od_rate_str AS public_od_rate,
           'Compute Instance' AS product_family, 'AmazonEC2' AS servicecode,
           'Amazon Elastic Compute Cloud' AS product_name,
           instance_type, instance_family, region AS region_code, location,
           tags, late_tags, late_tags_from
    FROM ec2
    WHERE purchase = 'on-demand'

    UNION ALL BY NAME
    -- EC2 spot hours: the spot price moves a little every hour
    SELECT period, part, payer, bill_start, bill_end, invoice_id,
           'Usage' AS line_item_type,
           hour_start AS usage_start, hour_end AS usage_end, time_interval,
           'AmazonEC2' AS product_code,
           spot_usage_type AS usage_type, spot_sku AS sku, product,
           'RunInstances:SV001' AS operation,
           resource_id, account_id AS usage_account_id, account_name AS usage_account_name,
           availability_zone,
           1.0 AS usage_amount,
           printf('%.10f', spot_price) AS unblended_rate,
           spot_price AS unblended_cost,
           '$' || spot_price || ' per Linux ' || instance_type || ' spot Instance-hour' AS description,
           'Spot' AS pricing_term, 'Hrs' AS pricing_unit,
           od_rate AS public_od_cost, od_rate_str AS public_od_rate,
           'Compute Instance' AS product_family, 'AmazonEC2' AS servicecode,
           'Amazon Elastic Compute Cloud' AS product_name,
           instance_type, instance_family, region AS region_code, location,
           tags, late_tags, late_tags_from
    FROM spot

    UNION ALL BY NAME
    -- Savings Plan covered hours (on-demand cost, SP effective cost beside it) and the negation
    -- rows that cancel their on-demand cost
    SELECT period, part, payer, bill_start, bill_end, invoice_id,
           x.line_item_type,
           hour_start AS usage_start, hour_end AS usage_end, time_interval,
           'AmazonEC2' AS product_code,
           usage_type, sku, product,
           'RunInstances' AS operation,
           resource_id, account_id AS usage_account_id, account_name AS usage_account_name,
           availability_zone,
           covered AS usage_amount,
           od_rate_str AS unblended_rate,
           x.sign * od_rate * covered AS unblended_cost,
           CASE WHEN x.sign > 0 THEN od_description
                ELSE 'SavingsPlanNegation used by AccountId : ' || account_id || ' and UsageSku : ' || sku
           END AS description,
           'OnDemand' AS pricing_term, 'Hrs' AS pricing_unit,
           CASE WHEN x.sign > 0 THEN od_rate * covered END AS public_od_cost,
           od_rate_str AS public_od_rate,
           'Compute Instance' AS product_family, 'AmazonEC2' AS servicecode,
           'Amazon Elastic Compute Cloud' AS product_name,
           instance_type, instance_family, region AS region_code, location,
           getvariable('sp_arn') AS sp_arn,
           CASE WHEN x.sign > 0 THEN sp_hour_cost * covered END AS sp_effective_cost,
           CASE WHEN x.sign > 0 THEN printf('%.10f', sp_hour_cost) END AS sp_rate,
           tags, late_tags, late_tags_from
    FROM sp_cov
    CROSS JOIN (VALUES ('SavingsPlanCoveredUsage', 1), ('SavingsPlanNegation', -1)) AS x(line_item_type, sign)
    WHERE covered > 0

    UNION ALL BY NAME
    -- the part of a Savings Plan host's hour beyond the commitment, on demand
    SELECT period, part, payer, bill_start, bill_end, invoice_id,
           'Usage' AS line_item_type,
           hour_start AS usage_start, hour_end AS usage_end, time_interval,
           'AmazonEC2' AS product_code,
           usage_type, sku, product,
           'RunInstances' AS operation,
           resource_id, account_id AS usage_account_id, account_name AS usage_account_name,
           availability_zone,
           1 - covered AS usage_amount,
           od_rate_str AS unblended_rate,
           od_rate * (1 - covered) AS unblended_cost,
           od_description AS description,
           'OnDemand' AS pricing_term, 'Hrs' AS pricing_unit,
           od_rate * (1 - covered) AS public_od_cost, od_rate_str AS public_od_rate,
           'Compute Instance' AS product_family, 'AmazonEC2' AS servicecode,
           'Amazon Elastic Compute Cloud' AS product_name,
           instance_type, instance_family, region AS region_code, location,
           tags, late_tags, late_tags_from
    FROM sp_cov
    WHERE covered < 1

    UNION ALL BY NAME
    -- the Savings Plan's hourly fee, with how much of the commitment that hour used
    SELECT h.period, h.part, getvariable('sp_payer') AS payer, h.bill_start, h.bill_end, h.invoice_id,
           'SavingsPlanRecurringFee' AS line_item_type,
           h.hour_start AS usage_start, h.hour_end AS usage_end, h.time_interval,
           'ComputeSavingsPlans' AS product_code,
           'ComputeSP:1yrNoUpfront' AS usage_type,
           '' AS operation,
           getvariable('sp_arn') AS resource_id,
           getvariable('sp_payer') AS usage_account_id, getvariable('sp_payer_name') AS usage_account_name,
           1.0 AS usage_amount,
           printf('%.10f', getvariable('sp_commitment')) AS unblended_rate,
           getvariable('sp_commitment') AS unblended_cost,
           '1 year No Upfront Compute Savings Plan' AS description,
           '' AS pricing_term, 'Hrs' AS pricing_unit,
           'Savings Plans' AS product_family, 'ComputeSavingsPlans' AS servicecode,
           'Savings Plans for AWS Compute usage' AS product_name,
           getvariable('sp_arn') AS sp_arn,
           getvariable('sp_commitment') AS sp_total_commit,
           coalesce(u.used, 0.0) AS sp_used_commit,
           getvariable('sp_commitment')
               * datediff('hour', h.bill_start, h.bill_end) AS sp_recurring_commit,
           map(CAST([] AS VARCHAR[]), CAST([] AS VARCHAR[])) AS tags
    FROM demo_hours AS h
    LEFT JOIN sp_used AS u ON u.period = h.period AND u.part = h.part AND u.hour_start = h.hour_start

    UNION ALL BY NAME
    -- SageMaker real-time endpoints: instance-hours
    SELECT h.period, h.part, r.payer, h.bill_start, h.bill_end, h.invoice_id,
           'Usage' AS line_item_type,
           h.hour_start AS usage_start, h.hour_end AS usage_end, h.time_interval,
           'AmazonSageMaker' AS product_code,
           r.usage_type, r.sku, r.product,
           'RunInstance' AS operation,
           r.resource_id, r.account_id AS usage_account_id, r.account_name AS usage_account_name,
           r.availability_zone,
           r.unit_count AS usage_amount,
           r.od_rate_str AS unblended_rate,
           r.unit_count * r.od_rate AS unblended_cost,
           r.od_description AS description,
           'OnDemand' AS pricing_term, 'Hrs' AS pricing_unit,
           r.unit_count * r.od_rate AS public_od_cost, r.od_rate_str AS public_od_rate,
           'ML Instance' AS product_family, 'AmazonSageMaker' AS servicecode,
           'Amazon SageMaker' AS product_name,
           r.instance_type, r.instance_family, r.region AS region_code, r.location,
           r.tags, r.late_tags, r.late_tags_from
    FROM demo_resources AS r
    CROSS JOIN demo_hours AS h
    WHERE r.kind = 'sagemaker'

    UNION ALL BY NAME
    -- Bedrock on-demand tokens, one input and one output row a day; quieter at weekends
    SELECT d.period, d.part, r.payer, d.bill_start, d.bill_end, d.invoice_id,
           'Usage' AS line_item_type,
           d.day_start AS usage_start, d.day_end AS usage_end, d.time_interval,
           'AmazonBedrock' AS product_code,
           r.region_prefix || '-Claude3.5Sonnet-' || x.direction || '-tokens' AS usage_type,
           'InvokeModelInference' AS operation,
           r.resource_id, r.account_id AS usage_account_id, r.account_name AS usage_account_name,
           round(x.kilo_tokens * CASE WHEN isodow(d.day_start) >= 6 THEN 0.55 ELSE 1.0 END
                 * (0.8 + 0.4 * demo_unit(r.resource_id, x.direction, d.epoch_day)))
               AS usage_amount,
           printf('%.10f', x.usd_per_kilo) AS unblended_rate,
           usage_amount * x.usd_per_kilo AS unblended_cost,
           'Claude 3.5 Sonnet ' || x.direction || ' tokens, per 1K tokens' AS description,
           'OnDemand' AS pricing_term, '1K tokens' AS pricing_unit,
           usage_amount * x.usd_per_kilo AS public_od_cost, printf('%.10f', x.usd_per_kilo) AS public_od_rate,
           'Amazon Bedrock' AS product_family, 'AmazonBedrock' AS servicecode,
           'Amazon Bedrock' AS product_name,
           r.region AS region_code, r.location,
           r.tags, r.late_tags, r.late_tags_from
    FROM demo_resources AS r
    CROSS JOIN demo_days AS d
    CROSS JOIN (VALUES ('input', getvariable('bedrock_input_usd_per_1k'), getvariable('bedrock_input_k_per_day')),
                       ('output', getvariable('bedrock_output_usd_per_1k'), getvariable('bedrock_output_k_per_day')))
        AS x(direction, usd_per_kilo, kilo_tokens)
    WHERE r.kind = 'bedrock'

    UNION ALL BY NAME
    -- S3 STANDARD storage, one row a day in GB-months, growing by growth_gb every day
    SELECT d.period, d.part, r.payer, d.bill_start, d.bill_end, d.invoice_id,
           'Usage' AS line_item_type,
           d.day_start AS usage_start, d.day_end AS usage_end, d.time_interval,
           'AmazonS3' AS product_code,
           r.region_prefix || '-TimedStorage-ByteHrs' AS usage_type,
           'StandardStorage' AS operation,
           r.resource_id, r.account_id AS usage_account_id, r.account_name AS usage_account_name,
           (r.start_gb + r.growth_gb * d.world_day) / d.days_in_month AS usage_amount,
           printf('%.10f', getvariable('s3_standard_usd_per_gb_month')) AS unblended_rate,
           usage_amount * getvariable('s3_standard_usd_per_gb_month') AS unblended_cost,
           '$' || getvariable('s3_standard_usd_per_gb_month')
               || ' per GB - first 50 TB / month of storage used' AS description,
           'OnDemand' AS pricing_term, 'GB-Mo' AS pricing_unit,
           usage_amount * getvariable('s3_standard_usd_per_gb_month') AS public_od_cost,
           printf('%.10f', getvariable('s3_standard_usd_per_gb_month')) AS public_od_rate,
           'Storage' AS product_family, 'AmazonS3' AS servicecode,
           'Amazon Simple Storage Service' AS product_name,
           r.region AS region_code, r.location,
           r.tags, r.late_tags, r.late_tags_from
    FROM demo_resources AS r
    CROSS JOIN demo_days AS d
    WHERE r.kind = 's3'

    UNION ALL BY NAME
    -- S3 requests: PUTs (Tier1) and GETs (Tier2) a day, about one per 10 MB written / 1 MB stored
    SELECT d.period, d.part, r.payer, d.bill_start, d.bill_end, d.invoice_id,
           'Usage' AS line_item_type,
           d.day_start AS usage_start, d.day_end AS usage_end, d.time_interval,
           'AmazonS3' AS product_code,
           r.region_prefix || '-Requests-' || x.tier AS usage_type,
           x.operation,
           r.resource_id, r.account_id AS usage_account_id, r.account_name AS usage_account_name,
           round((x.per_gb_growth * r.growth_gb + x.per_gb_stored * r.start_gb)
                 * (0.7 + 0.6 * demo_unit(r.resource_id, x.tier, d.epoch_day)))
               AS usage_amount,
           printf('%.10f', x.usd_per_request) AS unblended_rate,
           usage_amount * x.usd_per_request AS unblended_cost,
           '$' || (x.usd_per_request * 1000) || ' per 1,000 ' || x.verb || ' requests' AS description,
           'OnDemand' AS pricing_term, 'Requests' AS pricing_unit,
           usage_amount * x.usd_per_request AS public_od_cost,
           printf('%.10f', x.usd_per_request) AS public_od_rate,
           'API Request' AS product_family, 'AmazonS3' AS servicecode,
           'Amazon Simple Storage Service' AS product_name,
           r.region AS region_code, r.location,
           r.tags, r.late_tags, r.late_tags_from
    FROM demo_resources AS r
    CROSS JOIN demo_days AS d
    CROSS JOIN (VALUES ('Tier1', 'PutObject', 'PUT, COPY, POST, or LIST', getvariable('s3_tier1_usd_per_request'), 100.0, 0.0),
                       ('Tier2', 'GetObject', 'GET and all other', getvariable('s3_tier2_usd_per_request'), 0.0, 0.5))
        AS x(tier, operation, verb, usd_per_request, per_gb_growth, per_gb_stored)
    WHERE r.kind = 's3'

    UNION ALL BY NAME
    -- data sent to the internet by serving hosts, a row a day
    SELECT d.period, d.part, r.payer, d.bill_start, d.bill_end, d.invoice_id,
           'Usage' AS line_item_type,
           d.day_start AS usage_start, d.day_end AS usage_end, d.time_interval,
           'AWSDataTransfer' AS product_code,
           r.region_prefix || '-DataTransfer-Out-Bytes' AS usage_type,
           'RunInstances' AS operation,
           r.resource_id, r.account_id AS usage_account_id, r.account_name AS usage_account_name,
           r.availability_zone,
           round(r.dt_out_gb * (0.6 + 0.8 * demo_unit(r.resource_id, 'dt', d.epoch_day)), 3)
               AS usage_amount,
           printf('%.10f', getvariable('dt_internet_usd_per_gb')) AS unblended_rate,
           usage_amount * getvariable('dt_internet_usd_per_gb') AS unblended_cost,
           '$' || getvariable('dt_internet_usd_per_gb') || ' per GB - first 10 TB / month data transfer out beyond the global free tier'
               AS description,
           'OnDemand' AS pricing_term, 'GB' AS pricing_unit,
           usage_amount * getvariable('dt_internet_usd_per_gb') AS public_od_cost,
           printf('%.10f', getvariable('dt_internet_usd_per_gb')) AS public_od_rate,
           'Data Transfer' AS product_family, 'AWSDataTransfer' AS servicecode,
           'AWS Data Transfer' AS product_name,
           r.region AS region_code, r.location,
           r.region AS from_region, '' AS to_region,
           r.location AS from_location, 'External' AS to_location,
           'AWS Region' AS from_location_type, 'Other' AS to_location_type,
           r.tags, r.late_tags, r.late_tags_from
    FROM demo_resources AS r
    CROSS JOIN demo_days AS d
    WHERE r.kind = 'ec2' AND coalesce(r.dt_out_gb, 0) > 0

    UNION ALL BY NAME
    -- cross-region replication of a bucket's new objects, a row a day
    SELECT d.period, d.part, r.payer, d.bill_start, d.bill_end, d.invoice_id,
           'Usage' AS line_item_type,
           d.day_start AS usage_start, d.day_end AS usage_end, d.time_interval,
           'AWSDataTransfer' AS product_code,
           r.region_prefix || '-' || r.replicate_prefix || '-AWS-Out-Bytes' AS usage_type,
           'PutObjectForRepl' AS operation,
           r.resource_id, r.account_id AS usage_account_id, r.account_name AS usage_account_name,
           round(r.growth_gb * (0.85 + 0.3 * demo_unit(r.resource_id, 'repl', d.epoch_day)), 3)
               AS usage_amount,
           printf('%.10f', getvariable('dt_inter_region_usd_per_gb')) AS unblended_rate,
           usage_amount * getvariable('dt_inter_region_usd_per_gb') AS unblended_cost,
           '$' || getvariable('dt_inter_region_usd_per_gb') || ' per GB - ' || r.location
               || ' data transfer to ' || r.replicate_location AS description,
           'OnDemand' AS pricing_term, 'GB' AS pricing_unit,
           usage_amount * getvariable('dt_inter_region_usd_per_gb') AS public_od_cost,
           printf('%.10f', getvariable('dt_inter_region_usd_per_gb')) AS public_od_rate,
           'Data Transfer' AS product_family, 'AWSDataTransfer' AS servicecode,
           'AWS Data Transfer' AS product_name,
           r.region AS region_code, r.location,
           r.region AS from_region, r.replicate_to AS to_region,
           r.location AS from_location, r.replicate_location AS to_location,
           'AWS Region' AS from_location_type, 'AWS Region' AS to_location_type,
           r.tags, r.late_tags, r.late_tags_from
    FROM demo_resources AS r
    CROSS JOIN demo_days AS d
    WHERE r.kind = 's3' AND r.replicate_to IS NOT NULL

    UNION ALL BY NAME
    -- once a month, on the first day: the payer's tax, and its promotional credit where it has one
    SELECT d.period, d.part, p.payer, d.bill_start, d.bill_end, d.invoice_id,
           x.line_item_type,
           d.day_start AS usage_start, d.day_end AS usage_end, d.time_interval,
           'AmazonEC2' AS product_code,
           '' AS usage_type, '' AS operation, '' AS resource_id,
           p.payer AS usage_account_id, p.payer_name AS usage_account_name,
           CASE WHEN x.line_item_type = 'Tax' THEN p.monthly_tax ELSE p.monthly_credit END AS unblended_cost,
           x.description,
           CASE WHEN x.line_item_type = 'Tax' THEN 'Sales Tax' END AS tax_type,
           '' AS pricing_term, '' AS pricing_unit,
           '' AS product_family, 'AmazonEC2' AS servicecode,
           'Amazon Elastic Compute Cloud' AS product_name,
           map(CAST([] AS VARCHAR[]), CAST([] AS VARCHAR[])) AS tags
    FROM demo_payers AS p
    CROSS JOIN demo_days AS d
    CROSS JOIN (VALUES ('Tax', 'Tax for product code AmazonEC2'),
                       ('Credit', 'AWS Promotional Credit')) AS x(line_item_type, description)
    WHERE d.day_start = d.bill_start
      AND (x.line_item_type = 'Tax' OR p.monthly_credit <> 0)
)
SELECT * REPLACE (
    CASE WHEN late_tags_from IS NOT NULL AND usage_start >= late_tags_from
         THEN map_concat(tags, late_tags) ELSE tags END AS tags,
    -- hourly lines carry these from demo_resources; the few daily and monthly lines build them
    CASE WHEN sku IS NOT NULL THEN sku
         WHEN public_od_rate IS NOT NULL THEN upper(left(md5(usage_type || region_code), 16)) END AS sku,
    CASE WHEN product IS NOT NULL THEN product
         WHEN product_name IS NOT NULL
             THEN map(['product_name', 'region'], [product_name, coalesce(region_code, '')])
         ELSE map(CAST([] AS VARCHAR[]), CAST([] AS VARCHAR[])) END AS product)
FROM line_items
