"""Terminal charts drawn with block characters: daily bars, and hour-by-hour GPU strips.

Our own rather than a plotting library's: they draw in well under a millisecond, size themselves
to the widget, read at a glance (one row per GPU, one cell per hour or block of hours, shade and
colour by activity, the hourly cost underneath on the same time axis) and render identically
every time, which the snapshot tests rely on. The drawing is pure functions of data and size
(`bar_lines`, `strip_lines`); the widgets only hold data and call them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from aifinops.tui.format import short_money

EIGHTHS = " ▁▂▃▄▅▆▇█"
BAR_STYLE = "#5fafd7"
LAST_BAR_STYLE = "bold #87d7ff"
AXIS_STYLE = "#808080"
COST_STYLE = "#5fafd7"
NO_DATA = ("·", "#4e4e4e")
# Activity bands: (upper bound %, character, colour). Idle is red: that is where money goes.
BANDS: tuple[tuple[float, str, str], ...] = (
    (5.0, "░", "#d75f5f"),
    (30.0, "▒", "#d7af5f"),
    (60.0, "▓", "#87af5f"),
    (math.inf, "█", "#5faf5f"),
)


def band(value: float | None) -> tuple[str, str]:
    if value is None:
        return NO_DATA
    for upper, char, style in BANDS:
        if value < upper:
            return char, style
    return BANDS[-1][1], BANDS[-1][2]


def _bins(count: int, width: int) -> list[tuple[int, int]]:
    """Split `count` items into at most `width` contiguous [start, end) groups."""
    groups = min(count, max(width, 1))
    return [(i * count // groups, (i + 1) * count // groups) for i in range(groups)]


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


# ---- daily bars ----------------------------------------------------------------------------


def bar_lines(points: Sequence[tuple[date, float]], width: int, height: int) -> list[Text]:
    """Vertical bars of daily values (a block of days per bar when they outnumber the columns).

    Left: a money axis at the top, middle and bottom; last row: the first, middle and last dates.
    Negative days (credits) draw as empty bars; the axis starts at $0.
    """
    if not points or width < 12 or height < 3:
        return [Text("no data in this range", style=AXIS_STYLE)]
    values = [max(float(v), 0.0) for _, v in points]
    top = max(values) or 1.0
    axis_w = max(len(short_money(top)), len(short_money(top / 2)), 2) + 1
    plot_w, plot_h = width - axis_w - 1, height - 1
    groups = _bins(len(values), plot_w)
    bars = [sum(values[a:b]) / (b - a) for a, b in groups]
    top = max(bars) or 1.0
    step = max(1, plot_w // len(bars))
    bar_w = step - 1 if step >= 2 else 1  # a gap between bars whenever there is room
    lines: list[Text] = []
    for row in range(plot_h):
        level = plot_h - row  # 1 = bottom row
        if row == 0:
            tick = short_money(top)
        elif row == plot_h // 2 and plot_h >= 4:
            tick = short_money(top * (level / plot_h))
        elif level == 1:
            tick = "$0"
        else:
            tick = ""
        line = Text(tick.rjust(axis_w - 1) + " ┤" if tick else " " * axis_w + "│", style=AXIS_STYLE)
        for i, value in enumerate(bars):
            eighths = round(value / top * plot_h * 8)
            fill = eighths - (level - 1) * 8
            char = EIGHTHS[max(0, min(8, fill))]
            style = LAST_BAR_STYLE if i == len(bars) - 1 else BAR_STYLE
            line.append(char * bar_w, style=style)
            line.append(" " * (step - bar_w))
        lines.append(line)
    lines.append(_date_axis([d for d, _ in points], groups, step, axis_w, plot_w))
    return lines


def _date_axis(days: Sequence[date], groups: list[tuple[int, int]], step: int, axis_w: int,
               plot_w: int) -> Text:
    chars = [" "] * (axis_w + 1 + plot_w + 8)
    picks = sorted({0, len(groups) // 2, len(groups) - 1})
    last_end = -1
    for index in picks:
        text = days[groups[index][0]].strftime("%m-%d")
        at = axis_w + 1 + index * step
        if index == len(groups) - 1:
            at = max(at + step - len(text), at - len(text) + 1) if step < len(text) else at
            at = min(at, axis_w + 1 + plot_w - len(text))
        if at <= last_end:
            continue
        chars[at:at + len(text)] = text
        last_end = at + len(text)
    return Text("".join(chars).rstrip(), style=AXIS_STYLE)


class BarChart(Widget):
    """Daily cost as bars; `show(points)` with (day, value) pairs, every day present."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._points: list[tuple[date, float]] = []

    def show(self, points: Sequence[tuple[date, float]]) -> None:
        self._points = list(points)
        self.refresh()

    def render(self) -> RenderableType:
        lines = bar_lines(self._points, self.size.width, self.size.height)
        return Text("\n").join(lines)


