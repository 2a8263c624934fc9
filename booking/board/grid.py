"""Where bookings sit on the occupancy board: grid columns, lanes and groups for one day.

Plain computation over dates and instants: no request, no templates, no database.
The board reads like the house's clock on the wall: columns are local wall-clock time
from 07:00 to 23:00 in 15-minute steps, also on the days the clocks change (the
changes happen at night, outside the window). Grid lines are 1-based as in CSS:
column n lies between line n and line n + 1, so the 64 columns have lines 1 to 65.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time
from typing import Any, Protocol

from ..clock import local, to_utc
from ..models import natural_key

FIRST_HOUR = 7
LAST_HOUR = 23
SLOT_MINUTES = 15
SLOTS_PER_HOUR = 60 // SLOT_MINUTES
SLOTS = (LAST_HOUR - FIRST_HOUR) * SLOTS_PER_HOUR  # 64 columns, lines 1..65
LAST_LINE = SLOTS + 1

# board.css has a class for each of this many lanes (.lane-N, .lanes-N); rarer
# further lanes are placed by the browser (grid-auto-flow: dense).
MAX_LANES = 12

# Group order on the board; a resource kind compares equal to its stored value.
KIND_ORDER = ("room", "plot", "equipment")


class Timed(Protocol):
    resource_id: int
    starts_at: datetime
    ends_at: datetime


class Placeable(Protocol):
    id: int
    kind: Any
    name: str


@dataclass(frozen=True, slots=True)
class Span:
    """Grid lines of one booking on one day's board, and whether it was cut to fit."""

    start: int  # 1..64
    end: int  # 2..65, always after start
    cut_start: bool  # begins before 07:00 of this day (or on an earlier day)
    cut_end: bool  # goes on after 23:00 of this day (or into a later day)


@dataclass(frozen=True, slots=True)
class Block:
    """One booking placed in a resource's row: its span and the lane it takes."""

    item: Any
    span: Span
    lane: int  # 1-based; bookings that share time (equipment units) get their own lanes

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end


@dataclass(frozen=True)
class Row:
    resource: Any
    blocks: tuple[Block, ...]
    lanes: int  # at least 1, so an empty row still has height


@dataclass(frozen=True)
class Group:
    kind: Any
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Hour:
    """One hour label in the grid's head."""

    hour: int
    start: int
    end: int


def hours() -> list[Hour]:
    """The hour columns of the head: 07 spans lines 1-5, 08 lines 5-9, ... 22 lines 61-65."""
    return [
        Hour(h, (h - FIRST_HOUR) * SLOTS_PER_HOUR + 1, (h - FIRST_HOUR + 1) * SLOTS_PER_HOUR + 1)
        for h in range(FIRST_HOUR, LAST_HOUR)
    ]


@lru_cache(maxsize=512)
def window(day: date) -> tuple[datetime, datetime]:
    """The UTC instants of 07:00 and 23:00 local time on this day."""
    return to_utc(day, time(FIRST_HOUR)), to_utc(day, time(LAST_HOUR))


def _minutes_after_opening(instant: datetime) -> float:
    """Wall-clock minutes from 07:00 to a local time that lies within the same day's window."""
    wall = local(instant)
    return (wall.hour - FIRST_HOUR) * 60 + wall.minute + wall.second / 60


def span(starts_at: datetime, ends_at: datetime, day: date) -> Span | None:
    """The columns [starts_at, ends_at) covers on the day's board, or None if none at all.

    A start is rounded down and an end up to the 15-minute grid, so a short booking
    still shows as at least one column.
    """
    opening, closing = window(day)
    start = max(starts_at, opening)
    end = min(ends_at, closing)
    if start >= end:
        return None
    first = math.floor(_minutes_after_opening(start) / SLOT_MINUTES)
    last = math.ceil(_minutes_after_opening(end) / SLOT_MINUTES)
    first = min(max(first, 0), SLOTS - 1)
    last = min(max(last, first + 1), SLOTS)
    return Span(first + 1, last + 1, cut_start=starts_at < opening, cut_end=ends_at > closing)


def lanes(spans: Sequence[Span]) -> list[int]:
    """A lane for each span (same order) so that no two spans in one lane share a column."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    lane_ends: list[int] = []  # the end line of the last span in each lane
    result = [0] * len(spans)
    for i in order:
        s = spans[i]
        for lane, end in enumerate(lane_ends):
            if end <= s.start:
                lane_ends[lane] = s.end
                result[i] = lane + 1
                break
        else:
            lane_ends.append(s.end)
            result[i] = len(lane_ends)
    return result


def _kind_rank(kind: Any) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


@lru_cache(maxsize=4096)
def _order(kind: Any, name: str) -> tuple:
    return (_kind_rank(kind), natural_key(name))


def board(day: date, resources: Iterable[Placeable], bookings: Iterable[Timed]) -> list[Group]:
    """Rows of resources grouped by kind (rooms, plots, equipment; by name within), each with
    the bookings that show between 07:00 and 23:00 of the day. Kinds without resources are left out.
    """
    by_resource: dict[int, list[tuple[Any, Span]]] = {}
    for item in bookings:
        placed = span(item.starts_at, item.ends_at, day)
        if placed is not None:
            by_resource.setdefault(item.resource_id, []).append((item, placed))

    groups: dict[Any, list[Row]] = {}
    for resource in sorted(resources, key=lambda r: _order(r.kind, r.name)):
        placed = sorted(by_resource.get(resource.id, []), key=lambda p: (p[1].start, p[1].end))
        lane_of = lanes([s for _, s in placed])
        blocks = tuple(Block(item, s, lane) for (item, s), lane in zip(placed, lane_of))
        row = Row(resource, blocks, max(lane_of, default=1))
        groups.setdefault(resource.kind, []).append(row)
    return [Group(kind, tuple(rows)) for kind, rows in groups.items()]


def now_line(day: date, at: datetime) -> int | None:
    """The grid line where the column holding `at` starts, if `at` falls in this day's window."""
    opening, closing = window(day)
    if not opening <= at < closing:
        return None
    return math.floor(_minutes_after_opening(at) / SLOT_MINUTES) + 1


def phase(starts_at: datetime, ends_at: datetime, at: datetime) -> str:
    """"past", "now" or "later" for a booking seen at the instant `at`."""
    if ends_at <= at:
        return "past"
    if starts_at <= at:
        return "now"
    return "later"


def in_order(bookings: Iterable[Timed]) -> list[Any]:
    """The day's bookings as a list in time order: by start, then end, then resource."""
    return sorted(bookings, key=lambda b: (b.starts_at, b.ends_at, b.resource_id))


def split_past(bookings: Iterable[Timed], at: datetime) -> tuple[list[Any], list[Any]]:
    """Those over by `at`, and those running or still to come; both in time order."""
    ordered = in_order(bookings)
    return [b for b in ordered if b.ends_at <= at], [b for b in ordered if b.ends_at > at]
HOURS = hours()
