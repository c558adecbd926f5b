"""aifinops: cloud bills and GPU telemetry in one DuckDB file, with answers in dollars."""

__version__ = "0.1.0"
