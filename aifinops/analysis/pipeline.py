"""What follows every load: rollups and attribution, then the recommendation rules.

One function so the CLI, the demo, sync and tests run the same steps in the same order.
"""

from __future__ import annotations

from aifinops.analysis.recommend import RunReport, run_recommendations
from aifinops.analysis.refresh import RefreshReport, refresh
from aifinops.config import Settings
from aifinops.store import Store


def refresh_and_recommend(store: Store, settings: Settings, *,
                          full: bool = False) -> tuple[RefreshReport, RunReport]:
    refreshed = refresh(store, settings, full=full)
    return refreshed, run_recommendations(store, settings)
