"""The report's figures for a period: a fixed number of GROUP BY queries, whatever its length.

Which bookings count where (docs/reports.md):
- Bookings, hours and attendees count APPROVED bookings that start in the period. Hours are
  booked hours, (ends_at - starts_at), summed in the database.
- By group, group kind and purpose: the lead booking of each request only (equipment bundled
  with a room is part of the same event). By resource and resource kind: every approved
  booking, bundled equipment too (it is a use of that equipment).
- Requests by outcome (pending, approved, rejected, withdrawn) and, of the approved ones, what
  the front desk saw (arrived, no-show, released): every request that starts in the period.
- Use of rooms: approved booked hours of each active room against its opening hours in the
  period (per weekday, the room's own or the house's), less the closures that apply to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import sqltime
from ..availability import house_hours
from ..clock import to_utc
from ..models import Attendance, Booking, Closure, Organisation, Resource, ResourceKind, Status
from .models import Purpose


@dataclass(frozen=True)
class Period:
    """Local days [first, last], both included."""

    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return to_utc(self.first, time())

    @property
    def ends_at(self) -> datetime:
        return to_utc(self.last + timedelta(days=1), time())

    def days(self):
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


@dataclass
class Row:
    """One line of a table: what it is about, and its figures."""

    key: object  # an id, a kind, a status: what the line is about
    label: object  # what people read (a name as typed, or a translated word)
    bookings: int = 0
    seconds: int = 0
    attendees: int = 0
    kind: object = None  # the organisation's or resource's kind, for the tables by kind

    @property
    def hours(self) -> float:
        return self.seconds / 3600


@dataclass
class Use:
    """One room's booked hours against its open hours in the period."""

    key: int
    label: str
    booked_seconds: int
    open_seconds: int

    @property
    def share(self) -> float | None:
        return self.booked_seconds / self.open_seconds if self.open_seconds else None


@dataclass
class Report:
    period: Period
    organisations: list[Row] = field(default_factory=list)
    organisation_kinds: list[Row] = field(default_factory=list)
    resources: list[Row] = field(default_factory=list)
    resource_kinds: list[Row] = field(default_factory=list)
    purposes: list[Row] = field(default_factory=list)
    rooms: list[Use] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)  # pending, approved, ..., no_show, released

    @property
    def totals(self) -> Row:
        """Approved events (lead bookings) in the period: their number, hours and attendees."""
        return Row("total", "", sum(r.bookings for r in self.purposes), sum(r.seconds for r in self.purposes),
                   sum(r.attendees for r in self.purposes))


def seconds_between(start, end, dialect: str):
    """(end - start) in whole seconds, as an SQL expression on either engine."""
    return sa.func.round(sqltime.seconds_between(start, end, dialect))


def _in(period: Period):
    """Bookings that start in the period, through the (status, starts_at) index: one range per status."""
    return sa.and_(Booking.status.in_(list(Status)), Booking.starts_at >= period.starts_at,
                   Booking.starts_at < period.ends_at)


def _by_kind(rows: list[Row]) -> list[Row]:
    kinds: dict[object, Row] = {}
    for row in rows:
        total = kinds.setdefault(row.kind, Row(row.kind, row.kind))
        total.bookings += row.bookings
        total.seconds += row.seconds
        total.attendees += row.attendees
    return sorted(kinds.values(), key=lambda r: (-r.seconds, str(r.key)))


def _busiest_first(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.seconds, -r.bookings, str(r.label).casefold()))


@dataclass(frozen=True)
class _Group:
    """One group of the period's bookings as the database summed them."""

    key: tuple
    bookings: int
    seconds: int
    attendees: int


def _add(rows: dict, key, label, group: _Group, kind=None) -> None:
    row = rows.get(key)
    if row is None:
        row = rows[key] = Row(key, label, kind=kind)
    row.bookings += group.bookings
    row.seconds += group.seconds
    row.attendees += group.attendees


def _summed(session: Session, keys, where) -> list[_Group]:
    seconds = seconds_between(Booking.starts_at, Booking.ends_at, session.get_bind().dialect.name)
    found = session.execute(
        sa.select(*keys, sa.func.count(Booking.id), sa.func.coalesce(sa.func.sum(seconds), 0),
                  sa.func.coalesce(sa.func.sum(Booking.attendees), 0))
        .where(*where)
        .group_by(*keys)
    ).all()
    return [_Group(tuple(row[:-3]), int(row[-3]), int(row[-2]), int(row[-1])) for row in found]


def groups(session: Session, period: Period) -> tuple[list[_Group], list[_Group]]:
    """The period's requests summed by group, purpose, status and attendance; and its approved
    bookings (bundled equipment too) summed by resource: two scans of the period, each with few
    groups, whatever the tables then show."""
    requests = _summed(session, (Booking.organisation_id, Booking.purpose_id, Booking.status, Booking.attendance),
                       (_in(period), Booking.bundle_of_id.is_(None)))
    uses = _summed(session, (Booking.resource_id,),
                   (Booking.status == Status.APPROVED, Booking.starts_at >= period.starts_at,
                    Booking.starts_at < period.ends_at))
    return requests, uses


