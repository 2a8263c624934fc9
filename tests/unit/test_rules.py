"""The house's booking rules on plain data: no database, no client.

Each rule on its own and through `judge`, with the edge cases the house has argued about:
touching intervals, buffers against neighbours, closures and opening hours, the quantity of
equipment when bookings overlap in a staircase, plots by the day, and the two days a year
the clocks change (28 March and 31 October 2027).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import permutations
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from booking import create_app
from booking.clock import HOUSE_TZ, LocalTimeError, local, to_utc
from booking.models import Booking, Closure, Resource, ResourceKind, Status
from booking.rules import (
    LONGEST,
    Ask,
    Limits,
    Part,
    WeekHours,
    closure_reasons,
    hours_reasons,
    judge,
    occupancy,
    partner_reasons,
    shape_reasons,
    wall_clock,
)

TUESDAY = date(2027, 6, 15)
WEDNESDAY = date(2027, 6, 16)
THURSDAY = date(2027, 6, 17)
SATURDAY = date(2027, 6, 19)
SUNDAY = date(2027, 6, 20)
SPRING_FORWARD = date(2027, 3, 28)  # a Sunday: 02:00 becomes 03:00, a day of 23 hours
FALL_BACK = date(2027, 10, 31)  # a Sunday: 03:00 becomes 02:00 again, a day of 25 hours

# When the requests in these tests are made: well before any of the days above.
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)

# The house's default hours: Monday to Friday 08:00-22:00, Saturday 10:00-18:00, Sunday closed.
HOUSE_ROWS = [SimpleNamespace(resource_id=None, weekday=day, opens=8 * 60, closes=22 * 60) for day in range(5)]
HOUSE_ROWS.append(SimpleNamespace(resource_id=None, weekday=5, opens=10 * 60, closes=18 * 60))
HOUSE = WeekHours(HOUSE_ROWS)


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return to_utc(day, time(hours, minutes))


def midnight(day: date) -> datetime:
    return to_utc(day, time(0, 0))


def room(id_: int, name: str, capacity: int = 20, setup: int = 0, cleanup: int = 0,
         max_hours: int | None = None, active: bool = True) -> Resource:
    return Resource(id=id_, kind=ResourceKind.ROOM, name=name, capacity=capacity, quantity=1, active=active,
                    setup_minutes=setup, cleanup_minutes=cleanup, max_hours=max_hours)


def equipment(id_: int, name: str, quantity: int, max_hours: int | None = None) -> Resource:
    return Resource(id=id_, kind=ResourceKind.EQUIPMENT, name=name, capacity=None, quantity=quantity,
                    active=True, setup_minutes=0, cleanup_minutes=0, max_hours=max_hours)


def plot(id_: int, name: str) -> Resource:
    return Resource(id=id_, kind=ResourceKind.PLOT, name=name, capacity=None, quantity=1, active=True,
                    setup_minutes=0, cleanup_minutes=0, max_hours=None)


LEHRKUECHE = room(1, "Lehrküche", capacity=10, cleanup=30)
SAAL = room(2, "Saal", capacity=80)
BIERZELT = equipment(3, "Bierzeltgarnitur", quantity=10)
BEET_3 = plot(4, "Beet 3")
BEET_4 = plot(5, "Beet 4")
GRUPPENRAUM = room(6, "Gruppenraum", capacity=12, setup=30)

_ids = iter(range(100, 10_000))


def booking(resource: Resource, starts_at: datetime, ends_at: datetime, status: Status = Status.APPROVED,
            units: int = 1, id_: int | None = None) -> Booking:
    """A booking as the database holds it: its busy span fixed with the resource's buffers."""
    busy_from, busy_until = resource.busy_span(starts_at, ends_at)
    return Booking(id=id_ or next(_ids), resource_id=resource.id, resource=resource, status=status,
                   starts_at=starts_at, ends_at=ends_at, busy_from=busy_from, busy_until=busy_until, units=units)


def on(day: date, start: str, end: str, resource: Resource = SAAL, **kw) -> Booking:
    return booking(resource, at(day, start), at(day, end), **kw)


def ask(resource: Resource, day: date, start: str, end: str, units: int = 1, attendees: int | None = None,
        extras: tuple[Part, ...] = ()) -> Ask:
    return Ask((Part(resource, units), *extras), at(day, start), at(day, end), attendees)


def verdict(request: Ask, bookings=(), closures=(), hours: WeekHours = HOUSE, limits: Limits | None = None,
            now: datetime = NOW, exclude: frozenset[int] = frozenset()):
    return judge(request, at=now, bookings=bookings, closures=closures, hours=hours, limits=limits,
                 exclude=exclude)


def codes(v) -> list[str]:
    return [r.code for r in v.reasons]


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """Render a rule's (lazy) message in English, as a reader with Accept-Language: en sees it."""
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({"TESTING": True, "SECRET_KEY": "test-only", "INSTANCE_PATH": str(instance),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        def say(message) -> str:
            with force_locale("en"):
                return str(message)

        yield say


# --- half-open intervals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        ("12:00", "14:00", False),  # starts when the other ends
        ("08:00", "10:00", False),  # ends when the other starts
        ("11:59", "14:00", True),
        ("08:00", "10:01", True),
        ("10:30", "11:30", True),  # inside
        ("09:00", "13:00", True),  # around
        ("10:00", "12:00", True),  # the same
    ],
)
def test_intervals_are_half_open(start, end, clash):
    approved = on(TUESDAY, "10:00", "12:00")
    v = verdict(ask(SAAL, TUESDAY, start, end), [approved])
    assert codes(v) == (["taken"] if clash else [])
    assert v.approved == ([approved] if clash else [])


