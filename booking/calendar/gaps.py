"""Free times of one resource over some days, worked out from the house rules themselves.

Plain computation over what availability.situation() loaded: no request, no templates. A gap
is a stretch [start, end) in which a booking may lie: its busy span (with the set-up and
clean-up buffers) fits the opening hours of the day, misses every closure and every approved
booking (for equipment: leaves enough units), and it starts late enough for the notice and
early enough for the horizon. Each gap offered is judged once more by rules.judge, so the
form never offers what the check would refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from ..availability import Situation
from ..clock import day_bounds
from ..models import Resource, Status
from ..rules import Ask, Limits, Part, judge

QUARTER = timedelta(minutes=15)
FREE, BUSY, CLOSED = "free", "busy", "closed"


@dataclass(frozen=True)
class Gap:
    """A free stretch; `fill_end` is where a click ends the request (the longest booking)."""

    starts_at: datetime
    ends_at: datetime
    fill_end: datetime


@dataclass(frozen=True)
class Stretch:
    """One piece of a day's line: free (with its gap), busy or closed."""

    state: str
    starts_at: datetime
    ends_at: datetime
    gap: Gap | None = None


@dataclass
class FreeDay:
    day: date
    window: tuple[datetime, datetime] | None  # opening hours, or None: closed all day
    stretches: list[Stretch] = field(default_factory=list)

    @property
    def gaps(self) -> list[Gap]:
        return [s.gap for s in self.stretches if s.gap is not None]


def week_of(day: date) -> list[date]:
    """Monday to Sunday of the week that holds `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def _ceil_quarter(instant: datetime) -> datetime:
    """The next quarter hour (the house's offsets are whole hours, so UTC quarters are local ones)."""
    utc = instant.astimezone(timezone.utc)
    floored = utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)
    return floored if floored == utc else floored + QUARTER


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _short_of_units(resource: Resource, units: int, held: list[tuple[datetime, datetime, int]],
                    lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    """Where fewer than `units` of a counted resource are free within [lo, hi)."""
    points = sorted({lo, hi, *(t for a, b, _ in held for t in (a, b) if lo < t < hi)})
    runs = []
    for a, b in zip(points, points[1:]):
        if resource.quantity - sum(n for x, y, n in held if x < b and a < y) < units:
            runs.append((a, b))
    return _merge(runs)


def _blocked(resource: Resource, units: int, found: Situation, lo: datetime, hi: datetime):
    """(busy, closed) spans within [lo, hi), in busy-span time."""
    closed = [(max(c.starts_at, lo), min(c.ends_at, hi)) for c in found.closures
              if c.applies_to(resource) and c.overlaps(lo, hi)]
    approved = [b for b in found.bookings if b.resource_id == resource.id and b.status == Status.APPROVED
                and b.busy_from < hi and lo < b.busy_until]
    if resource.exclusive:
        busy = [(max(b.busy_from, lo), min(b.busy_until, hi)) for b in approved]
    else:
        held = [(b.busy_from, b.busy_until, b.units) for b in approved]
        held += [(o.starts_at, o.ends_at, o.units) for o in found.out_of_service  # damaged or lost units
                 if o.resource_id == resource.id and o.starts_at < hi and lo < o.ends_at]
        busy = _short_of_units(resource, units, held, lo, hi)
    return _merge(busy), _merge(closed)


def _accepted(resource: Resource, units: int, starts_at: datetime, ends_at: datetime, *, found: Situation,
              at: datetime, limits: Limits | None, ignore: frozenset[str] = frozenset()) -> bool:
    verdict = judge(Ask((Part(resource, units),), starts_at, ends_at), at=at, bookings=found.bookings,
                    closures=found.closures, hours=found.hours, limits=limits, out_of_service=found.out_of_service)
    return all(r.code in ignore for r in verdict.reasons)


def free_days(resource: Resource, days: Sequence[date], found: Situation, *, at: datetime,
              limits: Limits | None, units: int = 1) -> list[FreeDay]:
    """Each day's line of free, busy and closed stretches for one resource.

    `limits` are the partner rules (notice, horizon, longest booking), or None for a manager.
    """
    earliest = _ceil_quarter(at + (limits.notice if limits else timedelta(0)))
    latest_start = at + limits.horizon if limits else None
    longest = (timedelta(hours=resource.max_hours) if limits and resource.max_hours else None)
    result = []
    for day in days:
        if resource.whole_days:
            result.append(_plot_day(resource, day, found, at=at, limits=limits, units=units))
            continue
        window = found.hours.window(resource.id, day)
        if window is None:
            result.append(FreeDay(day, None))
            continue
        opens, closes = (t.astimezone(timezone.utc) for t in window)
        busy, closed = _blocked(resource, units, found, opens, closes)
        stretches = [Stretch(BUSY, a, b) for a, b in busy] + [Stretch(CLOSED, a, b) for a, b in closed]
        # The free parts of the window, in busy-span time; a booking's own time lies inside its buffers.
        edge = opens
        free_parts = []
        for a, b in _merge(busy + closed):
            if edge < a:
                free_parts.append((edge, a))
            edge = max(edge, b)
        if edge < closes:
            free_parts.append((edge, closes))
        setup, cleanup = timedelta(minutes=resource.setup_minutes), timedelta(minutes=resource.cleanup_minutes)
        for a, b in free_parts:
            start, end = max(a + setup, earliest), b - cleanup
            if end - start < QUARTER or (latest_start is not None and start > latest_start):
                continue
            fill_end = min(end, start + longest) if longest else end
            gap = Gap(start, end, fill_end)
            if (_accepted(resource, units, start, fill_end, found=found, at=at, limits=limits)
                    and _accepted(resource, units, start, end, found=found, at=at, limits=limits,
                                  ignore=frozenset({"max_hours"}))):
                stretches.append(Stretch(FREE, start, end, gap))
        stretches.sort(key=lambda s: (s.starts_at, s.ends_at))
        result.append(FreeDay(day, (opens, closes), stretches))
    return result


def _plot_day(resource: Resource, day: date, found: Situation, *, at: datetime, limits: Limits | None,
              units: int) -> FreeDay:
    """Plots are booked by whole days: the day is free, booked or closed."""
    start, end = day_bounds(day)
    busy, closed = _blocked(resource, units, found, start, end)
    if closed:
        return FreeDay(day, (start, end), [Stretch(CLOSED, start, end)])
    if busy:
        return FreeDay(day, (start, end), [Stretch(BUSY, start, end)])
    if _accepted(resource, units, start, end, found=found, at=at, limits=limits):
        return FreeDay(day, (start, end), [Stretch(FREE, start, end, Gap(start, end, end))])
    return FreeDay(day, (start, end), [])
