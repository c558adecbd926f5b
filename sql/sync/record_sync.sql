-- One row per `aifinops sync`: when, how it ended, which sources failed and what alerted.
INSERT INTO sync_runs (started_at, finished_at, exit_code, sources_ok, sources_failed, alerts,
                       failures)
SELECT $started_at, $finished_at, $exit_code, $ok, $failed, CAST($alerts AS JSON),
       CAST($failures AS JSON)