def test_a_booking_of_another_room_does_not_clash():
    v = verdict(ask(SAAL, TUESDAY, "10:00", "12:00"), [on(TUESDAY, "10:00", "12:00", resource=LEHRKUECHE)])
    assert v.ok


# --- set-up and clean-up buffers -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        ("12:00", "13:00", False),
        ("12:15", "13:00", False),
        ("12:29", "13:00", False),
        ("12:30", "13:00", True),  # the clean-up ends at 12:30
        # Before it: the request's own clean-up must be over by 10:00.
        ("08:00", "09:45", False),
        ("08:00", "09:30", True),
    ],
)
def test_the_lehrkueche_clean_up_blocks_its_neighbours(start, end, ok):
    approved = on(TUESDAY, "10:00", "12:00", resource=LEHRKUECHE)
    v = verdict(ask(LEHRKUECHE, TUESDAY, start, end), [approved])
    assert codes(v) == ([] if ok else ["taken"])
    assert v.reasons == [] or v.reasons[0].field == "start"


def test_a_set_up_time_blocks_the_slot_before():
    # The Gruppenraum needs 30 minutes to set up: 12:00 after a booking until 11:45 is too close.
    approved = on(TUESDAY, "10:00", "11:45", resource=GRUPPENRAUM)
    assert codes(verdict(ask(GRUPPENRAUM, TUESDAY, "12:00", "13:00"), [approved])) == ["taken"]
    assert verdict(ask(GRUPPENRAUM, TUESDAY, "12:15", "13:00"), [approved]).ok


def test_the_message_tells_a_clash_from_a_buffer(english):
    approved = on(TUESDAY, "10:00", "12:00", resource=LEHRKUECHE)
    clash = verdict(ask(LEHRKUECHE, TUESDAY, "11:00", "13:00"), [approved]).reasons[0]
    buffer = verdict(ask(LEHRKUECHE, TUESDAY, "12:15", "13:00"), [approved]).reasons[0]
    assert english(clash) == "Lehrküche is already booked 10:00–12:00."
    assert english(buffer) == ("Lehrküche is booked 10:00–12:00 and needs its set-up and clean-up time "
                               "around it.")


def test_the_buffers_a_booking_was_made_with_count_not_todays():
    # Booked before the Lehrküche had a clean-up time: it keeps the room busy until 12:00 only.
    old = booking(LEHRKUECHE, at(TUESDAY, "10:00"), at(TUESDAY, "12:00"))
    old.busy_until = old.ends_at
    assert verdict(ask(LEHRKUECHE, TUESDAY, "12:00", "13:00"), [old]).ok


# --- opening hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "day", "start", "end", "ok"),
    [
        (SAAL, TUESDAY, "08:00", "22:00", True),
        (SAAL, TUESDAY, "07:30", "09:00", False),
        (SAAL, TUESDAY, "21:00", "22:30", False),
        (SAAL, SATURDAY, "10:00", "18:00", True),
        (SAAL, SATURDAY, "09:00", "11:00", False),
        (SAAL, SATURDAY, "17:00", "19:00", False),
        (SAAL, SUNDAY, "10:00", "12:00", False),
        # The clean-up must fit as well: the Lehrküche until 21:30, not until 22:00.
        (LEHRKUECHE, TUESDAY, "19:00", "21:30", True),
        (LEHRKUECHE, TUESDAY, "19:00", "22:00", False),
        (LEHRKUECHE, SATURDAY, "15:00", "17:30", True),
        (LEHRKUECHE, SATURDAY, "15:00", "18:00", False),
        # And the set-up: the Gruppenraum from 08:30, not from 08:00.
        (GRUPPENRAUM, TUESDAY, "08:30", "10:00", True),
        (GRUPPENRAUM, TUESDAY, "08:00", "10:00", False),
        (BIERZELT, SUNDAY, "10:00", "12:00", False),
    ],
)
def test_the_busy_span_lies_within_the_opening_hours(resource, day, start, end, ok):
    v = verdict(ask(resource, day, start, end))
    assert codes(v) == ([] if ok else ["hours"])
    assert hours_reasons(ask(resource, day, start, end), HOUSE) == v.reasons


def test_the_messages_name_the_hours_and_the_buffers(english):
    (sunday,) = hours_reasons(ask(SAAL, SUNDAY, "10:00", "12:00"), HOUSE)
    (late,) = hours_reasons(ask(SAAL, TUESDAY, "21:00", "22:30"), HOUSE)
    (cleanup,) = hours_reasons(ask(LEHRKUECHE, TUESDAY, "19:00", "22:00"), HOUSE)
    assert english(sunday) == "Saal is closed on Sunday."
    assert english(late) == "Saal is open on Tuesday from 08:00 to 22:00."
    assert english(cleanup) == ("Lehrküche needs 0 minutes to set up and 30 to clean up, within its "
                                "opening hours 08:00–22:00.")


def test_a_resource_overrides_the_house_hours_on_one_weekday():
    rows = [*HOUSE_ROWS,
            SimpleNamespace(resource_id=SAAL.id, weekday=6, opens=10 * 60, closes=16 * 60),  # Saal on Sundays
            SimpleNamespace(resource_id=LEHRKUECHE.id, weekday=5, opens=None, closes=None),  # no cooking on Saturdays
            SimpleNamespace(resource_id=SAAL.id, weekday=1, opens=0, closes=24 * 60)]  # Tuesdays round the clock
    hours = WeekHours(rows)
    assert verdict(ask(SAAL, SUNDAY, "10:00", "16:00"), hours=hours).ok
    assert codes(verdict(ask(SAAL, SUNDAY, "15:00", "17:00"), hours=hours)) == ["hours"]
    assert codes(verdict(ask(LEHRKUECHE, SUNDAY, "10:00", "12:00"), hours=hours)) == ["hours"]
    assert codes(verdict(ask(LEHRKUECHE, SATURDAY, "10:00", "12:00"), hours=hours)) == ["hours"]
    assert verdict(ask(SAAL, SATURDAY, "10:00", "12:00"), hours=hours).ok  # the house's Saturday
    assert verdict(ask(SAAL, TUESDAY, "06:00", "23:30"), hours=hours).ok
    assert codes(verdict(ask(LEHRKUECHE, TUESDAY, "06:00", "09:00"), hours=hours)) == ["hours"]


