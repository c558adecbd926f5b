"""Every key the app answers, in one registry: bindings and the help screen are built from it.

A screen's `BINDINGS` come from `bindings(scope)`, and the help screen lists `KEYS` for the
global scope and the current screen's, so a key cannot do one thing and be documented as another
(harlequin's habit).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

GLOBAL = "global"


@dataclass(frozen=True)
class Key:
    keys: str            # Textual key names, comma-separated for alternatives
    action: str          # the action string bound (app.… for app actions)
    description: str     # what the footer shows
    scope: str           # global, or the screen's scope name
    help: str = ""       # one line for the help screen, when the description is not enough
    show: bool = True    # shown in the footer
    priority: bool = False

    @property
    def display(self) -> str:
        names = {"question_mark": "?", "escape": "esc", "enter": "enter", "slash": "/"}
        return " / ".join(names.get(k, k) for k in self.keys.split(","))


SCOPE_TITLES: dict[str, str] = {
    GLOBAL: "Everywhere",
    "overview": "Overview",
    "models": "Models",
    "model": "A model",
    "idle": "Idle resources",
    "resource": "A resource",
    "recs": "Recommendations",
    "rec": "A recommendation",
    "sql": "SQL console",
    "detail": "Detail screens",
}

KEYS: tuple[Key, ...] = (
    Key("1", "app.switch_mode('overview')", "Overview", GLOBAL, "spend, forecast, idle cost, savings"),
    Key("2", "app.switch_mode('models')", "Models", GLOBAL, "cost, GPU-hours and waste per model"),
    Key("3", "app.switch_mode('idle')", "Idle", GLOBAL, "GPU resources by what their idle hours cost"),
    Key("4", "app.switch_mode('recs')", "Recs", GLOBAL, "recommended actions: accept, dismiss, apply"),
    Key("5", "app.switch_mode('sql')", "SQL", GLOBAL, "read-only SQL over the same database"),
    Key("f", "app.filters", "Filters", GLOBAL, "date range, provider, account, team"),
    Key("f5", "app.reload", "Reload", GLOBAL, "read the database again (after a sync)", show=False),
    Key("question_mark", "app.help", "Help", GLOBAL, "this screen"),
    Key("ctrl+p", "app.command_palette", "Commands", GLOBAL,
        "jump to any screen, model or action by name", show=False),
    Key("q", "app.quit", "Quit", GLOBAL, show=False),
    Key("escape", "back", "Back", "detail", "return to the list"),
    Key("enter", "open", "Open", "overview", "open the model or recommendation under the cursor",
        show=False),
    Key("enter", "open", "Open model", "models", "daily cost, resources, GPU hours"),
    Key("enter", "open", "Open resource", "model", "its GPUs hour by hour, processes, recommendations"),
    Key("enter", "open", "Open resource", "idle", "its GPUs hour by hour beside its cost"),
    Key("enter", "open", "Evidence & plan", "recs", "the numbers behind it and the exact change"),
    Key("enter", "open", "Open", "resource", "open the recommendation under the cursor", show=False),
    Key("a", "rec_accept", "Accept", "recs", "mark it accepted, so it can be applied"),
    Key("d", "rec_dismiss", "Dismiss", "recs", "asks why; it stays dismissed unless its saving grows"),
    Key("s", "rec_snooze", "Snooze", "recs", "asks until when; it reopens on that day"),
    Key("A", "rec_apply", "Apply", "recs", "confirm, dry run, then apply an accepted one"),
    Key("a", "rec_accept", "Accept", "rec"),
    Key("d", "rec_dismiss", "Dismiss", "rec"),
    Key("s", "rec_snooze", "Snooze", "rec"),
    Key("A", "rec_apply", "Apply", "rec", "confirm, dry run, then apply"),
    Key("ctrl+r", "run", "Run", "sql", "run the SQL in the editor", priority=True),
    Key("ctrl+up", "history(-1)", "Older", "sql", "previous query from the history", priority=True),
    Key("ctrl+down", "history(1)", "Newer", "sql", "next query from the history", priority=True),
    Key("escape", "leave_editor", "Leave editor", "sql", "so number keys switch screens again",
        show=False),
)


def bindings(*scopes: str) -> list[BindingType]:
    """The Textual bindings of the keys in these scopes, in registry order."""
    return [
        Binding(k.keys, k.action, k.description, show=k.show, priority=k.priority)
        for k in KEYS if k.scope in scopes
    ]


def keys_for(*scopes: str) -> list[Key]:
    return [k for k in KEYS if k.scope in scopes]
