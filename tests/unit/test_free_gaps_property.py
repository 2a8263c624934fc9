"""The free times offered on the request form, over random houses, against rules.judge itself.

Each example is a random house around one resource: opening hours per weekday (house-wide and
overridden for the resource), buffers, a longest booking, approved and pending bookings,
closures of the resource and of the house, the instant of asking and the partner rules, in a
week chosen now and then around a change of the clocks. Two promises must hold:

- every gap offered is accepted by rules.judge (the click fills in something the check says yes to);
- every quarter hour that rules.judge accepts lies inside an offered gap (nothing free is hidden).
"""

from __future__ import annotations

from datetime import date, timedelta, timezone
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.availability import Situation
from booking.calendar.gaps import FREE, free_days, week_of
from booking.clock import day_bounds
from booking.models import Booking, Closure, Resource, ResourceKind, Status
from booking.rules import Ask, Limits, Part, WeekHours, judge
from tests.unit.test_rules_property import KUECHE, SAAL, SETS, Thing, wall

QUARTER = timedelta(minutes=15)
# Ordinary weeks, and the weeks the clocks go forward (29 March 2026) and back (25 October 2026).
WEEKS = [date(2026, 3, 26), date(2026, 10, 22), date(2026, 6, 10), date(2027, 1, 13)]


def resource_from(thing: Thing, kind_quantity, max_hours) -> Resource:
    r = Resource(id=1, name=thing.name, kind=ResourceKind.ROOM if thing.exclusive else ResourceKind.EQUIPMENT,
                 capacity=thing.capacity, quantity=kind_quantity if not thing.exclusive else 1, active=True,
                 setup_minutes=thing.setup, cleanup_minutes=thing.cleanup, max_hours=max_hours)
    return r


quarters = st.integers(6 * 4, 24 * 4)  # opening times from 06:00 to 24:00, on the quarter hour


@st.composite
def hours_rows(draw):
    rows = []
    for weekday in range(7):
        if draw(st.integers(0, 5)) == 0:
            continue  # closed that day
        a, b = sorted(draw(st.lists(quarters, min_size=2, max_size=2, unique=True)))
        rows.append(SimpleNamespace(resource_id=None, weekday=weekday, opens=a * 15, closes=b * 15))
        if draw(st.integers(0, 3)) == 0:  # the resource keeps other hours that day, or is closed
            if draw(st.booleans()):
                c, d = sorted(draw(st.lists(quarters, min_size=2, max_size=2, unique=True)))
                rows.append(SimpleNamespace(resource_id=1, weekday=weekday, opens=c * 15, closes=d * 15))
            else:
                rows.append(SimpleNamespace(resource_id=1, weekday=weekday, opens=None, closes=None))
    return rows


@st.composite
def houses(draw):
    thing = draw(st.sampled_from([SAAL, KUECHE, SETS, Thing("Werkstatt", True, setup=45, cleanup=5)]))
    resource = resource_from(thing, draw(st.integers(1, 4)), draw(st.sampled_from([None, 1, 2, 3, 5])))
    days = week_of(draw(st.sampled_from(WEEKS)))
    spot = st.tuples(st.integers(0, 6), st.integers(5 * 4, 23 * 4), st.integers(1, 16))  # day, quarter, length

    bookings = []
    for n, (day, q, length) in enumerate(draw(st.lists(spot, max_size=8))):
        starts_at = wall(days[day], q * 15)
        ends_at = starts_at + length * QUARTER
        status = draw(st.sampled_from([Status.APPROVED, Status.APPROVED, Status.PENDING, Status.CANCELLED]))
        b = Booking(id=n + 1, resource_id=1, starts_at=starts_at, ends_at=ends_at, status=status,
                    units=draw(st.integers(1, resource.quantity)))
        b.busy_from, b.busy_until = resource.busy_span(starts_at, ends_at)
        bookings.append(b)
    closures = []
    for day, q, length in draw(st.lists(spot, max_size=3)):
        starts_at = wall(days[day], q * 15 + draw(st.sampled_from([0, 7])))
        closures.append(Closure(resource_id=draw(st.sampled_from([None, 1])), starts_at=starts_at,
                                ends_at=starts_at + length * QUARTER * 2, reason="zu"))
    # Asking before the week, or in the middle of it (the past and the notice cut the week).
    if draw(st.integers(0, 3)) == 0:
        at = day_bounds(days[0])[0] - timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
    else:
        at = wall(days[draw(st.integers(0, 6))], draw(st.integers(6 * 60, 22 * 60)))
    at += timedelta(seconds=draw(st.sampled_from([0, 17])))
    limits = draw(st.sampled_from([None, Limits(notice=timedelta(hours=5), horizon=timedelta(days=3)), Limits()]))
    found = Situation([b for b in bookings if b.status in (Status.APPROVED, Status.PENDING)], closures,
                      WeekHours(draw(hours_rows())))
    return resource, days, found, at, limits


def verdict(resource, found, at, limits, starts_at, ends_at):
    return judge(Ask((Part(resource, 1),), starts_at, ends_at), at=at, bookings=found.bookings,
                 closures=found.closures, hours=found.hours, limits=limits)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(houses())
def test_every_gap_is_accepted_and_every_free_quarter_hour_is_offered(house):
    resource, days, found, at, limits = house
    offered = free_days(resource, days, found, at=at, limits=limits)
    gaps = [g for d in offered for g in d.gaps]

    for gap in gaps:
        assert gap.starts_at < gap.fill_end <= gap.ends_at
        assert verdict(resource, found, at, limits, gap.starts_at, gap.fill_end).ok, gap
        whole = verdict(resource, found, at, limits, gap.starts_at, gap.ends_at)
        assert all(r.code == "max_hours" for r in whole.reasons), (gap, whole.reasons)

    for day in days:
        moment, end = (t.astimezone(timezone.utc) for t in day_bounds(day))
        while moment < end:
            if verdict(resource, found, at, limits, moment, moment + QUARTER).ok:
                assert any(g.starts_at <= moment and moment + QUARTER <= g.ends_at for g in gaps), (
                    f"{moment} is free but no gap offers it")
            moment += QUARTER


def test_a_simple_day_by_hand():
    """Tuesday 08:00-22:00, a booking 10:00-12:00, 30 minutes' clean-up after every booking: a new
    booking fits 08:00-09:30 and 12:30-21:30."""
    resource = Resource(id=1, name="Saal", kind=ResourceKind.ROOM, quantity=1, active=True, setup_minutes=0,
                        cleanup_minutes=30, max_hours=3)
    day = date(2026, 6, 9)
    b = Booking(id=1, resource_id=1, starts_at=wall(day, 600), ends_at=wall(day, 720), status=Status.APPROVED, units=1)
    b.busy_from, b.busy_until = resource.busy_span(b.starts_at, b.ends_at)
    hours = WeekHours([SimpleNamespace(resource_id=None, weekday=1, opens=480, closes=1320)])
    found = Situation([b], [], hours)
    (line,) = free_days(resource, [day], found, at=wall(day, 0) - timedelta(days=5), limits=Limits())
    free = [(s.starts_at, s.ends_at) for s in line.stretches if s.state == FREE]
    assert free == [(wall(day, 480), wall(day, 570)), (wall(day, 750), wall(day, 1290))]
    assert line.gaps[1].fill_end == wall(day, 750 + 180)  # the longest booking: three hours
