-- What cur_to_focus.sql reads from a resource tag map `m` (relation `tag_maps`): its JSON and
-- the configured model/team/env/name tags (macros from aifinops.ingest.tag_macros). For parquet
-- this runs once per distinct map and is joined back (a month has a few thousand distinct maps
-- among millions of rows); legacy CSV, which would have to be read twice, runs it per row.
SELECT
    *,
    CASE WHEN m IS NULL THEN NULL ELSE to_json(m) END AS x_tags_json,
    tag_model(m)                                      AS x_tag_model,
    tag_team(m)                                       AS x_tag_team,
    tag_env(m)                                        AS x_tag_env,
    tag_name(m)                                       AS x_tag_name
FROM tag_maps
