"""The app's screens: one module per section, drill-downs beside their list."""