def test_a_weekday_without_house_hours_is_closed_for_everyone():
    assert hours_reasons(ask(SAAL, TUESDAY, "10:00", "12:00"), WeekHours([])) != []
    assert HOUSE.window(SAAL.id, SUNDAY) is None
    assert HOUSE.minutes(SAAL.id, 0) == (480, 1320)


def test_plots_are_outdoors_and_keep_no_opening_hours():
    season = Ask((Part(BEET_3),), midnight(SUNDAY), midnight(SUNDAY + timedelta(days=7)))
    assert hours_reasons(season, HOUSE) == []
    assert verdict(season).ok


# --- closures ------------------------------------------------------------------------------


HOUSE_CLOSED = Closure(resource_id=None, starts_at=at(TUESDAY, "14:00"), ends_at=at(TUESDAY, "18:00"),
                       reason="Betriebsversammlung")
KITCHEN_CLOSED = Closure(resource_id=LEHRKUECHE.id, starts_at=at(WEDNESDAY, "00:00"),
                         ends_at=at(WEDNESDAY + timedelta(days=1), "00:00"), reason="Wasserschaden")


@pytest.mark.parametrize(
    ("resource", "start", "end", "closed"),
    [
        (SAAL, "10:00", "14:00", False),  # ends as the closure starts
        (SAAL, "18:00", "20:00", False),  # starts as it ends
        (SAAL, "13:00", "15:00", True),
        (SAAL, "15:00", "16:00", True),
        # The Lehrküche's clean-up from 13:30 until 14:00 touches the closure; until 14:30 it overlaps.
        (LEHRKUECHE, "12:00", "13:30", False),
        (LEHRKUECHE, "12:00", "14:00", True),
        (LEHRKUECHE, "11:00", "13:45", True),
        # The Gruppenraum's set-up from 17:30 overlaps it.
        (GRUPPENRAUM, "18:00", "20:00", True),
        (GRUPPENRAUM, "18:30", "20:00", False),
        (BIERZELT, "16:00", "20:00", True),
    ],
)
def test_a_closure_of_the_house_blocks_every_busy_span_that_overlaps_it(resource, start, end, closed):
    v = verdict(ask(resource, TUESDAY, start, end), closures=[HOUSE_CLOSED])
    assert codes(v) == (["closed"] if closed else [])
    assert all(r.field == "date" and not r.overridable for r in v.reasons)


def test_a_closure_of_one_resource_leaves_the_others_bookable():
    assert codes(verdict(ask(LEHRKUECHE, WEDNESDAY, "10:00", "12:00"), closures=[KITCHEN_CLOSED])) == ["closed"]
    assert verdict(ask(SAAL, WEDNESDAY, "10:00", "12:00"), closures=[KITCHEN_CLOSED]).ok
    # Its clean-up, too, keeps the Lehrküche out of its own closure; the Saal's has nothing to do with it.
    cleaning = Closure(resource_id=LEHRKUECHE.id, starts_at=at(TUESDAY, "20:00"), ends_at=at(TUESDAY, "22:00"),
                       reason="Grundreinigung")
    assert codes(verdict(ask(LEHRKUECHE, TUESDAY, "18:00", "19:45"), closures=[cleaning])) == ["closed"]
    assert verdict(ask(LEHRKUECHE, TUESDAY, "18:00", "19:30"), closures=[cleaning]).ok
    assert verdict(ask(SAAL, TUESDAY, "18:00", "22:00"), closures=[cleaning]).ok


def test_the_closure_message_names_whom_when_and_why(english):
    (house,) = closure_reasons(ask(SAAL, TUESDAY, "13:00", "15:00"), [HOUSE_CLOSED])
    (kitchen,) = closure_reasons(ask(LEHRKUECHE, WEDNESDAY, "10:00", "12:00"), [KITCHEN_CLOSED])
    assert english(house) == "The house is closed 14:00–18:00: Betriebsversammlung."
    # A whole day runs to midnight: 24:00, not "00:00–00:00".
    assert english(kitchen) == "Lehrküche is closed 00:00–24:00: Wasserschaden."
    renovation = Closure(resource_id=None, starts_at=at(TUESDAY, "12:00"), ends_at=at(THURSDAY, "12:00"),
                         reason="Umbau")
    (across,) = closure_reasons(ask(SAAL, WEDNESDAY, "10:00", "12:00"), [renovation])
    assert english(across) == "The house is closed Tue, Jun 15, 12:00 – Thu, Jun 17, 12:00: Umbau."


def test_a_booking_until_midnight_is_told_as_ending_at_24_00(english):
    hours = WeekHours([*HOUSE_ROWS, SimpleNamespace(resource_id=SAAL.id, weekday=1, opens=0, closes=1440)])
    late = booking(SAAL, at(TUESDAY, "20:00"), midnight(WEDNESDAY))
    (reason,) = verdict(ask(SAAL, TUESDAY, "21:00", "23:00"), [late], hours=hours).reasons
    assert english(reason) == "Saal is already booked 20:00–24:00."


