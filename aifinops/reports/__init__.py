"""Periodic reports: one `ReportData` gathered by SQL in `sql/reports/`, rendered four ways.

Markdown for a chat or a merge request, self-contained HTML with SVG charts that opens offline,
and CSV and JSON for machines. The CLI, `aifinops sync` and tests all call `write_reports`.
"""
