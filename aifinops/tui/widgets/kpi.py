"""A headline number with what it is and what to compare it with."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Kpi(Static):
    """Title (dim), value (bold), and one line of context beneath."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="kpi")
        self.title = title
        self.set_value("…", "")

    def set_value(self, value: str, note: str = "", *, tone: str = "") -> None:
        """`tone` is a style for the value: "good", "bad" or "" (theme colours in app.tcss
        cannot reach inside Rich text, so the two tones are fixed colours)."""
        style = {"good": "bold #5faf5f", "bad": "bold #d75f5f"}.get(tone, "bold")
        text = Text(self.title + "\n", style="#9e9e9e")
        text.append(value + "\n", style=style)
        text.append(note, style="#9e9e9e")
        self.update(text)