# --- capacity ------------------------------------------------------------------------------


@pytest.mark.parametrize(("attendees", "ok"), [(1, True), (10, True), (11, False), (None, True)])
def test_attendees_fit_the_room(attendees, ok):
    v = verdict(ask(LEHRKUECHE, TUESDAY, "10:00", "12:00", attendees=attendees))
    assert codes(v) == ([] if ok else ["capacity"])
    assert all(r.field == "attendees" and not r.overridable for r in v.reasons)


def test_the_capacity_message_names_the_room(english):
    (reason,) = shape_reasons(ask(LEHRKUECHE, TUESDAY, "10:00", "12:00", attendees=11), NOW)
    assert english(reason) == "Lehrküche holds at most 10 people."


# --- equipment by the unit -----------------------------------------------------------------


def test_two_requests_for_six_of_ten_beer_tent_sets(english):
    first = on(TUESDAY, "14:00", "18:00", resource=BIERZELT, units=6)
    v = verdict(ask(BIERZELT, TUESDAY, "12:00", "20:00", units=6), [first])
    assert codes(v) == ["units"]
    assert v.reasons[0].field == "units"
    assert english(v.reasons[0]) == "Only 4 of Bierzeltgarnitur are available 14:00–18:00."
    assert v.approved == [first]
    assert verdict(ask(BIERZELT, TUESDAY, "12:00", "20:00", units=4), [first]).ok
    assert verdict(ask(BIERZELT, TUESDAY, "18:00", "20:00", units=10), [first]).ok  # touching


def test_one_free_unit_is_said_in_the_singular(english):
    held = on(TUESDAY, "14:00", "18:00", resource=BIERZELT, units=9)
    (reason,) = verdict(ask(BIERZELT, TUESDAY, "14:00", "16:00", units=2), [held]).reasons
    assert english(reason) == "Only 1 of Bierzeltgarnitur is available 14:00–16:00."


STAIRCASE = (
    ("A", "10:00", "14:00"),
    ("B", "12:00", "16:00"),
    ("C", "14:00", "18:00"),
)


def staircase(order=(0, 1, 2)) -> list[Booking]:
    steps = [STAIRCASE[i] for i in order]
    return [on(TUESDAY, start, end, resource=BIERZELT, units=3) for _, start, end in steps]


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_the_staircase_peaks_at_six_not_nine(order, english):
    # A ends when C starts, so at no instant are more than 6 of the 10 sets out.
    bookings = staircase(order)
    assert verdict(ask(BIERZELT, TUESDAY, "10:00", "18:00", units=4), bookings).ok
    v = verdict(ask(BIERZELT, TUESDAY, "10:00", "18:00", units=5), bookings)
    assert codes(v) == ["units"]
    assert english(v.reasons[0]) == "Only 4 of Bierzeltgarnitur are available 12:00–16:00."
    assert sorted(b.id for b in v.approved) == sorted(b.id for b in bookings)


@pytest.mark.parametrize(
    ("start", "end", "units", "ok"),
    [
        ("10:00", "12:00", 7, True),  # only A
        ("10:00", "12:00", 8, False),
        ("16:00", "18:00", 7, True),  # only C
        ("12:00", "14:00", 4, True),  # A and B
        ("12:00", "14:00", 5, False),
        ("14:00", "16:00", 5, False),  # B and C
        ("09:00", "10:00", 10, True),  # before the staircase
    ],
)
def test_each_step_of_the_staircase(start, end, units, ok):
    assert verdict(ask(BIERZELT, TUESDAY, start, end, units=units), staircase()).ok is ok


def test_two_separate_shortages_are_told_apart(english):
    morning = on(TUESDAY, "09:00", "10:00", resource=BIERZELT, units=8)
    evening = on(TUESDAY, "19:00", "21:00", resource=BIERZELT, units=9)
    v = verdict(ask(BIERZELT, TUESDAY, "08:00", "22:00", units=3), [morning, evening])
    assert [english(r) for r in v.reasons] == [
        "Only 2 of Bierzeltgarnitur are available 09:00–10:00.",
        "Only 1 of Bierzeltgarnitur is available 19:00–21:00.",
    ]


def test_more_units_than_the_house_has(english):
    v = verdict(ask(BIERZELT, TUESDAY, "10:00", "12:00", units=11), [on(TUESDAY, "10:00", "12:00", resource=BIERZELT)])
    assert codes(v) == ["quantity"]  # and not also "units": that would say the same twice
    assert english(v.reasons[0]) == "The house has 10 of Bierzeltgarnitur in all."
    assert verdict(ask(BIERZELT, TUESDAY, "10:00", "12:00", units=10)).ok


def test_a_room_is_booked_as_one_unit():
    assert codes(verdict(ask(SAAL, TUESDAY, "10:00", "12:00", units=2))) == ["quantity"]


def test_pending_and_decided_bookings_hold_no_units():
    bookings = [on(TUESDAY, "10:00", "12:00", resource=BIERZELT, units=10, status=status)
                for status in (Status.PENDING, Status.REJECTED, Status.CANCELLED)]
    v = verdict(ask(BIERZELT, TUESDAY, "10:00", "12:00", units=10), bookings)
    assert v.ok
    assert v.pending == [bookings[0]]


# --- a room with its equipment -------------------------------------------------------------


