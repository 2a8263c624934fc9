"""Units out of service (damaged or lost at the desk) count as taken for the booking rules."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from booking.rules import judge
from tests.unit.test_rules import BIERZELT, HOUSE, NOW, SAAL, ask, at, on

DAY = NOW.date() + timedelta(days=10)


def gone(units: int, start: str, end: str, resource=BIERZELT):
    return SimpleNamespace(resource_id=resource.id, units=units, busy_from=at(DAY, start), busy_until=at(DAY, end))


def codes(request, bookings=(), out_of_service=()):
    return [r.code for r in judge(request, at=NOW, bookings=bookings, closures=[], hours=HOUSE,
                                  out_of_service=out_of_service).reasons]


def test_units_out_of_service_lower_what_is_left():
    taken = on(DAY, "10:00", "12:00", BIERZELT, units=6)
    assert codes(ask(BIERZELT, DAY, "10:00", "12:00", units=4), [taken]) == []
    assert codes(ask(BIERZELT, DAY, "10:00", "12:00", units=4), [taken], [gone(1, "09:00", "11:00")]) == ["units"]
    assert codes(ask(BIERZELT, DAY, "10:00", "12:00", units=3), [taken], [gone(1, "09:00", "11:00")]) == []


def test_out_of_service_outside_the_time_or_of_another_resource_changes_nothing():
    request = ask(BIERZELT, DAY, "10:00", "12:00", units=10)
    assert codes(request, [], [gone(2, "12:00", "14:00")]) == []  # half-open: it starts as the booking ends
    assert codes(request, [], [gone(2, "10:00", "12:00", resource=SAAL)]) == []
    assert codes(request, [], [gone(2, "11:00", "13:00")]) == ["units"]
