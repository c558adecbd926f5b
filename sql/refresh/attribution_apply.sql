-- Apply attribution_next (attribution_next.sql) to resource_attribution key by key, and record
-- the resources whose attribution changed (or that appeared or went): their cost_daily rows are
-- the only ones rebuilt. An unchanged rule set rebuilds nothing.
CREATE OR REPLACE TEMP TABLE attribution_changed AS
(SELECT * FROM attribution_next EXCEPT SELECT * FROM resource_attribution)
UNION ALL
(SELECT * FROM resource_attribution EXCEPT SELECT * FROM attribution_next);

INSERT INTO refresh_attr_resources
SELECT DISTINCT ResourceId FROM attribution_changed;

DELETE FROM resource_attribution
WHERE attr_key IN (SELECT attr_key FROM attribution_changed);

INSERT INTO resource_attribution BY NAME
SELECT * FROM attribution_next
WHERE attr_key IN (SELECT attr_key FROM attribution_changed);