def test_every_part_of_a_bundle_is_judged():
    sets = on(TUESDAY, "14:00", "18:00", resource=BIERZELT, units=6)
    saal = on(TUESDAY, "08:00", "10:00")

    def bundle(start, end, units):
        return ask(SAAL, TUESDAY, start, end, extras=(Part(BIERZELT, units),))

    assert verdict(bundle("10:00", "14:00", 6), [sets, saal]).ok
    short = verdict(bundle("12:00", "16:00", 6), [sets, saal])
    assert codes(short) == ["units"]  # the Saal is free, the sets are not
    assert short.approved == [sets]
    taken = verdict(bundle("09:00", "12:00", 2), [sets, saal])
    assert codes(taken) == ["taken"]  # the sets are free, the Saal is not
    assert sorted(codes(verdict(bundle("09:00", "16:00", 6), [sets, saal]))) == ["taken", "units"]
    assert codes(verdict(bundle("10:00", "12:00", 11), [sets, saal])) == ["quantity"]


def test_only_equipment_can_be_added_to_a_request():
    v = verdict(ask(SAAL, TUESDAY, "10:00", "12:00", extras=(Part(LEHRKUECHE),)))
    assert "bundle" in codes(v)
    assert not v.ok


def test_each_part_keeps_its_own_hours_and_closures():
    hours = WeekHours([*HOUSE_ROWS, SimpleNamespace(resource_id=SAAL.id, weekday=6, opens=600, closes=960)])
    v = verdict(ask(SAAL, SUNDAY, "10:00", "12:00", extras=(Part(BIERZELT, 2),)), hours=hours)
    assert codes(v) == ["hours"]  # the sets keep the house's Sunday: closed
    kitchen = verdict(ask(LEHRKUECHE, WEDNESDAY, "10:00", "12:00", extras=(Part(BIERZELT, 2),)),
                      closures=[KITCHEN_CLOSED])
    assert codes(kitchen) == ["closed"]  # only the kitchen is closed


# --- garden plots by the day ---------------------------------------------------------------

SEASON_START = midnight(date(2027, 3, 1))
SEASON_END = midnight(date(2027, 11, 1))  # the season's last day is 31 October


def season(resource: Resource = BEET_3, first: date = date(2027, 3, 1), after_last: date = date(2027, 11, 1)) -> Ask:
    return Ask((Part(resource),), midnight(first), midnight(after_last))


def test_a_season_from_march_to_october_is_fine():
    # Across both changes of the clocks: it starts in winter time and ends in winter time again.
    v = verdict(season())
    assert v.ok
    assert local(SEASON_END).date() == date(2027, 11, 1) and local(SEASON_END).time() == time(0, 0)


def test_a_plot_is_booked_by_whole_days():
    v = verdict(Ask((Part(BEET_3),), at(date(2027, 3, 1), "08:00"), SEASON_END))
    assert codes(v) == ["whole_days"]
    assert v.reasons[0].field == "date"
    # Midnight UTC is not midnight in the house.
    v = verdict(Ask((Part(BEET_3),), datetime(2027, 3, 1, tzinfo=timezone.utc), SEASON_END))
    assert codes(v) == ["whole_days"]


def test_one_organisation_per_plot_at_a_time():
    approved = booking(BEET_3, SEASON_START, SEASON_END)
    assert codes(verdict(season(first=date(2027, 10, 1), after_last=date(2027, 12, 1)), [approved])) == ["taken"]
    assert codes(verdict(season(first=date(2027, 2, 1), after_last=date(2027, 3, 2)), [approved])) == ["taken"]
    assert verdict(season(first=date(2027, 11, 1), after_last=date(2027, 12, 1)), [approved]).ok
    assert verdict(season(first=date(2027, 2, 1), after_last=date(2027, 3, 1)), [approved]).ok
    assert verdict(season(BEET_4), [approved]).ok


def test_a_plot_is_booked_for_a_year_at_most(english):
    assert LONGEST[ResourceKind.PLOT] == timedelta(days=366)
    leap_year = season(first=date(2027, 3, 1), after_last=date(2028, 3, 1))  # 366 days: 29 February 2028
    assert verdict(leap_year).ok
    v = verdict(season(first=date(2027, 3, 1), after_last=date(2028, 3, 2)))
    assert codes(v) == ["too_long"]
    assert english(v.reasons[0]) == "A plot is booked for one year at most."


def test_a_room_is_booked_for_one_day_at_most(english):
    hours = WeekHours([SimpleNamespace(resource_id=None, weekday=d, opens=0, closes=1440) for d in range(7)])
    v = verdict(Ask((Part(SAAL),), at(TUESDAY, "10:00"), at(WEDNESDAY, "12:00")), hours=hours)
    assert "too_long" in codes(v)
    assert english(v.reasons[0]) == "A booking lasts one day at most."
    assert verdict(Ask((Part(SAAL),), midnight(TUESDAY), midnight(WEDNESDAY)), hours=hours).ok


# --- partner limits ------------------------------------------------------------------------

MONDAY_NOON = at(date(2027, 6, 14), "12:00")


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (MONDAY_NOON + timedelta(hours=47, minutes=59), "notice"),
        (MONDAY_NOON + timedelta(hours=2), "notice"),
        (MONDAY_NOON + timedelta(hours=48), None),
        (MONDAY_NOON + timedelta(days=180), None),
        (MONDAY_NOON + timedelta(days=180, minutes=1), "horizon"),
    ],
)
def test_notice_and_horizon_for_partner_groups(start, code):
    limits = Limits()
    request = Ask((Part(SAAL),), start, start + timedelta(hours=1))
    reasons = partner_reasons(request, MONDAY_NOON, limits)
    assert [r.code for r in reasons] == ([code] if code else [])
    assert all(r.overridable for r in reasons)


