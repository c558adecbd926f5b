-- Each recommendation's status before a sync, to tell which ones the sync newly opened.
SELECT id, status FROM recommendations
