-- The change sets one refresh collects before it rebuilds what views read (temp tables, gone at
-- the end of the session): days whose cost rows changed, GPU resources' days whose hourly cost
-- changed, resources whose attribution changed, hosts whose link to the bill changed, host-days
-- with new GPU rollup rows.
CREATE OR REPLACE TEMP TABLE refresh_days (day DATE);
CREATE OR REPLACE TEMP TABLE refresh_cost_hours (resource_id VARCHAR, day DATE);
CREATE OR REPLACE TEMP TABLE refresh_attr_resources (resource_id VARCHAR);
CREATE OR REPLACE TEMP TABLE refresh_link_hosts (host VARCHAR, old_key VARCHAR, new_key VARCHAR);
CREATE OR REPLACE TEMP TABLE refresh_host_days (host VARCHAR, day DATE);