def test_max_hours_per_resource_for_partner_groups(english):
    saal = room(2, "Saal", capacity=80, max_hours=4)
    limits = Limits()
    assert verdict(ask(saal, TUESDAY, "10:00", "14:00"), limits=limits).ok
    v = verdict(ask(saal, TUESDAY, "10:00", "14:30"), limits=limits)
    assert codes(v) == ["max_hours"]
    assert v.reasons[0].overridable and v.reasons[0].field == "end"
    assert english(v.reasons[0]) == "Saal can be booked for 4 hours at a time."
    tent = equipment(3, "Bierzeltgarnitur", quantity=10, max_hours=1)
    bundle = verdict(ask(SAAL, TUESDAY, "10:00", "12:00", extras=(Part(tent, 2),)), limits=limits)
    assert codes(bundle) == ["max_hours"]
    assert english(bundle.reasons[0]) == "Bierzeltgarnitur can be booked for 1 hour at a time."


def test_a_manager_sets_the_partner_rules_aside_but_not_the_house_rules():
    saal = room(2, "Saal", capacity=80, max_hours=4)
    now = at(TUESDAY, "09:00")
    request = ask(saal, TUESDAY, "12:00", "21:00", attendees=90)
    v = verdict(request, [on(TUESDAY, "20:00", "22:00")], limits=Limits(), now=now)
    assert sorted(codes(v)) == ["capacity", "max_hours", "notice", "taken"]
    assert sorted(r.code for r in v.hard(overriding=True)) == ["capacity", "taken"]
    assert sorted(r.code for r in v.hard()) == sorted(codes(v))
    # Without partner limits (a manager's own request) they are not asked at all.
    assert sorted(codes(verdict(request, [on(TUESDAY, "20:00", "22:00")], now=now))) == ["capacity", "taken"]


def test_custom_limits():
    limits = Limits(notice=timedelta(hours=24), horizon=timedelta(days=30))
    now = at(TUESDAY, "09:00")
    assert verdict(ask(SAAL, WEDNESDAY, "10:00", "12:00"), limits=limits, now=now).ok
    far = Ask((Part(SAAL),), at(TUESDAY + timedelta(days=35), "10:00"), at(TUESDAY + timedelta(days=35), "12:00"))
    assert codes(verdict(far, limits=limits, now=now)) == ["horizon"]


def test_the_past_cannot_be_booked_even_by_a_manager():
    v = verdict(ask(SAAL, TUESDAY, "10:00", "12:00"), now=at(TUESDAY, "10:30"))
    assert codes(v) == ["past"]
    assert v.hard(overriding=True) == v.reasons


# --- competing requests --------------------------------------------------------------------


def test_pending_requests_do_not_block_each_other():
    rival = on(TUESDAY, "10:00", "12:00", status=Status.PENDING)
    v = verdict(ask(SAAL, TUESDAY, "11:00", "13:00"), [rival])
    assert v.ok
    assert v.pending == [rival]
    assert not v.free
    assert verdict(ask(SAAL, TUESDAY, "12:00", "13:00"), [rival]).free


def test_approved_bookings_block_and_pending_ones_are_listed_beside_them():
    approved = on(TUESDAY, "10:00", "12:00")
    rival = on(TUESDAY, "11:00", "13:00", status=Status.PENDING)
    v = verdict(ask(SAAL, TUESDAY, "11:30", "12:30"), [approved, rival])
    assert codes(v) == ["taken"]
    assert v.approved == [approved] and v.pending == [rival]


def test_rejected_and_cancelled_bookings_are_out_of_the_way():
    gone = [on(TUESDAY, "10:00", "12:00", status=s) for s in (Status.REJECTED, Status.CANCELLED)]
    v = verdict(ask(SAAL, TUESDAY, "10:00", "12:00"), gone)
    assert v.free


def test_a_request_being_decided_does_not_clash_with_itself():
    own = on(TUESDAY, "10:00", "12:00", status=Status.APPROVED)
    assert codes(verdict(ask(SAAL, TUESDAY, "10:00", "12:00"), [own])) == ["taken"]
    assert verdict(ask(SAAL, TUESDAY, "10:00", "12:00"), [own], exclude=frozenset({own.id})).free


def test_occupancy_on_its_own_fills_the_verdict_it_is_given():
    approved = on(TUESDAY, "10:00", "12:00")
    request = ask(SAAL, TUESDAY, "11:00", "12:00")
    v = occupancy(request.parts[0], request, [approved])
    assert codes(v) == ["taken"]
    assert occupancy(request.parts[0], request, [approved], exclude=frozenset({approved.id})).ok


# --- malformed requests --------------------------------------------------------------------


def test_the_end_must_come_after_the_start():
    v = verdict(ask(SAAL, TUESDAY, "12:00", "12:00"), [on(TUESDAY, "10:00", "14:00")])
    assert codes(v) == ["order"]  # and nothing else: the other rules make no sense of it
    assert codes(verdict(ask(SAAL, TUESDAY, "12:00", "10:00"))) == ["order"]


def test_an_inactive_resource_cannot_be_booked():
    closed = room(7, "Alter Werkraum", active=False)
    assert codes(verdict(ask(closed, TUESDAY, "10:00", "12:00"))) == ["inactive"]
    assert codes(verdict(ask(SAAL, TUESDAY, "10:00", "12:00", extras=(Part(closed),)))) == ["inactive"]


# --- the days the clocks change ------------------------------------------------------------


def test_local_times_that_do_not_exist_or_happen_twice_are_refused():
    with pytest.raises(LocalTimeError) as gap:
        to_utc(SPRING_FORWARD, time(2, 30))
    assert gap.value.kind == "nonexistent"
    with pytest.raises(LocalTimeError) as twice:
        to_utc(FALL_BACK, time(2, 30))
    assert twice.value.kind == "ambiguous"
    assert to_utc(SPRING_FORWARD, time(3, 0)) == datetime(2027, 3, 28, 1, 0, tzinfo=timezone.utc)
    assert to_utc(FALL_BACK, time(3, 0)) == datetime(2027, 10, 31, 2, 0, tzinfo=timezone.utc)
    assert to_utc(FALL_BACK, time(1, 59)) == datetime(2027, 10, 30, 23, 59, tzinfo=timezone.utc)


