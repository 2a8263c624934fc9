"""Where bookings sit on the board: columns by local wall-clock time, lanes and groups."""

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest

from booking.board import grid
from booking.board.grid import Span
from booking.clock import day_bounds, to_utc
from booking.models import ResourceKind

SPRING_FORWARD = date(2027, 3, 28)  # 02:00 becomes 03:00: a day of 23 hours
FALL_BACK = date(2027, 10, 31)  # 03:00 becomes 02:00 again: a day of 25 hours
ORDINARY = date(2027, 6, 15)


def at(day: date, hhmm: str):
    hours, minutes = map(int, hhmm.split(":"))
    return to_utc(day, time(hours, minutes))


def span(day, start, end, end_day=None):
    return grid.span(at(day, start), at(end_day or day, end), day)


def booking(resource_id, day, start, end, name="b"):
    return SimpleNamespace(resource_id=resource_id, starts_at=at(day, start), ends_at=at(day, end), name=name)


def resource(id_, kind, name):
    return SimpleNamespace(id=id_, kind=kind, name=name)


def test_the_grid_has_64_quarter_hours_from_7_to_23():
    hours = grid.hours()
    assert [h.hour for h in hours] == list(range(7, 23))
    assert (hours[0].start, hours[0].end) == (1, 5)
    assert (hours[-1].start, hours[-1].end) == (61, 65)
    assert grid.SLOTS == 64


@pytest.mark.parametrize(
    ("start", "end", "lines"),
    [
        ("07:00", "08:00", (1, 5)),
        ("10:00", "12:00", (13, 21)),
        ("10:15", "10:30", (14, 15)),
        ("22:00", "23:00", (61, 65)),
        # Off the quarter hour: start rounds down, end rounds up, never narrower than one column.
        ("10:10", "10:20", (13, 15)),
        ("10:05", "10:10", (13, 14)),
    ],
)
def test_a_booking_takes_the_columns_of_its_local_times(start, end, lines):
    placed = span(ORDINARY, start, end)
    assert (placed.start, placed.end) == lines
    assert not placed.cut_start and not placed.cut_end


def test_a_booking_is_cut_to_the_window_from_7_to_23():
    assert span(ORDINARY, "06:00", "08:00") == Span(1, 5, cut_start=True, cut_end=False)
    assert span(ORDINARY, "22:00", "23:30") == Span(61, 65, cut_start=False, cut_end=True)
    assert span(ORDINARY, "05:00", "23:45") == Span(1, 65, cut_start=True, cut_end=True)


@pytest.mark.parametrize(("start", "end"), [("05:00", "06:30"), ("06:00", "07:00"), ("23:00", "23:45")])
def test_a_booking_outside_the_window_takes_no_column(start, end):
    assert span(ORDINARY, start, end) is None


def test_a_booking_over_midnight_shows_on_both_days_cut_at_the_day():
    first, second = ORDINARY, ORDINARY + timedelta(days=1)
    starts_at, ends_at = at(first, "20:00"), at(second, "09:00")
    assert grid.span(starts_at, ends_at, first) == Span(53, 65, cut_start=False, cut_end=True)
    assert grid.span(starts_at, ends_at, second) == Span(1, 9, cut_start=True, cut_end=False)
    assert grid.span(starts_at, ends_at, second + timedelta(days=1)) is None


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK])
def test_days_when_the_clocks_change_place_blocks_by_wall_clock_time(day):
    start, end = day_bounds(day)
    assert end - start != timedelta(hours=24)  # really a 23- or 25-hour day
    assert (span(day, "07:00", "08:00").start, span(day, "07:00", "08:00").end) == (1, 5)
    assert (span(day, "10:00", "12:00").start, span(day, "10:00", "12:00").end) == (13, 21)
    assert (span(day, "22:00", "23:00").start, span(day, "22:00", "23:00").end) == (61, 65)


def test_a_booking_through_the_skipped_hour_starts_at_the_opening_column():
    # 01:00 CET to 09:00 CEST on 28 March 2027 lasts seven real hours.
    placed = span(SPRING_FORWARD, "01:00", "09:00")
    assert at(SPRING_FORWARD, "09:00") - at(SPRING_FORWARD, "01:00") == timedelta(hours=7)
    assert placed == Span(1, 9, cut_start=True, cut_end=False)


def test_a_booking_through_the_repeated_hour_ends_at_its_wall_clock_column():
    # From 20:00 on Saturday to 10:00 on Sunday 31 October 2027: fifteen real hours.
    starts_at, ends_at = at(FALL_BACK - timedelta(days=1), "20:00"), at(FALL_BACK, "10:00")
    assert ends_at - starts_at == timedelta(hours=15)
    assert grid.span(starts_at, ends_at, FALL_BACK) == Span(1, 13, cut_start=True, cut_end=False)