def report(session: Session, period: Period, purpose_label=lambda key, name: name) -> Report:
    """Every figure of the report page for one period: seven queries, however long it is."""
    result = Report(period)
    requests, uses = groups(session, period)
    names = _names(session, requests)

    organisations: dict = {}
    purposes: dict = {}
    totals: dict[str, int] = defaultdict(int)
    for g in requests:
        organisation_id, purpose_id, status, attendance = g.key
        status = Status(status)
        totals[status.value] += g.bookings
        if status != Status.APPROVED:
            continue
        if attendance is not None:
            totals[Attendance(attendance).value] += g.bookings
        name, kind = names["organisation"][organisation_id]
        _add(organisations, organisation_id, name, g, kind)
        key, purpose_name = names["purpose"].get(purpose_id, (None, None))
        _add(purposes, purpose_id, purpose_label(key, purpose_name), g)
    resources: dict = {}
    for g in uses:
        (resource_id,) = g.key
        resource_name, resource_kind, _active = names["resource"][resource_id]
        _add(resources, resource_id, resource_name, g, resource_kind)
    result.organisations = _busiest_first(list(organisations.values()))
    result.organisation_kinds = _by_kind(result.organisations)
    result.resources = _busiest_first(list(resources.values()))
    result.resource_kinds = _by_kind(result.resources)
    result.purposes = _busiest_first(list(purposes.values()))
    result.outcomes = {key: totals.get(key, 0) for key in (
        *(s.value for s in Status), *(a.value for a in Attendance))}

    rooms = {i: name for i, (name, kind, active) in names["resource"].items()
             if kind == ResourceKind.ROOM and (active or i in resources)}
    result.rooms = room_use(session, period, rooms, {r.key: r.seconds for r in result.resources})
    return result


def _names(session: Session, summed: list[_Group]) -> dict[str, dict]:
    """Groups, resources (every one: the use of rooms lists the idle ones too) and purposes by id."""
    organisation_ids = sorted({g.key[0] for g in summed})
    organisations = session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.kind).where(Organisation.id.in_(organisation_ids))
    ).all()
    resources = session.execute(sa.select(Resource.id, Resource.name, Resource.kind, Resource.active)).all()
    purposes = session.execute(sa.select(Purpose.id, Purpose.key, Purpose.name)).all()
    return {
        "organisation": {i: (name, kind) for i, name, kind in organisations},
        "resource": {i: (name, kind, active) for i, name, kind, active in resources},
        "purpose": {i: (key, name) for i, key, name in purposes},
    }


def room_use(session: Session, period: Period, rooms: dict[int, str], booked: dict[int, int]) -> list[Use]:
    """Each room's booked hours as a share of its opening hours less closures (2 queries)."""
    hours = house_hours(session)
    closures = session.execute(
        sa.select(Closure.resource_id, Closure.starts_at, Closure.ends_at)
        .where(Closure.starts_at < period.ends_at, Closure.ends_at > period.starts_at)
        .order_by(Closure.starts_at)
    ).all()
    uses = []
    for room_id, name in rooms.items():
        mine = [(s, e) for r, s, e in closures if r is None or r == room_id]
        uses.append(Use(room_id, name, booked.get(room_id, 0), _open_seconds(hours, room_id, period, mine)))
    return sorted(uses, key=lambda u: (-(u.share or 0), u.label.casefold()))


def _open_seconds(hours, room_id: int, period: Period, closures: list[tuple[datetime, datetime]]) -> int:
    """The room's opening hours in the period, in seconds, without the times it was closed.

    Counted per weekday (how many Mondays, ... times that day's hours), then the two days a year
    the clocks change are counted exactly: a few steps for ten years, not one per day.
    """
    days = (period.last - period.first).days + 1
    total = 0
    for weekday in range(7):
        count = days // 7 + (1 if (weekday - period.first.weekday()) % 7 < days % 7 else 0)
        minutes = hours.minutes(room_id, weekday)
        if minutes is not None:
            total += count * (minutes[1] - minutes[0]) * 60
    for day in _clock_changes(period):
        minutes, window = hours.minutes(room_id, day.weekday()), hours.window(room_id, day)
        if window is not None:
            total += int((window[1] - window[0]).total_seconds()) - (minutes[1] - minutes[0]) * 60
    for c_start, c_end in _merged(closures):
        # the closure's overlap with each open window of the period it touches
        first = max((c_start - timedelta(days=1)).date(), period.first)
        last = min((c_end + timedelta(days=1)).date(), period.last)
        for offset in range((last - first).days + 1):
            window = hours.window(room_id, first + timedelta(days=offset))
            if window is None:
                continue
            overlap = min(window[1], c_end) - max(window[0], c_start)
            if overlap > timedelta(0):
                total -= int(overlap.total_seconds())
    return max(total, 0)


def _clock_changes(period: Period) -> list[date]:
    """The days in the period on which the house's clocks go forward or back (their length differs)."""
    changes = []
    for year in range(period.first.year, period.last.year + 1):
        for month in (3, 10):
            day = date(year, month, 31)
            day -= timedelta(days=(day.weekday() - 6) % 7)  # the last Sunday
            if period.first <= day <= period.last and local_length(day) != timedelta(days=1):
                changes.append(day)
    return changes


def local_length(day: date) -> timedelta:
    return to_utc(day + timedelta(days=1), time()) - to_utc(day, time())


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping closures (the house's and the room's own) as disjoint spans, so none counts twice."""
    merged: list[list[datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