def test_a_night_booking_lasts_as_long_as_the_clocks_say():
    assert at(SPRING_FORWARD, "04:00") - at(SPRING_FORWARD, "01:00") == timedelta(hours=2)
    assert at(FALL_BACK, "04:00") - at(FALL_BACK, "01:00") == timedelta(hours=4)


def elapsed(a: datetime, b: datetime) -> timedelta:
    """Real time between two instants (Python subtracts two Berlin times by their clock faces)."""
    return b.astimezone(timezone.utc) - a.astimezone(timezone.utc)


ROUND_THE_CLOCK_SUNDAY = WeekHours([*HOUSE_ROWS, SimpleNamespace(resource_id=None, weekday=6, opens=0, closes=1440)])
SAAL_ON_SUNDAYS = WeekHours([*HOUSE_ROWS, SimpleNamespace(resource_id=SAAL.id, weekday=6, opens=600, closes=1080)])


def test_opening_hours_are_wall_clock_times_on_the_days_the_clocks_change():
    # Saal open on Sundays 10:00-18:00: in summer time on 28 March, in winter time on 31 October.
    assert SAAL_ON_SUNDAYS.window(SAAL.id, SPRING_FORWARD) == (
        datetime(2027, 3, 28, 8, 0, tzinfo=timezone.utc), datetime(2027, 3, 28, 16, 0, tzinfo=timezone.utc))
    assert SAAL_ON_SUNDAYS.window(SAAL.id, FALL_BACK) == (
        datetime(2027, 10, 31, 9, 0, tzinfo=timezone.utc), datetime(2027, 10, 31, 17, 0, tzinfo=timezone.utc))
    assert elapsed(*ROUND_THE_CLOCK_SUNDAY.window(SAAL.id, SPRING_FORWARD)) == timedelta(hours=23)
    assert elapsed(*ROUND_THE_CLOCK_SUNDAY.window(SAAL.id, FALL_BACK)) == timedelta(hours=25)
    opens, closes = ROUND_THE_CLOCK_SUNDAY.window(SAAL.id, FALL_BACK)
    assert (opens, closes) == (midnight(FALL_BACK), midnight(FALL_BACK + timedelta(days=1)))
    assert SAAL_ON_SUNDAYS.window(LEHRKUECHE.id, FALL_BACK) is None


def test_wall_clock_counts_minutes_on_the_clock_face_not_elapsed():
    assert wall_clock(SPRING_FORWARD, 4 * 60) == datetime(2027, 3, 28, 4, 0, tzinfo=HOUSE_TZ)
    assert elapsed(wall_clock(SPRING_FORWARD, 60), wall_clock(SPRING_FORWARD, 4 * 60)) == timedelta(hours=2)
    assert elapsed(wall_clock(FALL_BACK, 60), wall_clock(FALL_BACK, 4 * 60)) == timedelta(hours=4)
    assert wall_clock(FALL_BACK, 1440) == wall_clock(FALL_BACK + timedelta(days=1), 0)


@pytest.mark.parametrize(
    ("day", "start", "end", "ok"),
    [
        (SPRING_FORWARD, "10:00", "18:00", True),
        (SPRING_FORWARD, "09:30", "12:00", False),
        (SPRING_FORWARD, "16:00", "18:30", False),
        (FALL_BACK, "10:00", "18:00", True),
        (FALL_BACK, "09:30", "12:00", False),
        (FALL_BACK, "16:00", "18:30", False),
    ],
)
def test_opening_hours_hold_on_the_days_the_clocks_change(day, start, end, ok):
    assert codes(verdict(ask(SAAL, day, start, end), hours=SAAL_ON_SUNDAYS)) == ([] if ok else ["hours"])


def test_the_night_the_clocks_change_in_a_room_open_round_the_clock():
    spring = verdict(ask(SAAL, SPRING_FORWARD, "01:00", "04:00"), hours=ROUND_THE_CLOCK_SUNDAY)
    assert spring.ok
    # The whole day, 23 and 25 hours long, is one day: not "too long".
    whole_spring = Ask((Part(SAAL),), midnight(SPRING_FORWARD), midnight(SPRING_FORWARD + timedelta(days=1)))
    whole_autumn = Ask((Part(SAAL),), midnight(FALL_BACK), midnight(FALL_BACK + timedelta(days=1)))
    assert whole_autumn.length == timedelta(hours=25) == LONGEST[ResourceKind.ROOM]
    assert verdict(whole_spring, hours=ROUND_THE_CLOCK_SUNDAY).ok
    assert verdict(whole_autumn, hours=ROUND_THE_CLOCK_SUNDAY).ok
    # Two bookings in the repeated hour: 01:30-02:00 CEST is over before 02:00-02:30 CET starts.
    first = booking(SAAL, datetime(2027, 10, 30, 23, 30, tzinfo=timezone.utc),
                    datetime(2027, 10, 31, 0, 0, tzinfo=timezone.utc))
    second = Ask((Part(SAAL),), datetime(2027, 10, 31, 1, 0, tzinfo=timezone.utc),
                 datetime(2027, 10, 31, 1, 30, tzinfo=timezone.utc))
    assert verdict(second, [first], hours=ROUND_THE_CLOCK_SUNDAY).ok
    # The first 02:00-03:00 (summer time) and the second (winter time) are different hours.
    summer = booking(SAAL, datetime(2027, 10, 31, 0, 0, tzinfo=timezone.utc),
                     datetime(2027, 10, 31, 1, 0, tzinfo=timezone.utc))
    assert verdict(second, [summer], hours=ROUND_THE_CLOCK_SUNDAY).ok
    winter = Ask((Part(SAAL),), datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc),
                 datetime(2027, 10, 31, 1, 30, tzinfo=timezone.utc))
    assert codes(verdict(winter, [summer], hours=ROUND_THE_CLOCK_SUNDAY)) == ["taken"]