@pytest.mark.parametrize(
    ("day", "hhmm", "line"),
    [
        (ORDINARY, "07:00", 1),
        (ORDINARY, "14:07", 29),
        (ORDINARY, "22:59", 64),
        (SPRING_FORWARD, "14:07", 29),
        (FALL_BACK, "14:07", 29),
    ],
)
def test_the_current_time_is_found_in_its_column(day, hhmm, line):
    assert grid.now_line(day, at(day, hhmm)) == line


def test_there_is_no_current_column_outside_the_window_or_on_another_day():
    assert grid.now_line(ORDINARY, at(ORDINARY, "06:59")) is None
    assert grid.now_line(ORDINARY, at(ORDINARY, "23:00")) is None
    assert grid.now_line(ORDINARY, at(ORDINARY + timedelta(days=1), "10:00")) is None


def test_bookings_that_share_time_get_lanes_of_their_own():
    spans = [Span(13, 21, False, False), Span(17, 25, False, False), Span(21, 29, False, False), Span(1, 65, False, False)]
    assert grid.lanes(spans) == [2, 3, 2, 1]
    assert grid.lanes([]) == []


def test_the_board_groups_rooms_then_plots_then_equipment_by_name():
    resources = [
        resource(1, ResourceKind.EQUIPMENT, "Beamer"),
        resource(2, ResourceKind.ROOM, "Saal"),
        resource(3, ResourceKind.PLOT, "Beet 1"),
        resource(4, ResourceKind.ROOM, "café"),
        resource(5, ResourceKind.EQUIPMENT, "Bierbänke"),
    ]
    bookings = [
        booking(2, ORDINARY, "18:00", "20:00", "evening"),
        booking(2, ORDINARY, "09:00", "11:00", "morning"),
        booking(5, ORDINARY, "10:00", "14:00", "benches 1"),
        booking(5, ORDINARY, "12:00", "16:00", "benches 2"),
        booking(2, ORDINARY, "05:00", "06:00", "too early"),
        booking(99, ORDINARY, "10:00", "11:00", "no such resource"),
    ]
    groups = grid.board(ORDINARY, resources, bookings)

    assert [g.kind for g in groups] == [ResourceKind.ROOM, ResourceKind.PLOT, ResourceKind.EQUIPMENT]
    assert [[row.resource.name for row in g.rows] for g in groups] == [["café", "Saal"], ["Beet 1"], ["Beamer", "Bierbänke"]]
    saal = groups[0].rows[1]
    assert [b.item.name for b in saal.blocks] == ["morning", "evening"]
    assert saal.lanes == 1
    assert groups[1].rows[0].blocks == () and groups[1].rows[0].lanes == 1
    benches = groups[2].rows[1]
    assert [(b.item.name, b.lane) for b in benches.blocks] == [("benches 1", 1), ("benches 2", 2)]
    assert benches.lanes == 2


def test_kinds_without_resources_are_left_out():
    groups = grid.board(ORDINARY, [resource(1, ResourceKind.PLOT, "Beet")], [])
    assert [g.kind for g in groups] == [ResourceKind.PLOT]
    assert grid.board(ORDINARY, [], []) == []


def test_the_list_runs_in_time_order():
    items = [booking(1, ORDINARY, "14:00", "15:00", "c"), booking(2, ORDINARY, "09:00", "12:00", "b"), booking(1, ORDINARY, "09:00", "10:00", "a")]
    assert [b.name for b in grid.in_order(items)] == ["a", "b", "c"]


def test_the_phase_of_a_booking_at_an_instant():
    starts_at, ends_at = at(ORDINARY, "10:00"), at(ORDINARY, "12:00")
    assert grid.phase(starts_at, ends_at, at(ORDINARY, "09:59")) == "later"
    assert grid.phase(starts_at, ends_at, at(ORDINARY, "10:00")) == "now"
    assert grid.phase(starts_at, ends_at, at(ORDINARY, "11:59")) == "now"
    assert grid.phase(starts_at, ends_at, at(ORDINARY, "12:00")) == "past"


def test_today_the_list_folds_away_what_is_over():
    items = [booking(1, ORDINARY, "08:00", "09:00", "over"), booking(1, ORDINARY, "09:00", "11:00", "on"), booking(2, ORDINARY, "12:00", "13:00", "later")]
    earlier, rest = grid.split_past(items, at(ORDINARY, "10:00"))
    assert [b.name for b in earlier] == ["over"]
    assert [b.name for b in rest] == ["on", "later"]


def test_plots_are_listed_in_number_order():
    day = date(2027, 5, 4)
    names = ["Beet 10", "Beet 2", "Beet 1", "Beet 12"]
    groups = grid.board(day, [resource(i, ResourceKind.PLOT, n) for i, n in enumerate(names, 1)], [])
    assert [row.resource.name for row in groups[0].rows] == ["Beet 1", "Beet 2", "Beet 10", "Beet 12"]
