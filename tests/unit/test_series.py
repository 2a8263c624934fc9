"""Series: the weekly course, the monthly advice hour; their dates, holidays, decisions and changes."""

from datetime import date, datetime, time, timezone

import pytest
import sqlalchemy as sa

from booking import series as serieswork
from booking.clock import local, to_utc
from booking.extensions import db
from booking.models import Booking, Closure, ResourceKind, Role, Status
from booking.recurrence import LAST, Pattern, PatternError, dates, occurrences
from booking.workflow import ConflictError, WorkflowError
from tests.conftest import count_rows

AT = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # "now" for these tests: before every date
TUE, THU = 1, 3
COURSE = Pattern(date(2027, 1, 12), time(17), time(19), (TUE, THU), until=date(2027, 7, 15))


def test_tuesdays_and_thursdays_until_july_skip_ascension_and_stay_at_five(app):
    found = occurrences(COURSE, language="de")
    days = [o.day for o in found]
    assert days[0] == date(2027, 1, 12) and days[-1] == date(2027, 7, 15)
    assert all(d.weekday() in (TUE, THU) for d in days)
    assert len(days) == 54  # 27 weeks, two dates each
    skipped = {o.day: str(o.skipped) for o in found if o.skipped}
    assert list(skipped) == [date(2027, 5, 6)]
    assert "Christi Himmelfahrt" in skipped[date(2027, 5, 6)]
    # 17:00 in Plauen before and after the clocks go forward on 28 March: 16:00 UTC, then 15:00.
    times = {local(o.starts_at).strftime("%H:%M") for o in found if o.starts_at}
    assert times == {"17:00"}
    march = [o for o in found if o.day in (date(2027, 3, 25), date(2027, 3, 30))]
    assert [o.starts_at.hour for o in march] == [16, 15]


def test_holiday_names_in_english_for_english_readers(app):
    found = occurrences(COURSE, language="en")
    assert "Ascension Day" in str(next(o.skipped for o in found if o.skipped))


def test_monthly_on_the_first_monday_and_the_last_friday():
    first_monday = Pattern(date(2027, 1, 1), time(16, 30), time(17, 30), (0,), ordinal=1, count=5)
    assert dates(first_monday) == [date(2027, 1, 4), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 5),
                                   date(2027, 5, 3)]
    last_friday = Pattern(date(2027, 1, 1), time(18), time(20), (4,), ordinal=LAST, until=date(2027, 6, 30))
    assert dates(last_friday) == [date(2027, 1, 29), date(2027, 2, 26), date(2027, 3, 26), date(2027, 4, 30),
                                  date(2027, 5, 28), date(2027, 6, 25)]


def test_every_other_wednesday():
    choir = Pattern(date(2027, 1, 6), time(19), time(21), (2,), every=2, count=4)
    assert dates(choir) == [date(2027, 1, 6), date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 17)]


@pytest.mark.parametrize(
    ("pattern", "field"),
    [
        (Pattern(date(2027, 1, 4), time(9), time(10), (0, 1, 2, 3, 4), until=date(2028, 12, 31)), "until"),
        (Pattern(date(2027, 1, 4), time(9), time(10), (0, 1, 2, 3, 4), until=date(2029, 6, 1)), "until"),
        (Pattern(date(2027, 1, 4), time(9), time(10), (0,), count=251), "count"),
        (Pattern(date(2027, 1, 4), time(9), time(10), (0,)), "until"),
        (Pattern(date(2027, 1, 4), time(9), time(10), ()), "weekdays"),
    ],
)
def test_endless_too_long_or_too_many_is_refused_with_a_reason(pattern, field):
    with pytest.raises(PatternError) as refusal:
        dates(pattern)
    assert refusal.value.field == field


@pytest.fixture
def course(make):
    room = make.resource("Seminarraum 1", capacity=20)
    group = make.organisation("Deutsch für alle e.V.")
    return room, group, make.user(Role.PARTNER, group), make.user(Role.MANAGER)


def send_course(room, group, partner, pattern=COURSE, skip=()):
    planned = serieswork.preview(db.session, pattern, room, 12, AT, None)
    chosen = [p for p in planned if p.wanted and p.day not in skip]
    series = serieswork.send(db.session, pattern, chosen, resource=room, by=partner, organisation=group,
                             title="Deutschkurs A2", attendees=12)
    db.session.commit()
    return planned, series


