"""The Textual app. `aifinops.tui.app.make_app` builds it; nothing here imports Textual eagerly,
so the UI-free modules beside it (`database`, `format`, `rec_actions`) load without it."""
