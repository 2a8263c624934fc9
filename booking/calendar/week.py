"""Where things sit in the week view: days as columns, quarter hours as rows, lanes for overlaps.

Plain computation over dates and instants: no request, no templates, no database. Rows are
local wall-clock quarter hours from the earliest opening to the latest closing of the week
(lines are 1-based as in CSS: row n lies between line n and line n + 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from ..clock import local
from ..rules import WeekHours

QUARTERS_PER_HOUR = 4
MAX_LANES = 6  # calendar.css has classes for this many lanes; more are stacked in the last
DEFAULT_HOURS = (8, 22)  # a week in which everything is closed still shows a frame


@dataclass(frozen=True)
class Placed:
    """One booking or closure in a day's column."""

    item: Any
    row_start: int
    row_end: int
    lane: int
    cut_start: bool
    cut_end: bool


@dataclass(frozen=True)
class Column:
    day: date
    placed: tuple[Placed, ...]
    lanes: int
    open_rows: tuple[tuple[int, int], ...]  # (first line, last line) of the opening hours, if open
    slots: tuple[tuple[int, time, time], ...]  # empty whole hours to click: (line, start, end)


def hour_range(hours: WeekHours, resource_ids: Iterable[int], days: Sequence[date]) -> tuple[int, int]:
    """The first and last hour shown: the earliest opening and the latest closing of these days."""
    opens, closes = [], []
    for rid in resource_ids:
        for day in days:
            minutes = hours.minutes(rid, day.weekday())
            if minutes:
                opens.append(minutes[0])
                closes.append(minutes[1])
    if not opens:
        return DEFAULT_HOURS
    return min(opens) // 60, min(24, math.ceil(max(closes) / 60))


def _line(instant: datetime, day: date, first_hour: int, last_hour: int, round_up: bool) -> tuple[int, bool]:
    """The grid line of an instant on `day`'s column, clamped; and whether it was cut."""
    wall = local(instant)
    if wall.date() < day:
        return 1, True
    if wall.date() > day:
        return (last_hour - first_hour) * QUARTERS_PER_HOUR + 1, True
    minutes = (wall.hour - first_hour) * 60 + wall.minute + wall.second / 60
    quarters = (math.ceil if round_up else math.floor)(minutes / 15)
    last = (last_hour - first_hour) * QUARTERS_PER_HOUR
    cut = quarters < 0 or quarters > last
    return min(max(quarters, 0), last) + 1, cut


def lanes(spans: Sequence[tuple[int, int]]) -> list[int]:
    """A lane for each (start, end) so that no two in one lane share a row."""
    order = sorted(range(len(spans)), key=lambda i: spans[i])
    ends: list[int] = []
    result = [0] * len(spans)
    for i in order:
        start, end = spans[i]
        for lane, last in enumerate(ends):
            if last <= start:
                ends[lane] = end
                result[i] = lane + 1
                break
        else:
            ends.append(end)
            result[i] = len(ends)
    return result


def columns(days: Sequence[date], items: Iterable[Any], first_hour: int, last_hour: int,
            open_minutes=lambda day: None, with_slots: bool = False) -> list[Column]:
    """Each day's column with the items (having starts_at and ends_at) that show in it.

    `open_minutes(day)` gives (opens, closes) in minutes after midnight, or None when closed;
    with `with_slots`, the whole hours within it that nothing covers become slots to click.
    """
    items = list(items)
    result = []
    for day in days:
        rows = []
        for item in items:
            if local(item.starts_at).date() > day or local(item.ends_at - timedelta(microseconds=1)).date() < day:
                continue
            a, cut_a = _line(item.starts_at, day, first_hour, last_hour, round_up=False)
            b, cut_b = _line(item.ends_at, day, first_hour, last_hour, round_up=True)
            if b <= a:
                if cut_a or cut_b:
                    continue  # lies wholly outside the hours shown
                b = a + 1
            rows.append((item, a, b, cut_a, cut_b))
        rows.sort(key=lambda row: (row[1], row[2]))
        lane_of = lanes([(a, b) for _, a, b, _, _ in rows])
        placed = tuple(Placed(item, a, b, min(lane, MAX_LANES), ca, cb)
                       for (item, a, b, ca, cb), lane in zip(rows, lane_of))
        minutes = open_minutes(day)
        open_rows: tuple[tuple[int, int], ...] = ()
        slots = []
        if minutes:
            first = max(0, minutes[0] - first_hour * 60) // 15 + 1
            last = min((last_hour - first_hour) * 60, minutes[1] - first_hour * 60) // 15 + 1
            open_rows = ((first, last),)
            taken = [(p.row_start, p.row_end) for p in placed]
            for hour in range(math.ceil(minutes[0] / 60), minutes[1] // 60 if with_slots else 0):
                line = (hour - first_hour) * QUARTERS_PER_HOUR + 1
                if line < 1 or line + QUARTERS_PER_HOUR > (last_hour - first_hour) * QUARTERS_PER_HOUR + 1:
                    continue
                if any(a < line + QUARTERS_PER_HOUR and line < b for a, b in taken):
                    continue
                end = time(hour + 1) if hour < 23 else time(23, 59)
                slots.append((line, time(hour), end))
        result.append(Column(day, placed, min(max(lane_of, default=1), MAX_LANES), open_rows, tuple(slots)))
    return result


def hour_labels(first_hour: int, last_hour: int) -> list[tuple[int, int]]:
    """(hour, line) for the row labels."""
    return [(h, (h - first_hour) * QUARTERS_PER_HOUR + 1) for h in range(first_hour, last_hour)]
