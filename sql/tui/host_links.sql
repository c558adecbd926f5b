-- tui_host_links: which billed resource each GPU host is (host, resource_id, matched_by). Read
-- from the gpu_host_links table that refresh keeps when it exists and is filled, else from the
-- gpu_host_resources view (which matches hosts to the bill on every query). The app picks the
-- source once per database open (screens_data.load_context) and substitutes it for {source}.
CREATE OR REPLACE TEMP VIEW tui_host_links AS
SELECT host, resource_id, matched_by
FROM {source}
