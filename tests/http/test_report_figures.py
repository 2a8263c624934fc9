"""The report's figures against a count in plain Python, on generated houses, on both engines."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.clock import to_utc
from booking.extensions import db
from booking.models import Attendance, Booking, Closure, OrganisationKind, ResourceKind, Role, Status
from booking.reports.figures import Period, report
from booking.reports.models import Purpose
from tests.http.querycount import count_queries

PERIOD = Period(date(2026, 3, 1), date(2026, 10, 31))  # both changes of the clocks inside
FIRST_DAY = date(2026, 2, 20)  # bookings from a little before the period to a little after
DAYS = 265

booking_strategy = st.fixed_dictionaries({
    "organisation": st.integers(0, 2),
    "resource": st.integers(0, 3),
    "purpose": st.integers(0, 7),  # 7: none given (a booking from before purposes)
    "day": st.integers(0, DAYS),
    "start": st.integers(0, 72),  # quarter hours after 04:00 local
    "length": st.integers(1, 60),  # quarter hours
    "status": st.sampled_from(list(Status)),
    "attendance": st.sampled_from([None, *Attendance]),
    "attendees": st.one_of(st.none(), st.integers(1, 80)),
    "bundled": st.booleans(),
})


@pytest.fixture
def house(make):
    kinds = [OrganisationKind.ASSOCIATION, OrganisationKind.CHURCH, OrganisationKind.ASSOCIATION]
    groups = [make.organisation(f"Gruppe {n}", kind=kind) for n, kind in enumerate(kinds)]
    member = make.user(Role.PARTNER, groups[0])
    resources = [make.resource("Saal"), make.resource("Küche"), make.resource("Beamer", kind=ResourceKind.EQUIPMENT,
                                                                              quantity=3),
                 make.resource("Beet 1", kind=ResourceKind.PLOT)]
    purposes = db.session.scalars(sa.select(Purpose).order_by(Purpose.id)).all()
    return groups, member, resources, purposes


def insert(plan: list[dict], house) -> list[dict]:
    """The generated bookings, written in one statement; returns them as plain rows."""
    groups, member, resources, purposes = house
    rows = []
    for n, b in enumerate(plan):
        day = FIRST_DAY + timedelta(days=b["day"])
        starts_at = to_utc(day, time(4)) + timedelta(minutes=15 * b["start"])
        ends_at = starts_at + timedelta(minutes=15 * b["length"])
        lead = next((r for r in reversed(rows) if r["bundle_of_id"] is None), None)
        bundled = b["bundled"] and lead is not None and lead["starts_at"] == starts_at
        rows.append({
            "id": 1000 + n, "resource_id": resources[b["resource"]].id,
            "organisation_id": groups[b["organisation"]].id, "requested_by_id": member.id, "title": f"B{n}",
            "attendees": b["attendees"], "units": 1, "note": "", "starts_at": starts_at, "ends_at": ends_at,
            "busy_from": starts_at, "busy_until": ends_at, "exclusive": False, "multi_day": False,
            "override_reason": "", "status": b["status"], "decision_reason": "",
            "attendance": b["attendance"] if b["status"] == Status.APPROVED else None,
            "purpose_id": purposes[b["purpose"]].id if b["purpose"] < len(purposes) else None,
            "bundle_of_id": lead["id"] if bundled else None,
            "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc), "updated_at": datetime(2026, 1, 1, tzinfo=timezone.utc),
            "revision": 0,
        })
    if rows:
        db.session.execute(sa.insert(Booking), rows)
    db.session.commit()
    return rows


def brute_force(rows: list[dict], house):
    """The same figures, counted one booking at a time."""
    groups, _member, resources, _purposes = house
    inside = [r for r in rows if PERIOD.starts_at <= r["starts_at"] < PERIOD.ends_at]
    approved = [r for r in inside if r["status"] == Status.APPROVED]
    leads = [r for r in approved if r["bundle_of_id"] is None]

    def figures(selection, key):
        out = defaultdict(lambda: [0, 0, 0])
        for r in selection:
            entry = out[key(r)]
            entry[0] += 1
            entry[1] += int((r["ends_at"] - r["starts_at"]).total_seconds())
            entry[2] += r["attendees"] or 0
        return {k: tuple(v) for k, v in out.items()}

    kind_of = {g.id: g.kind for g in groups}
    resource_kind = {r.id: r.kind for r in resources}
    outcomes = Counter(r["status"].value for r in inside if r["bundle_of_id"] is None)
    outcomes.update(r["attendance"].value for r in leads if r["attendance"] is not None)
    return {
        "organisations": figures(leads, lambda r: r["organisation_id"]),
        "organisation_kinds": figures(leads, lambda r: kind_of[r["organisation_id"]]),
        "resources": figures(approved, lambda r: r["resource_id"]),
        "resource_kinds": figures(approved, lambda r: resource_kind[r["resource_id"]]),
        "purposes": figures(leads, lambda r: r["purpose_id"]),
        "outcomes": outcomes,
    }


def queries(counted) -> int:
    """The statements sent, but SQLite's BEGIN (a transaction begun, not a query)."""
    return len([s for s in counted.statements if not s.startswith("BEGIN")])


