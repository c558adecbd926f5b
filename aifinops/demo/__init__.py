"""The demo world: one seeded, coherent AI team whose every source (bill, telemetry) agrees."""
