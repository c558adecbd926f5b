"""On-host telemetry: the NVML sampler and its spool files. Imports neither DuckDB nor Textual."""