def test_the_clean_up_after_the_clocks_go_back(english):
    # Lehrküche on 31 October until 17:30 winter time; its clean-up ends at 18:00 when the Saal closes.
    hours = WeekHours([*HOUSE_ROWS, SimpleNamespace(resource_id=None, weekday=6, opens=600, closes=1080)])
    assert verdict(ask(LEHRKUECHE, FALL_BACK, "15:00", "17:30"), hours=hours).ok
    (reason,) = verdict(ask(LEHRKUECHE, FALL_BACK, "15:00", "18:00"), hours=hours).reasons
    assert reason.code == "hours"
    assert english(reason) == ("Lehrküche needs 0 minutes to set up and 30 to clean up, within its "
                               "opening hours 10:00–18:00.")


def test_the_shortage_window_is_told_in_local_time_on_the_days_the_clocks_change(english):
    hours = WeekHours([*HOUSE_ROWS, SimpleNamespace(resource_id=None, weekday=6, opens=600, closes=1080)])
    for day in (SPRING_FORWARD, FALL_BACK):
        held = on(day, "14:00", "18:00", resource=BIERZELT, units=6)
        v = verdict(ask(BIERZELT, day, "12:00", "18:00", units=6), [held], hours=hours)
        assert english(v.reasons[0]) == "Only 4 of Bierzeltgarnitur are available 14:00–18:00."


@pytest.mark.parametrize(
    ("first", "after_last"),
    [
        (date(2027, 3, 1), date(2027, 11, 1)),  # 1 March to 31 October
        (date(2027, 4, 1), date(2027, 11, 1)),  # from summer time into winter time
        (date(2027, 3, 1), date(2027, 3, 29)),  # ends the day after the clocks go forward
        (SPRING_FORWARD, SPRING_FORWARD + timedelta(days=1)),  # the 23-hour day alone
        (FALL_BACK, FALL_BACK + timedelta(days=1)),  # the 25-hour day alone
        (date(2027, 10, 1), FALL_BACK),  # ends as the 25-hour day begins
    ],
)
def test_plot_seasons_around_the_days_the_clocks_change(first, after_last):
    assert verdict(season(first=first, after_last=after_last)).ok


def test_a_plot_request_moved_to_another_day_keeps_its_number_of_days():
    # 20 March to 30 September, moved to 29 March: it starts in summer time now, and still ends
    # at midnight after as many days (the request is one hour shorter than before).
    request = season(first=date(2027, 3, 20), after_last=date(2027, 10, 1))
    moved = request.moved(midnight(date(2027, 3, 29)))
    assert moved.ends_at == midnight(date(2027, 10, 10))
    assert verdict(moved).ok
    other = request.moved(request.starts_at, BEET_4)
    assert (other.lead, other.starts_at, other.ends_at) == (BEET_4, request.starts_at, request.ends_at)
    # Rooms keep their length in hours: 10:00-12:00 is 10:00-12:00 on any day.
    kitchen = ask(LEHRKUECHE, TUESDAY, "10:00", "12:00").moved(at(WEDNESDAY, "14:00"))
    assert (kitchen.starts_at, kitchen.ends_at) == (at(WEDNESDAY, "14:00"), at(WEDNESDAY, "16:00"))


def test_a_season_ending_31_october_touches_one_starting_1_november():
    approved = booking(BEET_3, SEASON_START, SEASON_END)
    after = season(first=date(2027, 11, 1), after_last=date(2028, 3, 1))
    assert verdict(after, [approved]).ok
    last_day = season(first=FALL_BACK, after_last=date(2027, 11, 1))
    assert codes(verdict(last_day, [approved])) == ["taken"]
    # The season ends at 23:00 UTC: midnight in winter time, an hour later than in summer.
    assert SEASON_END == datetime(2027, 10, 31, 23, 0, tzinfo=timezone.utc)


def test_a_house_closure_leaves_the_garden_plots_open():
    plot = Resource(id=40, kind=ResourceKind.PLOT, name="Beet 3", capacity=None, quantity=1, active=True,
                    setup_minutes=0, cleanup_minutes=0, max_hours=None)
    room = Resource(id=41, kind=ResourceKind.ROOM, name="Saal", capacity=80, quantity=1, active=True,
                    setup_minutes=0, cleanup_minutes=0, max_hours=None)
    season = Ask((Part(plot),), to_utc(date(2027, 3, 1), time()), to_utc(date(2027, 11, 1), time()))
    meeting = Closure(resource_id=None, starts_at=to_utc(date(2027, 7, 6), time(9)),
                      ends_at=to_utc(date(2027, 7, 6), time(13)), reason="Teamtag")
    own = Closure(resource_id=plot.id, starts_at=meeting.starts_at, ends_at=meeting.ends_at, reason="Wasserrohr")
    assert closure_reasons(season, [meeting]) == []
    assert [r.code for r in closure_reasons(season, [own])] == ["closed"]
    in_the_saal = Ask((Part(room),), to_utc(date(2027, 7, 6), time(10)), to_utc(date(2027, 7, 6), time(12)))
    assert [r.code for r in closure_reasons(in_the_saal, [meeting])] == ["closed"]
