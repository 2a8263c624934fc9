"""Availability against the database: what `check`, `check_many` and `alternatives` load and say.

The rules themselves are tested on plain data in test_rules.py; here the rows come from the
migrated database (with the house's default opening hours: Monday to Friday 08:00-22:00,
Saturday 10:00-18:00, Sunday closed), so what matters is that the right rows are found.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from booking.availability import alternatives, check, check_booking, check_many
from booking.clock import local, to_utc
from booking.extensions import db
from booking.models import Booking, Closure, OpeningHours, Resource, ResourceKind, Status
from booking.rules import Ask, Limits, Part
from tests.conftest import at
from tests.http.querycount import count_queries

TUESDAY = date(2027, 6, 15)
WEDNESDAY = date(2027, 6, 16)
THURSDAY = date(2027, 6, 17)
SATURDAY = date(2027, 6, 19)
MONDAY = date(2027, 6, 21)
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)


def midnight(day: date) -> datetime:
    return to_utc(day, time(0, 0))


@pytest.fixture
def house(make):
    """The rooms, equipment and plots of the house."""
    return {
        "saal": make.resource("Saal", capacity=80),
        "kleiner_saal": make.resource("Kleiner Saal", capacity=30),
        "gruppenraum": make.resource("Gruppenraum", capacity=12),
        "lehrkueche": make.resource("Lehrküche", capacity=10, cleanup_minutes=30),
        "bierzelt": make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10),
        "beet_3": make.resource("Beet 3", kind=ResourceKind.PLOT),
    }


def ask(resource: Resource, day: date, start: str, end: str, units: int = 1, attendees: int | None = None,
        extras: tuple[Part, ...] = ()) -> Ask:
    return Ask((Part(resource, units), *extras), at(day, start), at(day, end), attendees)


def season(resource: Resource, first: date, after_last: date) -> Ask:
    return Ask((Part(resource),), midnight(first), midnight(after_last))


def approved(make, resource, day, start, end, **kw) -> Booking:
    return make.booking(resource, day=day, start=start, end=end, status=Status.APPROVED, **kw)


def plot_booking(make, resource, first: date, after_last: date, status=Status.APPROVED) -> Booking:
    """A season on a plot: the factory books within one day, a season spans months."""
    booking = make.booking(resource, day=first, start="00:00", end="01:00", status=status)
    booking.starts_at, booking.ends_at = midnight(first), midnight(after_last)
    db.session.commit()
    return booking


def closure(starts_at: datetime, ends_at: datetime, resource: Resource | None = None,
            reason: str = "Betriebsversammlung") -> Closure:
    row = Closure(resource_id=resource.id if resource else None, starts_at=starts_at, ends_at=ends_at, reason=reason)
    db.session.add(row)
    db.session.commit()
    return row


def codes(verdict) -> list[str]:
    return [r.code for r in verdict.reasons]


# --- check ---------------------------------------------------------------------------------


def test_check_finds_the_clean_up_of_an_approved_booking(make, house):
    kitchen = house["lehrkueche"]
    approved(make, kitchen, TUESDAY, "10:00", "12:00")
    assert codes(check(db.session, ask(kitchen, TUESDAY, "12:00", "13:00"), NOW)) == ["taken"]
    assert codes(check(db.session, ask(kitchen, TUESDAY, "12:15", "13:00"), NOW)) == ["taken"]
    assert check(db.session, ask(kitchen, TUESDAY, "12:30", "13:00"), NOW).free
    assert check(db.session, ask(house["saal"], TUESDAY, "10:00", "12:00"), NOW).free


def test_check_uses_the_opening_hours_in_the_database(make, house):
    kitchen, saal = house["lehrkueche"], house["saal"]
    assert check(db.session, ask(kitchen, TUESDAY, "19:00", "21:30"), NOW).ok
    assert codes(check(db.session, ask(kitchen, TUESDAY, "19:00", "22:00"), NOW)) == ["hours"]
    assert codes(check(db.session, ask(saal, SATURDAY, "17:00", "19:00"), NOW)) == ["hours"]
    assert codes(check(db.session, ask(saal, SATURDAY + timedelta(days=1), "10:00", "12:00"), NOW)) == ["hours"]
    db.session.add(OpeningHours(resource_id=saal.id, weekday=6, opens=10 * 60, closes=16 * 60))
    db.session.commit()
    assert check(db.session, ask(saal, SATURDAY + timedelta(days=1), "10:00", "12:00"), NOW).ok
    assert codes(check(db.session, ask(kitchen, SATURDAY + timedelta(days=1), "10:00", "12:00"), NOW)) == ["hours"]


def test_check_finds_closures_of_the_house_and_of_the_resource_only(make, house):
    kitchen, saal = house["lehrkueche"], house["saal"]
    closure(at(TUESDAY, "14:00"), at(TUESDAY, "18:00"))
    closure(at(WEDNESDAY, "08:00"), at(WEDNESDAY, "22:00"), resource=kitchen, reason="Wasserschaden")
    assert codes(check(db.session, ask(kitchen, TUESDAY, "12:00", "14:00"), NOW)) == ["closed"]  # its clean-up
    assert check(db.session, ask(kitchen, TUESDAY, "12:00", "13:30"), NOW).ok
    assert check(db.session, ask(saal, TUESDAY, "12:00", "14:00"), NOW).ok
    assert codes(check(db.session, ask(kitchen, WEDNESDAY, "10:00", "12:00"), NOW)) == ["closed"]
    assert check(db.session, ask(saal, WEDNESDAY, "10:00", "12:00"), NOW).ok


def test_check_lists_pending_requests_and_blocks_on_approved_ones(make, house):
    saal = house["saal"]
    rival = make.booking(saal, day=TUESDAY, start="10:00", end="12:00", status=Status.PENDING)
    make.booking(saal, day=TUESDAY, start="10:00", end="12:00", status=Status.REJECTED)
    verdict = check(db.session, ask(saal, TUESDAY, "11:00", "13:00"), NOW)
    assert verdict.ok and not verdict.free
    assert [b.id for b in verdict.pending] == [rival.id]
    holder = approved(make, saal, TUESDAY, "12:30", "14:00")
    verdict = check(db.session, ask(saal, TUESDAY, "11:00", "13:00"), NOW)
    assert codes(verdict) == ["taken"]
    assert [b.id for b in verdict.approved] == [holder.id]


def test_check_counts_the_units_of_a_staircase(make, house):
    sets = house["bierzelt"]
    for start, end in (("10:00", "14:00"), ("12:00", "16:00"), ("14:00", "18:00")):
        approved(make, sets, TUESDAY, start, end, units=3)
    assert check(db.session, ask(sets, TUESDAY, "10:00", "18:00", units=4), NOW).ok
    assert sets.quantity == 10  # loaded before counting
    with count_queries() as counter:
        verdict = check(db.session, ask(sets, TUESDAY, "10:00", "18:00", units=5), NOW)
    assert codes(verdict) == ["units"]
    assert len(verdict.approved) == 3
    assert counter.count <= 4  # bookings, closures, opening hours, units out of service


def test_check_judges_a_room_with_its_equipment(make, house):
    saal, sets = house["saal"], house["bierzelt"]
    approved(make, sets, TUESDAY, "14:00", "18:00", units=6)
    bundle = ask(saal, TUESDAY, "12:00", "16:00", extras=(Part(sets, 6),))
    assert codes(check(db.session, bundle, NOW)) == ["units"]
    assert check(db.session, ask(saal, TUESDAY, "12:00", "16:00", extras=(Part(sets, 4),)), NOW).ok


def test_check_applies_the_partner_limits_only_when_asked(make, house):
    saal = house["saal"]
    now = at(TUESDAY, "09:00")
    request = ask(saal, TUESDAY, "14:00", "16:00")
    assert check(db.session, request, now).ok
    verdict = check(db.session, request, now, Limits())
    assert codes(verdict) == ["notice"]
    assert verdict.hard(overriding=True) == []


def test_check_refuses_an_end_before_the_start_without_asking_the_database(app, house):
    backwards = ask(house["saal"], TUESDAY, "12:00", "10:00")
    assert backwards.lead.name == "Saal"  # loaded before counting
    with count_queries() as counter:
        verdict = check(db.session, backwards, NOW)
    assert codes(verdict) == ["order"]
    assert counter.count == 0


def test_check_finds_a_season_that_began_months_before(make, house):
    beet = house["beet_3"]
    plot_booking(make, beet, date(2027, 3, 1), date(2027, 11, 1))
    assert codes(check(db.session, season(beet, date(2027, 10, 1), date(2027, 12, 1)), NOW)) == ["taken"]
    assert check(db.session, season(beet, date(2027, 11, 1), date(2028, 3, 1)), NOW).free


def test_check_a_season_ending_on_the_day_the_clocks_go_back(make, house):
    beet = house["beet_3"]
    request = season(beet, date(2027, 3, 1), date(2027, 11, 1))  # the last day is 31 October
    assert check(db.session, request, NOW).free
    plot_booking(make, beet, date(2027, 3, 1), date(2027, 11, 1))
    stored = db.session.scalar(sa.select(Booking).where(Booking.resource_id == beet.id))
    assert stored.ends_at == datetime(2027, 10, 31, 23, 0, tzinfo=timezone.utc)
    assert local(stored.ends_at).date() == date(2027, 11, 1) and local(stored.ends_at).time() == time(0, 0)
    assert codes(check(db.session, season(beet, date(2027, 10, 31), date(2027, 11, 1)), NOW)) == ["taken"]
    assert check(db.session, season(beet, date(2027, 11, 1), date(2027, 11, 2)), NOW).free


def test_check_booking_does_not_clash_with_itself_or_its_items(make, house):
    saal, sets = house["saal"], house["bierzelt"]
    request = make.booking(saal, day=TUESDAY, start="10:00", end="12:00", status=Status.PENDING)
    make.booking(sets, organisation=request.organisation, day=TUESDAY, start="10:00", end="12:00",
                 units=10, bundle_of=request, status=Status.PENDING)
    verdict = check_booking(db.session, request, NOW)
    assert verdict.free
    approved(make, sets, TUESDAY, "11:00", "13:00", units=1)
    assert codes(check_booking(db.session, request, NOW)) == ["units"]


# --- check_many: a page of the queue ------------------------------------------------------


def load_page(ids: list[int]) -> list[Booking]:
    """The page as the queue loads it: with the resources and the bundled items."""
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Booking).where(Booking.id.in_(ids)).order_by(Booking.id).options(
            joinedload(Booking.resource),
            selectinload(Booking.items).joinedload(Booking.resource),
        )
    ).all()


def pending_page(make, house, days: int) -> list[int]:
    """Per day: two requests for the Saal at the same time, and a kitchen request with sets."""
    ids = []
    for n in range(days):
        day = TUESDAY + timedelta(weeks=n)
        for _ in range(2):
            ids.append(make.booking(house["saal"], day=day, start="10:00", end="12:00").id)
        kitchen = make.booking(house["lehrkueche"], day=day, start="14:00", end="16:00")
        make.booking(house["bierzelt"], organisation=kitchen.organisation, day=day, start="14:00", end="16:00",
                     units=4, bundle_of=kitchen)
        ids.append(kitchen.id)
    return ids


def test_check_many_sends_the_same_queries_for_a_short_and_a_long_page(make, house):
    short_ids = pending_page(make, house, 1)
    long_ids = pending_page(make, house, 6)
    short = load_page(short_ids)
    with count_queries() as few:
        check_many(db.session, short, NOW)
    long = load_page(long_ids)
    with count_queries() as many:
        reports = check_many(db.session, long, NOW)
    assert len(reports) == len(long) == 18
    assert many.count == few.count <= 4  # and units out of service: the page holds equipment


def test_check_many_judges_each_request_of_the_page(make, house):
    saal, kitchen, sets = house["saal"], house["lehrkueche"], house["bierzelt"]
    first = make.booking(saal, day=TUESDAY, start="10:00", end="12:00")
    second = make.booking(saal, day=TUESDAY, start="11:00", end="13:00")
    blocked = make.booking(saal, day=WEDNESDAY, start="10:00", end="12:00")
    approved(make, saal, WEDNESDAY, "11:00", "12:00")
    cooking = make.booking(kitchen, day=THURSDAY, start="14:00", end="16:00")
    make.booking(sets, organisation=cooking.organisation, day=THURSDAY, start="14:00", end="16:00", units=6,
                 bundle_of=cooking)
    approved(make, sets, THURSDAY, "15:00", "17:00", units=6)
    page = load_page([first.id, second.id, blocked.id, cooking.id])
    reports = check_many(db.session, page, NOW)
    assert set(reports) == {first.id, second.id, blocked.id, cooking.id}
    assert reports[first.id].ok and [b.id for b in reports[first.id].pending] == [second.id]
    assert reports[second.id].ok and [b.id for b in reports[second.id].pending] == [first.id]
    assert codes(reports[blocked.id]) == ["taken"]
    assert codes(reports[cooking.id]) == ["units"]  # its own sets are not counted against it
    assert check_many(db.session, [], NOW) == {}


def test_check_many_agrees_with_check_booking(make, house):
    saal, kitchen = house["saal"], house["lehrkueche"]
    rows = [make.booking(saal, day=TUESDAY, start="10:00", end="12:00"),
            make.booking(kitchen, day=TUESDAY, start="12:00", end="13:00")]
    approved(make, kitchen, TUESDAY, "10:00", "12:00")
    closure(at(WEDNESDAY, "00:00"), at(THURSDAY, "00:00"))
    rows.append(make.booking(saal, day=WEDNESDAY, start="10:00", end="12:00"))
    page = load_page([b.id for b in rows])
    reports = check_many(db.session, page, NOW)
    for b in page:
        assert codes(reports[b.id]) == codes(check_booking(db.session, b, NOW))
    assert [codes(reports[b.id]) for b in page] == [[], ["taken"], ["closed"]]


# --- alternatives --------------------------------------------------------------------------


def assert_free(alts, request: Ask, limits: Limits | None = None):
    """Each suggestion passes every rule on its own: nothing against it and nobody else asking."""
    for alt in alts:
        moved = Ask((Part(alt.resource, request.parts[0].units), *request.parts[1:]), alt.starts_at, alt.ends_at,
                    request.attendees)
        verdict = check(db.session, moved, NOW, limits)
        assert verdict.reasons == [] and verdict.pending == [], (alt, verdict)
        assert alt.ends_at - alt.starts_at == request.length


def described(alts) -> list[tuple[str, date, str, str]]:
    return [(a.resource.name, local(a.starts_at).date(), f"{local(a.starts_at):%H:%M}", f"{local(a.ends_at):%H:%M}")
            for a in alts]


def test_alternatives_another_room_first_then_later_then_the_next_day(make, house):
    saal = house["saal"]
    make.resource("Atelier", capacity=40)
    approved(make, saal, TUESDAY, "10:00", "12:00")
    request = ask(saal, TUESDAY, "10:00", "12:00", attendees=20)
    alts = alternatives(db.session, request, NOW)
    # Not the Gruppenraum (12 seats) nor the Lehrküche (10), and not the Atelier (40) first either:
    # the smallest room that holds 20.
    assert described(alts) == [
        ("Kleiner Saal", TUESDAY, "10:00", "12:00"),
        ("Saal", TUESDAY, "12:00", "14:00"),
        ("Saal", WEDNESDAY, "10:00", "12:00"),
    ]
    assert_free(alts, request)


def test_alternatives_skip_rooms_that_are_taken_pending_or_inactive(make, house):
    saal, small = house["saal"], house["kleiner_saal"]
    make.resource("Werkraum", capacity=40, active=False)
    approved(make, saal, TUESDAY, "10:00", "12:00")
    make.booking(small, day=TUESDAY, start="11:00", end="12:00", status=Status.PENDING)
    alts = alternatives(db.session, ask(saal, TUESDAY, "10:00", "12:00", attendees=20), NOW)
    assert [a.resource.name for a in alts] == ["Saal", "Saal", "Saal"]  # later that day, then the next days


def test_alternatives_do_not_suggest_a_time_someone_else_has_asked_for(make, house):
    saal = house["saal"]
    approved(make, saal, TUESDAY, "10:00", "12:00")
    make.booking(saal, day=TUESDAY, start="12:00", end="13:00", status=Status.PENDING)
    make.booking(saal, day=WEDNESDAY, start="09:00", end="10:30", status=Status.PENDING)
    request = ask(saal, TUESDAY, "10:00", "12:00", attendees=50)  # only the Saal holds 50
    alts = alternatives(db.session, request, NOW)
    assert described(alts) == [
        ("Saal", TUESDAY, "13:00", "15:00"),
        ("Saal", WEDNESDAY, "10:30", "12:30"),
        ("Saal", THURSDAY, "10:00", "12:00"),
    ]
    assert_free(alts, request)


def test_alternatives_are_at_most_three_or_as_many_as_wanted(make, house):
    saal = house["saal"]
    approved(make, saal, TUESDAY, "10:00", "12:00")
    request = ask(saal, TUESDAY, "10:00", "12:00")
    assert len(alternatives(db.session, request, NOW)) == 3
    assert len(alternatives(db.session, request, NOW, wanted=5)) == 5
    assert len(alternatives(db.session, request, NOW, wanted=1)) == 1


def test_alternatives_keep_the_clean_up_time(make, house):
    kitchen = house["lehrkueche"]
    approved(make, kitchen, TUESDAY, "10:00", "12:00")
    approved(make, kitchen, WEDNESDAY, "08:00", "09:45")  # its clean-up runs until 10:15
    request = ask(kitchen, TUESDAY, "10:00", "12:00")
    alts = alternatives(db.session, request, NOW)
    assert described(alts) == [
        ("Gruppenraum", TUESDAY, "10:00", "12:00"),
        ("Lehrküche", TUESDAY, "12:30", "14:30"),  # not 12:00: the clean-up lasts until 12:30
        ("Lehrküche", WEDNESDAY, "10:30", "12:30"),  # the nearest free time to 10:00
    ]
    assert_free(alts, request)


def test_alternatives_stay_within_the_opening_hours_and_skip_sunday(make, house):
    saal, small = house["saal"], house["kleiner_saal"]
    for room in (saal, small):
        approved(make, room, SATURDAY, "16:00", "18:00")
    request = ask(saal, SATURDAY, "16:00", "18:00", attendees=20)
    alts = alternatives(db.session, request, NOW)
    # Nothing later on Saturday (the house closes at 18:00), nothing on Sunday.
    assert described(alts) == [
        ("Saal", MONDAY, "16:00", "18:00"),
        ("Saal", MONDAY + timedelta(days=1), "16:00", "18:00"),
        ("Saal", MONDAY + timedelta(days=2), "16:00", "18:00"),
    ]
    assert all(local(a.starts_at).weekday() != 6 for a in alts)
    assert_free(alts, request)


def test_alternatives_never_in_a_closure(make, house):
    saal = house["saal"]
    approved(make, saal, TUESDAY, "10:00", "22:00")
    closure(at(WEDNESDAY, "00:00"), at(THURSDAY, "12:00"), reason="Sommerfest-Aufbau")
    request = ask(saal, TUESDAY, "10:00", "12:00", attendees=50)  # only the Saal holds 50
    alts = alternatives(db.session, request, NOW)
    assert described(alts) == [
        ("Saal", THURSDAY, "12:00", "14:00"),  # the nearest free time to 10:00 after the closure
        ("Saal", THURSDAY + timedelta(days=1), "10:00", "12:00"),
        ("Saal", SATURDAY, "10:00", "12:00"),
    ]
    assert_free(alts, request)


def test_alternatives_in_another_room_respect_its_own_buffers(make, house):
    # The Saal has no clean-up time, the Lehrküche does: after 10:00-12:00 in the kitchen it is busy
    # until 12:30, which runs into the kitchen's approved booking at 12:00.
    saal, kitchen = house["saal"], house["lehrkueche"]
    approved(make, saal, TUESDAY, "10:00", "12:00")
    approved(make, kitchen, TUESDAY, "12:00", "13:00")
    request = ask(saal, TUESDAY, "10:00", "12:00", attendees=8)
    alts = alternatives(db.session, request, NOW)
    # The smallest room that holds 8 is the kitchen; the next one, the Gruppenraum, is free.
    assert [a.resource.name for a in alts] == ["Gruppenraum", "Saal", "Saal"]
    assert_free(alts, request)


def test_alternatives_in_another_room_respect_a_closure_its_buffer_touches(make, house):
    saal, kitchen = house["saal"], house["lehrkueche"]
    house["kleiner_saal"].active = house["gruppenraum"].active = False  # the kitchen is the only other room
    db.session.commit()
    approved(make, saal, TUESDAY, "10:00", "12:00")
    closure(at(TUESDAY, "12:00"), at(TUESDAY, "14:00"), resource=kitchen, reason="Grundreinigung")
    request = ask(saal, TUESDAY, "10:00", "12:00", attendees=8)
    alts = alternatives(db.session, request, NOW)
    assert alts[0].resource.name == "Saal"
    assert_free(alts, request)


def test_alternatives_for_equipment_look_for_enough_units(make, house):
    sets = house["bierzelt"]
    approved(make, sets, TUESDAY, "14:00", "18:00", units=6)
    request = ask(sets, TUESDAY, "14:00", "18:00", units=6)
    alts = alternatives(db.session, request, NOW)
    assert described(alts) == [
        ("Bierzeltgarnitur", TUESDAY, "18:00", "22:00"),
        ("Bierzeltgarnitur", WEDNESDAY, "14:00", "18:00"),
        ("Bierzeltgarnitur", THURSDAY, "14:00", "18:00"),
    ]
    assert_free(alts, request)


def test_alternatives_for_a_bundle_keep_the_equipment_free_too(make, house):
    saal, sets = house["saal"], house["bierzelt"]
    approved(make, saal, TUESDAY, "10:00", "12:00")
    approved(make, sets, TUESDAY, "12:00", "16:00", units=8)
    request = ask(saal, TUESDAY, "10:00", "12:00", attendees=40, extras=(Part(sets, 4),))
    alts = alternatives(db.session, request, NOW)
    # Not 12:00-14:00 on Tuesday: only 2 sets are free then.
    assert described(alts) == [
        ("Saal", TUESDAY, "16:00", "18:00"),
        ("Saal", WEDNESDAY, "10:00", "12:00"),
        ("Saal", THURSDAY, "10:00", "12:00"),
    ]
    assert_free(alts, request)


def test_alternatives_respect_the_partner_limits_when_given(make, house):
    saal = house["saal"]
    now = at(TUESDAY, "12:30")  # a partner group's earliest start: Thursday 12:30
    approved(make, saal, THURSDAY, "10:00", "11:00")
    request = ask(saal, THURSDAY, "10:00", "12:00", attendees=50)
    assert described(alternatives(db.session, request, now))[0] == ("Saal", THURSDAY, "11:00", "13:00")
    alts = alternatives(db.session, request, now, Limits())
    assert described(alts)[0] == ("Saal", THURSDAY, "12:30", "14:30")
    for alt in alts:
        moved = Ask((Part(alt.resource),), alt.starts_at, alt.ends_at, 50)
        assert check(db.session, moved, now, Limits()).free


def test_alternatives_across_the_night_the_clocks_go_forward(make, house):
    saal = house["saal"]
    saturday = date(2027, 3, 27)
    approved(make, saal, saturday, "10:00", "18:00")
    request = ask(saal, saturday, "10:00", "12:00", attendees=50)
    alts = alternatives(db.session, request, NOW)
    # Sunday 28 March is closed; on Monday 10:00 is summer time, an hour earlier in UTC.
    assert described(alts)[0] == ("Saal", date(2027, 3, 29), "10:00", "12:00")
    assert alts[0].starts_at == datetime(2027, 3, 29, 8, 0, tzinfo=timezone.utc)
    assert_free(alts, request)


def test_alternatives_for_a_plot_another_plot_first(make, house):
    beet_3 = house["beet_3"]
    beet_4 = make.resource("Beet 4", kind=ResourceKind.PLOT)
    plot_booking(make, beet_3, date(2027, 3, 1), date(2027, 11, 1))
    request = season(beet_3, date(2027, 3, 1), date(2027, 11, 1))
    alts = alternatives(db.session, request, NOW)
    assert [(a.resource.id, a.starts_at, a.ends_at) for a in alts] == [
        (beet_4.id, request.starts_at, request.ends_at),
    ]
    assert_free(alts, request)


def test_alternatives_for_a_plot_keep_whole_days_across_the_change_of_the_clocks(make, house):
    # Beet 3 from 20 March to 30 September, but it is taken until 28 March, the day the clocks go
    # forward: a season from 29 March starts in summer time and must still end at midnight.
    beet = house["beet_3"]
    plot_booking(make, beet, date(2027, 3, 20), date(2027, 3, 29))
    request = season(beet, date(2027, 3, 20), date(2027, 10, 1))
    days = (date(2027, 10, 1) - date(2027, 3, 20)).days
    alts = alternatives(db.session, request, NOW)
    assert [(local(a.starts_at).date(), local(a.ends_at).date()) for a in alts] == [
        (date(2027, 3, 29) + timedelta(days=n), date(2027, 3, 29) + timedelta(days=days + n)) for n in range(3)
    ]
    for alt in alts:
        assert local(alt.starts_at).time() == time(0, 0) and local(alt.ends_at).time() == time(0, 0)
        assert check(db.session, Ask((Part(alt.resource),), alt.starts_at, alt.ends_at), NOW).free