def test_a_clash_on_the_seventh_date_is_shown_and_the_others_can_be_approved(app, make, course):
    room, group, partner, manager = course
    seventh = date(2027, 2, 2)  # Tuesdays and Thursdays from 12 January: the 7th date
    make.booking(room, day=seventh, start="18:00", end="20:00", status=Status.APPROVED, title="Elternabend")
    planned, series = send_course(room, group, partner)
    real = [p for p in planned if not p.skipped]
    assert real[6].day == seventh
    assert not real[6].wanted and [r.code for r in real[6].verdict.reasons] == ["taken"]
    assert all(p.wanted for p in real if p.day != seventh)
    assert count_rows(Booking, Booking.series_id == series.id) == 52  # 54 dates, a holiday, a clash

    approved = serieswork.approve(db.session, series, {b.id for b in series.bookings}, manager, AT)
    db.session.commit()
    assert len(approved) == 52
    assert count_rows(Booking, Booking.series_id == series.id, Booking.status == Status.APPROVED) == 52


def test_a_closure_is_left_out_with_its_reason(app, make, course):
    room, group, partner, _ = course
    db.session.add(Closure(starts_at=to_utc(date(2027, 4, 1), time()), ends_at=to_utc(date(2027, 4, 6), time()),
                           reason="Osterferien"))
    db.session.commit()
    planned = serieswork.preview(db.session, COURSE, room, 12, AT, None)
    closed = [p for p in planned if p.closed]
    assert [p.day for p in closed] == [date(2027, 4, 1)]
    assert "Osterferien" in str(closed[0].closed) and not closed[0].wanted


def test_approval_is_all_or_nothing_when_another_booking_takes_a_date_meanwhile(app, make, course):
    room, group, partner, manager = course
    _, series = send_course(room, group, partner)
    # Between sending and deciding, another group's request for 4 March is approved.
    rival = make.booking(room, day=date(2027, 3, 4), start="16:00", end="18:00")
    rival.status = Status.APPROVED
    db.session.commit()
    with pytest.raises(ConflictError) as refusal:
        serieswork.approve(db.session, series, {b.id for b in series.bookings}, manager, AT)
    db.session.rollback()
    assert "04.03.2027" in str(refusal.value.message)
    assert count_rows(Booking, Booking.series_id == series.id, Booking.status == Status.APPROVED) == 0


def test_this_and_following_leaves_earlier_dates_untouched(app, make, course):
    room, group, partner, manager = course
    _, series = send_course(room, group, partner)
    serieswork.approve(db.session, series, {b.id for b in series.bookings}, manager, AT)
    db.session.commit()
    dates_ = series.bookings
    from_here = dates_[10]
    cancelled = serieswork.cancel(db.session, from_here, "following", partner, AT)
    db.session.commit()
    assert len(cancelled) == len(dates_) - 10
    statuses = [b.status for b in db.session.scalars(
        sa.select(Booking).where(Booking.series_id == series.id).order_by(Booking.starts_at))]
    assert statuses[:10] == [Status.APPROVED] * 10
    assert set(statuses[10:]) == {Status.CANCELLED}


def test_changing_from_a_date_on_keeps_earlier_dates_and_never_brings_back_a_cancelled_one(app, make, course):
    room, group, partner, manager = course
    other_room = make.resource("Seminarraum 2", capacity=12)
    _, series = send_course(room, group, partner)
    serieswork.approve(db.session, series, {b.id for b in series.bookings}, manager, AT)
    db.session.commit()
    third, sixth = series.bookings[2], series.bookings[5]
    serieswork.cancel(db.session, sixth, "one", partner, AT)
    db.session.commit()

    changed = serieswork.change_from(db.session, third, partner, AT, start=time(18), end=time(20),
                                     resource=other_room)
    db.session.commit()
    rows = db.session.scalars(sa.select(Booking).where(Booking.series_id == series.id)
                              .order_by(Booking.starts_at)).all()
    assert [(b.status, b.resource_id) for b in rows[:2]] == [(Status.APPROVED, room.id)] * 2
    assert rows[5].status == Status.CANCELLED and rows[5].resource_id == room.id  # stays cancelled
    moved = [b for b in rows[2:] if b.id != rows[5].id]
    assert len(changed) == len(moved)
    assert {(b.status, b.resource_id, local(b.starts_at).strftime("%H:%M")) for b in moved} == {
        (Status.PENDING, other_room.id, "18:00")}


def test_rejecting_some_dates_needs_a_reason_and_leaves_the_rest(app, make, course):
    room, group, partner, manager = course
    _, series = send_course(room, group, partner)
    some = {b.id for b in series.bookings[:3]}
    with pytest.raises(WorkflowError):
        serieswork.reject(db.session, series, some, manager, AT, " ")
    serieswork.reject(db.session, series, some, manager, AT, "Renovierung im Januar")
    db.session.commit()
    assert count_rows(Booking, Booking.series_id == series.id, Booking.status == Status.REJECTED) == 3
    assert count_rows(Booking, Booking.series_id == series.id, Booking.status == Status.PENDING) == 50


def test_equipment_series_counts_units_per_date(app, make):
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    summer = Pattern(date(2027, 6, 5), time(10), time(18), (5,), count=4)  # four Saturdays
    planned = serieswork.preview(db.session, summer, sets, None, AT, None)
    assert all(p.wanted for p in planned)
