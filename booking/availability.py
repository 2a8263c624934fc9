"""Availability against the database: load what the rules need, judge, suggest alternatives.

The rules themselves are in rules.py; this module loads the bookings, closures and opening
hours for a time window in a few indexed queries and hands them over. No request, no templates.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from .clock import LocalTimeError, day_bounds, local, to_utc
from .models import LONGEST_DAY, Booking, Closure, OpeningHours, Resource, ResourceKind, Status
from .rules import LONGEST, LONGEST_BUSY, Ask, Limits, Part, Verdict, WeekHours, ask_for, judge

OPEN = (Status.APPROVED, Status.PENDING)
# The other statuses. "status NOT IN (CLOSED)" selects the same rows as "status IN (OPEN)" (the
# column holds only Status values), but the database cannot look it up in ix_booking_status_time:
# SQLite without statistics would otherwise prefer that index over ix_booking_resource_busy
# when many resources are asked about, and read every open booking in the house.
CLOSED = tuple(status for status in Status if status not in OPEN)


def overlapping(starts_at: datetime, ends_at: datetime, status: Status | None = None, earliest=None):
    """SQL: the booking itself overlaps [starts_at, ends_at) (for the board, the queue, week views).

    Bounded however long the history is: bookings of a day at most are looked up by their
    start, no earlier than a day before the range (ix_booking_status_time); the few longer
    ones (a plot's season) by their end, no earlier than the range (ix_booking_long_end).
    With `status`, each half names it, so both engines can use the indexes for both halves.
    `earliest` (starts_at - LONGEST_DAY) may be given as a bind parameter of a prepared statement.
    """
    same = (Booking.status == status,) if status is not None else ()
    return sa.or_(
        sa.and_(*same, Booking.starts_at > (starts_at - LONGEST_DAY if earliest is None else earliest),
                Booking.starts_at < ends_at,
                Booking.ends_at > starts_at),
        sa.and_(*same, Booking.multi_day == sa.true(), Booking.ends_at > starts_at, Booking.starts_at < ends_at),
    )


def busy_overlapping(resources: Iterable[Resource], busy_from: datetime, busy_until: datetime):
    """SQL: bookings of these resources whose busy span overlaps [busy_from, busy_until).

    The lower bound on busy_from (the longest busy span of the resource's kind) keeps the
    scan of ix_booking_resource_busy short however long the history is.
    """
    by_kind: dict[ResourceKind, set[int]] = defaultdict(set)
    for r in resources:
        by_kind[r.kind].add(r.id)
    return sa.and_(
        Booking.busy_from < busy_until,
        Booking.busy_until > busy_from,
        sa.or_(*(
            sa.and_(Booking.resource_id.in_(sorted(ids)), Booking.busy_from > busy_from - LONGEST_BUSY[kind])
            for kind, ids in by_kind.items()
        )),
    )


@dataclass
class Situation:
    """Everything the rules need about some resources over a window of time."""

    bookings: list[Booking]
    closures: list[Closure]
    hours: WeekHours
    out_of_service: list = field(default_factory=list)  # damaged or lost units


def house_hours(session: Session) -> WeekHours:
    return WeekHours(session.scalars(sa.select(OpeningHours)).all())


def situation(session: Session, resources: Sequence[Resource], busy_from: datetime, busy_until: datetime,
              hours: WeekHours | None = None) -> Situation:
    """Open bookings and closures around [busy_from, busy_until) for these resources."""
    bookings = session.scalars(
        sa.select(Booking)
        .where(Booking.status.not_in(CLOSED), busy_overlapping(resources, busy_from, busy_until))
        .options(joinedload(Booking.organisation))
        .order_by(Booking.busy_from)
    ).all()
    ids = {r.id for r in resources}
    closures = session.scalars(
        sa.select(Closure)
        .where(Closure.starts_at < busy_until, Closure.ends_at > busy_from)
        .where(sa.or_(Closure.resource_id.is_(None), Closure.resource_id.in_(sorted(ids))))
        .order_by(Closure.starts_at)
    ).all()
    from .desk.models import OutOfService  # noqa: PLC0415 (the desk's models import this module's neighbours)

    equipment = sorted(r.id for r in resources if r.kind == ResourceKind.EQUIPMENT)
    gone = session.scalars(
        sa.select(OutOfService)
        .where(OutOfService.resource_id.in_(equipment), OutOfService.starts_at < busy_until,
               OutOfService.ends_at > busy_from)
    ).all() if equipment else []
    return Situation(list(bookings), list(closures), hours or house_hours(session), list(gone))


class Nearby:
    """The loaded bookings and closures near one window, found by bisection instead of a scan,
    so judging many dates against one load stays linear in the dates."""

    def __init__(self, found: Situation):
        self.found = found
        self.bookings = sorted(found.bookings, key=lambda b: b.busy_from)
        self.starts = [b.busy_from for b in self.bookings]
        # the longest busy span loaded: no booking that starts earlier can reach into a window
        self.reach = max((b.busy_until - b.busy_from for b in self.bookings), default=timedelta(0))

    def bookings_around(self, busy_from: datetime, busy_until: datetime) -> list[Booking]:
        first = bisect_left(self.starts, busy_from - self.reach)
        last = bisect_left(self.starts, busy_until)
        return [b for b in self.bookings[first:last] if b.busy_until > busy_from]

    def judge(self, ask: Ask, *, at: datetime, limits: Limits | None = None,
              exclude: frozenset[int] = frozenset()) -> Verdict:
        busy_from, busy_until = _busy_window(ask)
        closures = [c for c in self.found.closures if c.starts_at < busy_until and c.ends_at > busy_from]
        return judge(ask, at=at, bookings=self.bookings_around(busy_from, busy_until), closures=closures,
                     hours=self.found.hours, limits=limits, exclude=exclude,
                     out_of_service=self.found.out_of_service)


def _busy_window(ask: Ask) -> tuple[datetime, datetime]:
    spans = [p.resource.busy_span(ask.starts_at, ask.ends_at) for p in ask.parts]
    return min(s[0] for s in spans), max(s[1] for s in spans)


def check(session: Session, ask: Ask, at: datetime, limits: Limits | None = None,
          exclude: frozenset[int] = frozenset()) -> Verdict:
    """Judge one request against the database (three small queries)."""
    if ask.ends_at <= ask.starts_at:
        return judge(ask, at=at, bookings=[], closures=[], hours=WeekHours([]), limits=limits)
    found = situation(session, [p.resource for p in ask.parts], *_busy_window(ask))
    return judge(ask, at=at, bookings=found.bookings, closures=found.closures, hours=found.hours,
                 limits=limits, exclude=exclude, out_of_service=found.out_of_service)


def check_booking(session: Session, booking: Booking, at: datetime) -> Verdict:
    """Judge an existing request (and its bundled items) for approval: the house rules only."""
    return check(session, ask_for(booking), at, exclude=frozenset(b.id for b in booking.parts))


def check_many(session: Session, bookings: Sequence[Booking], at: datetime) -> dict[int, Verdict]:
    """Verdicts for a page of requests at once: three queries, whatever the number of rows."""
    if not bookings:
        return {}
    asks = {b.id: ask_for(b) for b in bookings}
    resources = {p.resource.id: p.resource for ask in asks.values() for p in ask.parts}
    windows = [_busy_window(ask) for ask in asks.values() if ask.ends_at > ask.starts_at]
    if not windows:
        return {b.id: Verdict() for b in bookings}
    found = Nearby(situation(session, list(resources.values()), min(w[0] for w in windows), max(w[1] for w in windows)))
    return {b.id: found.judge(asks[b.id], at=at, exclude=frozenset(p.id for p in b.parts)) for b in bookings}


# --- alternatives ------------------------------------------------------------------------------

SEARCH_DAYS = 14  # how far ahead the next free slots are looked for
STEP = {ResourceKind.ROOM: timedelta(minutes=30), ResourceKind.EQUIPMENT: timedelta(minutes=30)}


@dataclass(frozen=True)
class Alternative:
    """A free slot to suggest: the same request in another resource or at another time."""

    resource: Resource
    starts_at: datetime
    ends_at: datetime


def _others_of_kind(session: Session, ask: Ask) -> list[Resource]:
    """Other active resources of the lead's kind that hold the people and the units asked for."""
    lead, units = ask.lead, ask.parts[0].units
    query = sa.select(Resource).where(Resource.active, Resource.kind == lead.kind, Resource.id != lead.id)
    if ask.attendees is not None:
        query = query.where(sa.or_(Resource.capacity.is_(None), Resource.capacity >= ask.attendees))
    if lead.kind == ResourceKind.EQUIPMENT:
        query = query.where(Resource.quantity >= units)
    others = session.scalars(query).all()
    # The closest fit first: the smallest room that is big enough, then by name.
    return sorted(others, key=lambda r: (r.capacity or 0, r.sort_key))


def _day_starts(ask: Ask, day: date, hours: WeekHours) -> list[datetime]:
    """Candidate start instants on one local day, in steps, within the lead's opening hours."""
    lead = ask.lead
    if lead.whole_days:
        try:
            return [to_utc(day, datetime.min.time())]
        except LocalTimeError:
            return []
    window = hours.window(lead.id, day)
    if window is None:
        return []
    opens, closes = (t.astimezone(ask.starts_at.tzinfo) for t in window)
    step = STEP[lead.kind]
    starts, moment = [], opens  # steps in UTC, so the night the clocks change counts right
    while moment + ask.length <= closes:
        starts.append(moment)
        moment += step
    return starts


def alternatives(session: Session, ask: Ask, at: datetime, limits: Limits | None = None,
                 wanted: int = 3) -> list[Alternative]:
    """Up to `wanted` free suggestions: the same time in another resource of the same kind,
    then the next free slots of the same length in the chosen resource, one a day: later that
    day, then the same time (or the nearest free time) on the following days."""
    hours = house_hours(session)
    free: list[Alternative] = []

    others = _others_of_kind(session, ask)
    if others:
        asks = [ask.moved(ask.starts_at, r) for r in others]
        # Each room with its own buffers: load what any of their busy spans could meet.
        windows = [_busy_window(other) for other in asks]
        found = situation(session, [*others, *(p.resource for p in ask.parts[1:])],
                          min(w[0] for w in windows), max(w[1] for w in windows), hours)
        for other in asks:
            verdict = judge(other, at=at, bookings=found.bookings, closures=found.closures, hours=hours,
                            limits=limits, out_of_service=found.out_of_service)
            if verdict.free:
                free.append(Alternative(other.lead, other.starts_at, other.ends_at))
                break

    first_day = local(ask.starts_at).date()
    last_day = first_day + timedelta(days=SEARCH_DAYS)
    window_from = min(day_bounds(first_day)[0], ask.starts_at) - LONGEST_BUSY[ask.lead.kind]
    window_until = day_bounds(last_day)[1] + ask.length + LONGEST_BUSY[ask.lead.kind]
    found = situation(session, [p.resource for p in ask.parts], window_from, window_until, hours)
    wanted_time = local(ask.starts_at).time()
    later: list[Alternative] = []
    day = first_day
    while day <= last_day and len(later) < wanted:
        starts = _day_starts(ask, day, hours)
        if day == first_day:
            starts = [s for s in starts if s > ask.starts_at]
        else:  # the requested time first, then the nearest to it
            starts.sort(key=lambda s: abs(
                datetime.combine(day, local(s).time()) - datetime.combine(day, wanted_time)))
        # Each candidate is judged against the bookings its day's busy spans could meet, not
        # against the whole fortnight's: the rules skip the others anyway.
        near = found.bookings
        if starts:
            lo, hi = _busy_window(ask.moved(min(starts)))[0], _busy_window(ask.moved(max(starts)))[1]
            near = [b for b in found.bookings if b.busy_from < hi and lo < b.busy_until]
        for start in starts:
            moved = ask.moved(start)
            verdict = judge(moved, at=at, bookings=near, closures=found.closures, hours=hours,
                            limits=limits, out_of_service=found.out_of_service)
            if verdict.free:
                later.append(Alternative(moved.lead, moved.starts_at, moved.ends_at))
                break
        day += timedelta(days=1)
    return (free + later)[:wanted]
