"""Widgets the screens share: charts, KPI cards, result tables, the filter bar."""