# ---- hour-by-hour GPU strips ---------------------------------------------------------------


@dataclass
class StripData:
    """Rows of hourly activity (percent, None where not observed) on one hour axis."""

    start: datetime
    hours: int
    rows: list[tuple[str, list[float | None]]] = field(default_factory=list)
    cost: list[float | None] | None = None   # what each hour cost, for the row beneath

    @classmethod
    def build(cls, start: datetime, end: datetime,
              samples: Sequence[tuple[str, datetime, float | None]],
              cost: Sequence[tuple[datetime, float]] | None = None,
              bin_hours: int = 1) -> StripData:
        """From (row label, bucket start, activity %) triples — each standing for `bin_hours`
        hours — and (hour, cost) pairs; rows keep their order."""
        hours = max(1, int((end - start).total_seconds() // 3600))
        rows: dict[str, list[float | None]] = {}
        for name, hour, value in samples:
            values = rows.setdefault(name, [None] * hours)
            index = int((hour - start).total_seconds() // 3600)
            for at in range(max(index, 0), min(index + bin_hours, hours)):
                values[at] = None if value is None else float(value)
        cost_row: list[float | None] | None = None
        if cost is not None:
            cost_row = [None] * hours
            for hour, value in cost:
                index = int((hour - start).total_seconds() // 3600)
                if 0 <= index < hours:
                    cost_row[index] = float(value)
        return cls(start, hours, list(rows.items()), cost_row)


def strip_lines(data: StripData, width: int) -> list[Text]:
    """One line per row (label, then a cell per hour or per block of whole hours), the cost row
    (with its total at the end), the date axis and a legend."""
    label_w = min(max([len(n) for n, _ in data.rows] + [8]) + 1, 26)
    plot_w = max(width - label_w - 8, 10)
    per_cell = max(1, math.ceil(data.hours / plot_w))
    groups = [(a, min(a + per_cell, data.hours)) for a in range(0, data.hours, per_cell)]
    lines: list[Text] = []
    for name, values in data.rows:
        line = Text(name[: label_w - 1].ljust(label_w), style="bold" if "GPU" not in name else "")
        for a, b in groups:
            char, style = band(_mean(values[a:b]))
            line.append(char, style=style)
        lines.append(line)
    if data.cost is not None:
        sums = [sum(v for v in data.cost[a:b] if v is not None) if any(
            v is not None for v in data.cost[a:b]) else None for a, b in groups]
        top = max((s for s in sums if s is not None), default=0.0) or 1.0
        line = Text("cost".ljust(label_w), style=COST_STYLE)
        for value in sums:
            if value is None:
                line.append(*NO_DATA)
            else:
                line.append(EIGHTHS[max(1, round(value / top * 8))], style=COST_STYLE)
        total = sum(s for s in sums if s is not None)
        line.append(f" {short_money(total)}", style=COST_STYLE)
        lines.append(line)
    lines.append(_hour_axis(data.start, groups, label_w))
    unit = "1 hour" if per_cell == 1 else f"{per_cell} hours"
    legend = Text(" " * label_w + f"one cell = {unit}   ", style=AXIS_STYLE)
    for (_upper, char, style), text in zip(BANDS, ("idle <5%", "<30%", "<60%", "≥60%"), strict=True):
        legend.append(char * 2, style=style)
        legend.append(f" {text}  ", style=AXIS_STYLE)
    legend.append(NO_DATA[0] * 2, style=NO_DATA[1])
    legend.append(" no data", style=AXIS_STYLE)
    lines.append(legend)
    return lines


def _hour_axis(start: datetime, groups: list[tuple[int, int]], label_w: int) -> Text:
    chars = [" "] * (label_w + len(groups) + 8)
    last_end = -1
    for cell, (a, _) in enumerate(groups):
        hour = start + timedelta(hours=a)
        previous = start + timedelta(hours=groups[cell - 1][0]) if cell else None
        if previous is not None and previous.date() == hour.date():
            continue
        text = "╵" + hour.strftime("%m-%d")
        at = label_w + cell
        if at <= last_end:
            continue
        chars[at:at + len(text)] = text
        last_end = at + len(text)
    return Text("".join(chars).rstrip(), style=AXIS_STYLE)


class UtilStrips(Widget):
    """GPU activity hour by hour, a row per GPU, with the hourly cost beneath."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._data: StripData | None = None
        self._empty = "no GPU telemetry for this range"

    def show(self, data: StripData | None, empty: str = "no GPU telemetry for this range") -> None:
        """Draw `data`, or the `empty` line when there is none (yet)."""
        self._data = data
        self._empty = empty
        rows = len(data.rows) + (1 if data and data.cost is not None else 0) + 2 if data else 1
        self.styles.height = rows
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        if self._data is None or not self._data.rows:
            return Text(self._empty, style=AXIS_STYLE)
        return Text("\n").join(strip_lines(self._data, self.size.width))
