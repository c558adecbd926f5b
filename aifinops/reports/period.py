"""Which days a report covers, and the days it is compared against.

A month still in progress is compared with the same number of days of the month before, so a
report on the 10th does not look like a 70% drop against a whole month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from aifinops.errors import AifinopsError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAYS = re.compile(r"^(?:last-)?(\d{1,3})d$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
PERIOD_HELP = "YYYY-MM (a month), 7d / last-30d (days up to the latest data), or FROM..TO dates"


@dataclass(frozen=True)
class Period:
    """Days [start, end) and the comparison days [prev_start, prev_end)."""

    label: str
    start: date
    end: date
    prev_start: date
    prev_end: date
    month: str | None  # YYYY-MM when the period is (part of) one calendar month
    partial: bool      # a month that the data does not cover to its last day

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def describe(self) -> str:
        span = f"{self.start:%Y-%m-%d} to {self.last_day:%Y-%m-%d}"
        if self.month and not self.partial:
            return f"{self.label} ({span})"
        if self.month:
            return f"{self.label} month to date ({span})"
        return f"{self.label} ({span})"

    def describe_previous(self) -> str:
        return f"{self.prev_start:%Y-%m-%d} to {self.prev_end - timedelta(days=1):%Y-%m-%d}"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _previous_month(day: date) -> date:
    return _month_start(_month_start(day) - timedelta(days=1))


def month_period(month_start: date, as_of: date | None) -> Period:
    end = next_month(month_start)
    partial = as_of is not None and month_start <= as_of < end - timedelta(days=1)
    if partial and as_of is not None:
        end = as_of + timedelta(days=1)
    prev_start = _previous_month(month_start)
    prev_end = min(prev_start + timedelta(days=(end - month_start).days), month_start)
    return Period(f"{month_start:%Y-%m}", month_start, end, prev_start, prev_end,
                  f"{month_start:%Y-%m}", partial)


def parse_period(text: str | None, as_of: date | None) -> Period:
    """`None` means the month of the latest data; `as_of` is the last day with data."""
    if text is None:
        if as_of is None:
            raise AifinopsError("no cost data yet: ingest a bill (or run `aifinops demo`) first")
        return month_period(_month_start(as_of), as_of)
    text = text.strip()
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise AifinopsError(f"--period {text}: month must be 01..12")
        return month_period(date(year, month, 1), as_of)
    if m := _DAYS.match(text):
        days = int(m.group(1))
        if days < 1:
            raise AifinopsError(f"--period {text}: at least one day")
        if as_of is None:
            raise AifinopsError("no cost data yet: ingest a bill (or run `aifinops demo`) first")
        end = as_of + timedelta(days=1)
        start = end - timedelta(days=days)
        return Period(f"last {days} days", start, end, start - timedelta(days=days), start,
                      None, False)
    if m := _RANGE.match(text):
        try:
            first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        except ValueError as exc:
            raise AifinopsError(f"--period {text}: {exc}") from exc
        if last < first:
            raise AifinopsError(f"--period {text}: the end is before the start")
        end = last + timedelta(days=1)
        span = (end - first).days
        same_month = f"{first:%Y-%m}" if f"{first:%Y-%m}" == f"{last:%Y-%m}" else None
        return Period(f"{first:%Y-%m-%d}..{last:%Y-%m-%d}", first, end,
                      first - timedelta(days=span), first, same_month, False)
    raise AifinopsError(f"--period {text!r}: expected {PERIOD_HELP}")
