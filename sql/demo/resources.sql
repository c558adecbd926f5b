-- demo_resources: the world's billed resources, EC2 hosts and SageMaker endpoints cloned
-- getvariable('scale') times (clone 0 keeps the world's own names and ids), with catalog prices
-- and the price-list attributes every line item of the resource repeats.
SELECT
    b.kind,
    k.clone,
    CASE WHEN k.clone = 0 THEN b.name ELSE b.name || printf('-s%03d', k.clone) END AS name,
    CASE
        WHEN k.clone = 0 THEN b.resource_id
        -- i-0a1b2c3d4e5f60001 -> i-0a1b2c3d4 + clone in hex + the host's own last four digits
        WHEN b.kind = 'ec2' THEN left(b.resource_id, 11) || printf('%04x', k.clone) || right(b.resource_id, 4)
        ELSE b.resource_id || printf('-s%03d', k.clone)
    END AS resource_id,
    b.payer,
    b.account_id,
    b.account_name,
    b.region,
    g.prefix AS region_prefix,
    g.location,
    b.region || chr(97 + (k.clone % 3)::INTEGER) AS availability_zone,
    b.instance_type,
    regexp_extract(b.instance_type, '^(?:ml\.)?([a-z0-9-]+)\.', 1) AS instance_family,
    b.purchase,
    b.pattern,
    b.unit_count,
    c.on_demand_usd_per_hour AS od_rate,
    c.spot_usd_per_hour AS spot_rate,
    printf('%.10f', c.on_demand_usd_per_hour) AS od_rate_str,
    -- what every hourly line of the resource repeats, computed once here rather than per row
    g.prefix || CASE b.kind WHEN 'sagemaker' THEN '-Host:' ELSE '-BoxUsage:' END || b.instance_type
        AS usage_type,
    g.prefix || '-SpotUsage:' || b.instance_type AS spot_usage_type,
    upper(left(md5(g.prefix || CASE b.kind WHEN 'sagemaker' THEN '-Host:' ELSE '-BoxUsage:' END
                   || b.instance_type || b.region), 16)) AS sku,
    upper(left(md5(g.prefix || '-SpotUsage:' || b.instance_type || b.region), 16)) AS spot_sku,
    CASE b.kind
        WHEN 'sagemaker' THEN '$' || c.on_demand_usd_per_hour || ' per Hosting ' || b.instance_type
                              || ' hour in ' || g.location
        ELSE '$' || c.on_demand_usd_per_hour || ' per On Demand Linux ' || b.instance_type || ' Instance Hour'
    END AS od_description,
    map(['product_name', 'region'],
        [CASE b.kind WHEN 'ec2' THEN 'Amazon Elastic Compute Cloud' WHEN 'sagemaker' THEN 'Amazon SageMaker'
                     WHEN 'bedrock' THEN 'Amazon Bedrock' ELSE 'Amazon Simple Storage Service' END,
         b.region]) AS product,
    CASE
        WHEN b.kind = 'ec2' AND len(b.tag_keys) > 0 THEN
            map(list_append(b.tag_keys, 'user_name'),
                list_append(b.tag_vals,
                            CASE WHEN k.clone = 0 THEN b.name ELSE b.name || printf('-s%03d', k.clone) END))
        ELSE map(b.tag_keys, b.tag_vals)
    END AS tags,
    map(b.late_tag_keys, b.late_tag_vals) AS late_tags,
    b.late_tags_from,
    b.start_gb,
    b.growth_gb,
    b.dt_out_gb,
    b.replicate_to,
    t.prefix AS replicate_prefix,
    t.location AS replicate_location
FROM demo_base_resources AS b
JOIN range(getvariable('scale')) AS k(clone) ON b.clonable OR k.clone = 0
JOIN demo_regions AS g ON g.region = b.region
LEFT JOIN demo_regions AS t ON t.region = b.replicate_to
LEFT JOIN demo_catalog AS c ON c.instance_type = b.instance_type
