"""`aifinops sync`: every configured source, the refresh, the reports and the alerts, for cron."""
