"""A DataTable that shows a query result, formatted by column name, and remembers the cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from aifinops.analysis.screens_data import Table
from aifinops.tui import format as fmt

STATUS_STYLES = {
    "open": "bold #87afd7", "accepted": "bold #d7af5f", "applied": "bold #5faf5f",
    "failed": "bold #d75f5f", "dismissed": "#808080", "snoozed": "#808080",
    "resolved": "#808080",
}


# Longest text a cell shows before an ellipsis (the whole value is one Enter away).
TEXT_LIMITS = {"title": 100, "command_line": 48, "detail": 72, "signals": 32, "process": 40}
DEFAULT_TEXT_LIMIT = 60
MAX_ROWS = 500


def clip(column: str, text: str, limits: dict[str, int] | None = None) -> str:
    limit = (limits or {}).get(column) or TEXT_LIMITS.get(column, DEFAULT_TEXT_LIMIT)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ResultTable(DataTable[Text]):
    """Rows keyed by one column (`key`), so the cursor survives a reload."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.result: Table | None = None
        self.key_column: str | None = None
        self._last_show: tuple[Any, ...] | None = None
        self._shown_width = 0

    def on_resize(self, event: events.Resize) -> None:
        """A `fill` column is clipped to the width: draw again when the width changes (the
        first draw can come before the table has a size)."""
        if (self._last_show is not None and self._last_show[5] is not None
                and event.size.width != self._shown_width):
            table, columns, key, labels, limits, fill, max_rows = self._last_show
            self.show(table, columns, key, labels, limits, fill, max_rows)

    def show(self, table: Table, columns: Sequence[str] | None = None,
             key: str | None = None, labels: dict[str, str] | None = None,
             limits: dict[str, int] | None = None, fill: str | None = None,
             max_rows: int | None = MAX_ROWS) -> None:
        """Show `table`'s `columns` (all by default), rows keyed by `key`. `fill` names a long
        text column clipped to what the other columns leave of the table's width, so the table
        never needs a horizontal scrollbar for it. At most `max_rows` rows are drawn (a list
        of thousands is for the SQL console or a filter, not for scrolling)."""
        previous = self.selected_key
        self._last_show = (table, columns, key, labels, limits, fill, max_rows)
        self._shown_width = self.size.width
        shown = [c for c in (columns or table.columns) if c in table.columns]
        self.result, self.key_column = table, key
        self.clear(columns=True)
        index = {c: i for i, c in enumerate(table.columns)}
        rows = table.rows if max_rows is None else table.rows[:max_rows]
        titles = {c: Text((labels or {}).get(c) or fmt.label(c),
                          justify="right" if fmt.is_numeric(c) else "left") for c in shown}
        fill_name = fill if fill in shown and self.size.width else None

        def column_cells(column: str) -> list[Text]:
            return [self._cell(column, row[index[column]], limits) for row in rows]

        def width(column: str) -> int:
            return max([titles[column].cell_len] + [t.cell_len for t in formatted[column]])

        # Widths set here, not measured by DataTable when idle: a second `show` before the
        # table measured the first (a screen's two-step draw) left columns at header width.
        formatted = {c: column_cells(c) for c in shown if c != fill_name}
        widths = {c: width(c) for c in formatted}
        if fill_name is not None:  # the fill column gets what the others leave of the width
            others = sum(w + 2 for w in widths.values())
            limits = {**(limits or {}), fill_name: max(16, self.size.width - others - 4)}
            formatted[fill_name] = column_cells(fill_name)
            widths[fill_name] = width(fill_name)
        for column in shown:
            self.add_column(titles[column], key=column, width=widths[column])
        cells = [[formatted[c][n] for c in shown] for n in range(len(rows))]
        key_index = index.get(key) if key else None
        seen: set[str] = set()
        for n, (row, row_cells) in enumerate(zip(rows, cells, strict=True)):
            row_key = str(row[key_index]) if key_index is not None else str(n)
            if row_key in seen:  # keys must be unique; a repeated one keeps its position
                row_key = f"{row_key}#{n}"
            seen.add(row_key)
            self.add_row(*row_cells, key=row_key)
        if previous is not None:
            for n, row in enumerate(rows):
                if key_index is not None and str(row[key_index]) == previous:
                    self.move_cursor(row=n)
                    break

    @staticmethod
    def _cell(column: str, value: object, limits: dict[str, int] | None = None) -> Text:
        text = clip(column, fmt.cell(column, value), limits)
        if column == "status" and isinstance(value, str):
            return Text(text, style=STATUS_STYLES.get(value, ""))
        if fmt.is_numeric(column):
            return Text(text, justify="right")
        return Text(text)

    @property
    def hidden_rows(self) -> int:
        """Rows of the last result not drawn (beyond `max_rows`)."""
        return max(0, len(self.result.rows) - self.row_count) if self.result else 0

    @property
    def selected_key(self) -> str | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value).split("#")[0]

    @property
    def selected_record(self) -> dict[str, object] | None:
        if self.result is None or not self.row_count or self.cursor_row >= len(self.result.rows):
            return None
        return dict(zip(self.result.columns, self.result.rows[self.cursor_row], strict=True))