def as_found(rows) -> dict:
    return {r.key: (r.bookings, r.seconds, r.attendees) for r in rows}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(booking_strategy, max_size=40))
def test_the_figures_are_what_counting_one_by_one_gives(app, house, plan):
    db.session.execute(sa.delete(Booking))
    db.session.commit()
    rows = insert(plan, house)
    expected = brute_force(rows, house)
    with count_queries() as counted:
        found = report(db.session, PERIOD)
    for name in ("organisations", "organisation_kinds", "resources", "resource_kinds", "purposes"):
        assert as_found(getattr(found, name)) == expected[name], name
    assert {k: v for k, v in found.outcomes.items() if v} == {k: v for k, v in expected["outcomes"].items() if v}
    assert found.totals.bookings == sum(v[0] for v in expected["purposes"].values())
    assert queries(counted) == 7


def test_the_number_of_queries_does_not_grow_with_the_period(app, house):
    rows = insert([{"organisation": n % 3, "resource": n % 4, "purpose": n % 8, "day": n, "start": 30, "length": 8,
                    "status": Status.APPROVED, "attendance": None, "attendees": 5, "bundled": False}
                   for n in range(200)], house)
    assert rows
    counts = []
    for period in (Period(date(2026, 3, 1), date(2026, 3, 31)), Period(date(2020, 1, 1), date(2029, 12, 31))):
        with count_queries() as counted:
            report(db.session, period)
        counts.append(queries(counted))
    assert counts == [7, 7]


def test_a_room_is_used_as_a_share_of_its_opening_hours_less_closures(app, make, house):
    """The house's default hours (migration 0002) in a week, less a closure of the room and an
    overlapping one of the house, which count once."""
    _groups, _member, resources, _purposes = house
    room = resources[0]
    week = Period(date(2026, 6, 1), date(2026, 6, 7))  # Monday to Sunday
    found = {u.key: u for u in report(db.session, week).rooms}
    open_before = found[room.id].open_seconds
    assert open_before > 0
    monday = date(2026, 6, 1)
    db.session.add_all([
        Closure(resource_id=room.id, starts_at=to_utc(monday, time(10)), ends_at=to_utc(monday, time(12)), reason="A"),
        Closure(resource_id=None, starts_at=to_utc(monday, time(11)), ends_at=to_utc(monday, time(13)), reason="B"),
    ])
    db.session.commit()
    insert([{"organisation": 0, "resource": 0, "purpose": 0, "day": (monday - FIRST_DAY).days, "start": 48,
             "length": 8, "status": Status.APPROVED, "attendance": None, "attendees": 5, "bundled": False}], house)
    use = {u.key: u for u in report(db.session, week).rooms}[room.id]
    assert use.open_seconds == open_before - 3 * 3600
    assert use.booked_seconds == 2 * 3600
    assert use.share == pytest.approx(2 * 3600 / use.open_seconds)
    assert {u.key for u in report(db.session, week).rooms} == {room.id, resources[1].id}  # rooms only


@pytest.mark.parametrize("first, last", [(date(2026, 3, 1), date(2026, 10, 31)), (date(2026, 3, 29), date(2026, 3, 29)),
                                         (date(2025, 12, 30), date(2027, 1, 2)), (date(2026, 6, 3), date(2026, 6, 3))])
def test_opening_hours_counted_by_weekday_are_those_counted_day_by_day(app, make, first, last):
    """Opening hours that span the change of the clocks (a room open through the night)."""
    from booking.availability import house_hours
    from booking.models import OpeningHours
    from booking.reports.figures import _open_seconds

    room = make.resource("Nachtcafé")
    db.session.add_all([OpeningHours(resource_id=room.id, weekday=6, opens=60, closes=240),
                        OpeningHours(resource_id=room.id, weekday=2, opens=None, closes=None)])
    db.session.commit()
    hours = house_hours(db.session)
    period = Period(first, last)
    closure = [(to_utc(first, time(10)), to_utc(first + timedelta(days=2), time(12)))]
    for closures in ([], closure):
        by_day = 0
        for day in period.days():
            window = hours.window(room.id, day)
            if window is not None:
                by_day += int((window[1] - window[0]).total_seconds())
                for c_start, c_end in closures:
                    overlap = min(window[1], c_end) - max(window[0], c_start)
                    by_day -= max(int(overlap.total_seconds()), 0)
        assert _open_seconds(hours, room.id, period, closures) == by_day
