"""Conflicts: half-open intervals, approved versus pending, equipment quantities."""

from datetime import datetime, timedelta, timezone

import pytest

from booking.availability import SlotReport, check_slot, peak_units
from booking.extensions import db
from booking.models import Booking, ResourceKind, Status
from tests.conftest import at, future_day

T0 = datetime(2027, 5, 3, 8, tzinfo=timezone.utc)


def hours(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def booking(start: float, end: float, units: int = 1, status=Status.APPROVED) -> Booking:
    return Booking(starts_at=hours(start), ends_at=hours(end), units=units, status=status, resource_id=1)


@pytest.mark.parametrize("start, end, expected", [
    (2, 4, False),    # touches at the end
    (-2, 0, False),   # touches at the start
    (1, 3, True),
    (-1, 1, True),
    (0.5, 1.5, True),  # inside
    (-1, 3, True),    # around
])
def test_half_open_overlap(start, end, expected):
    assert booking(0, 2).overlaps(hours(start), hours(end)) is expected


def test_peak_of_a_staircase_is_the_most_held_at_one_instant():
    # 0-4 (3 units), 2-6 (3 units), 5-8 (3 units): at most 6 at once, never 9.
    stairs = [booking(0, 4, 3), booking(2, 6, 3), booking(5, 8, 3)]
    assert peak_units(stairs, hours(0), hours(8)) == 6
    assert peak_units(stairs, hours(4), hours(5)) == 3
    assert peak_units(stairs, hours(3), hours(5.5)) == 6


def test_touching_loans_do_not_add_up():
    assert peak_units([booking(0, 2, 5), booking(2, 4, 5)], hours(0), hours(4)) == 5


def test_report_says_blocked_only_for_approved_clashes():
    assert not SlotReport(pending=[booking(0, 1, status=Status.PENDING)]).blocked
    assert SlotReport(approved=[booking(0, 1)]).blocked
    assert SlotReport(units_free=0).free and SlotReport(units_free=-1).blocked


def test_check_slot_against_the_database(app, make):
    room = make.resource(kind=ResourceKind.ROOM)
    day = future_day()
    make.booking(room, day=day, start="10:00", end="12:00", status=Status.APPROVED)
    make.booking(room, day=day, start="11:00", end="13:00", status=Status.PENDING)
    make.booking(room, day=day, start="11:00", end="13:00", status=Status.CANCELLED)
    make.booking(room, day=day, start="11:00", end="13:00", status=Status.REJECTED)

    touching = check_slot(db.session, room, at(day, "12:00"), at(day, "14:00"))
    assert not touching.blocked and len(touching.pending) == 1
    clash = check_slot(db.session, room, at(day, "09:00"), at(day, "10:30"))
    assert clash.blocked and not clash.pending
    assert check_slot(db.session, room, at(day, "13:00"), at(day, "15:00")).free


def test_equipment_units_free_at_the_busiest_instant(app, make):
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    day = future_day()
    make.booking(sets, day=day, start="10:00", end="18:00", units=6, status=Status.APPROVED)
    report = check_slot(db.session, sets, at(day, "14:00"), at(day, "20:00"), units=6)
    assert report.blocked and report.units_free == -2
    assert not check_slot(db.session, sets, at(day, "14:00"), at(day, "20:00"), units=4).blocked
    assert not check_slot(db.session, sets, at(day, "18:00"), at(day, "20:00"), units=10).blocked
