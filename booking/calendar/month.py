"""How full each kind of resource is on each day of a month.

Plain computation: no request, no templates, no database. A day's capacity for a kind is the
opening hours of its active resources that day (units times hours for equipment; whole days
for garden plots); the approved bookings within those hours fill it.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..clock import day_bounds, local
from ..models import ResourceKind
from ..rules import WeekHours

KINDS = (ResourceKind.ROOM, ResourceKind.PLOT, ResourceKind.EQUIPMENT)


@dataclass(frozen=True)
class Fill:
    kind: ResourceKind
    percent: int  # 0..100
    open: bool  # any resource of the kind open that day


@dataclass(frozen=True)
class Cell:
    day: date
    in_month: bool
    fills: tuple[Fill, ...]


def weeks(year: int, month: int) -> list[list[date]]:
    """The month's weeks, Monday to Sunday, with the days of the neighbouring months that fill them."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)


def fullness(days: Sequence[date], resources: Iterable, hours: WeekHours,
             per_day: Iterable[tuple[int, date, float, float]],
             long_bookings: Iterable[tuple[int, datetime, datetime, int]] = ()) -> dict[date, dict[ResourceKind, Fill]]:
    """For each day and kind: booked share of the open time.

    `per_day` holds, for each resource and house day, the seconds its approved bookings of at
    most a day take (and the same times their units): summed by the database, as those bookings
    lie within the opening hours of their day. `long_bookings` are (resource_id, starts_at,
    ends_at, units) of the approved ones longer than a day (a plot's season), spread here over
    the days they cover."""
    resources = list(resources)
    bounds = {day: day_bounds(day) for day in days}
    windows: dict[tuple[int, date], tuple[datetime, datetime]] = {}
    capacity: dict[tuple[date, ResourceKind], float] = defaultdict(float)
    same_hours: dict[tuple, tuple[datetime, datetime] | None] = {}  # most resources keep the house's hours
    for r in resources:
        for day in days:
            if r.kind == ResourceKind.PLOT:
                window = bounds[day]
            else:
                minutes = hours.minutes(r.id, day.weekday())
                if minutes is None:
                    continue
                key = (minutes, day)
                if key not in same_hours:
                    same_hours[key] = hours.window(r.id, day)
                window = same_hours[key]
            windows[(r.id, day)] = window
            weight = r.quantity if r.kind == ResourceKind.EQUIPMENT else 1
            capacity[(day, r.kind)] += (window[1] - window[0]).total_seconds() * weight
    used: dict[tuple[date, ResourceKind], float] = defaultdict(float)
    first, last = days[0], days[-1]
    kinds = {r.id: (r.kind, r.kind == ResourceKind.EQUIPMENT) for r in resources}
    for resource_id, day, seconds, unit_seconds in per_day:
        found = kinds.get(resource_id)
        if isinstance(day, str):
            day = date.fromisoformat(day)
        if found is None or (resource_id, day) not in windows:
            continue
        kind, counted = found
        used[(day, kind)] += unit_seconds if counted else seconds
    for resource_id, starts_at, ends_at, units in long_bookings:
        found = kinds.get(resource_id)
        if found is None:
            continue
        kind, counted = found
        weight = units if counted else 1
        # Every window lies within its day, so the first that can overlap is the starting day's.
        day = max(first, local(starts_at).date())
        while day <= last:
            window = windows.get((resource_id, day))
            if window is not None:
                if window[0] >= ends_at:
                    break
                overlap = (min(ends_at, window[1]) - max(starts_at, window[0])).total_seconds()
                if overlap > 0:
                    used[(day, kind)] += overlap * weight
            elif bounds[day][0] >= ends_at:
                break
            day += timedelta(days=1)
    result: dict[date, dict[ResourceKind, Fill]] = {}
    kinds_present = [k for k in KINDS if any(r.kind == k for r in resources)]
    for day in days:
        result[day] = {}
        for kind in kinds_present:
            total = capacity.get((day, kind), 0.0)
            share = min(1.0, used.get((day, kind), 0.0) / total) if total else 0.0
            result[day][kind] = Fill(kind, round(share * 100), total > 0)
    return result
