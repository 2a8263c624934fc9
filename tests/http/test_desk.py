"""The front desk: walk-ins, check-in, no-show and release, contacts, the end of the day."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.clock import now, today
from booking.desk.models import WalkIn
from booking.extensions import db
from booking.models import Attendance, AuditEvent, Booking, OpeningHours, Role, Status
from booking.notify.models import Kind, OutboxMessage
from tests.conftest import count_rows


@pytest.fixture(autouse=True)
def open_round_the_clock(app):
    """The house open all day every day, so the tests do not depend on the time they run."""
    db.session.execute(sa.delete(OpeningHours))
    db.session.add_all(OpeningHours(weekday=d, opens=0, closes=1440) for d in range(7))
    db.session.commit()


@pytest.fixture
def desk(make, auth):
    user = make.user(Role.DESK, name="Dana Desk")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Musikraum", capacity=15)


@pytest.fixture
def group(make):
    return make.organisation("Chor Plauen", contact_name="Erika Muster", phone="03741 555")


def walk_in(client, room, day, start="10:00", end="12:00", **more):
    data = {"resource_id": room.id, "date": day.isoformat(), "start": start, "end": end, "title": "Probe", **more}
    return client.post("/desk/walk-in", data=data)


def test_a_walk_in_for_a_group_is_approved_at_once_and_made_by_the_desk(client, desk, room, group):
    response = walk_in(client, room, today() + timedelta(days=1), organisation_id=group.id)
    assert response.status_code == 303
    booking = db.session.scalar(sa.select(Booking))
    assert (booking.status, booking.organisation_id, booking.requested_by_id, booking.decided_by_id) == (
        Status.APPROVED, group.id, desk.id, desk.id)
    assert db.session.scalar(sa.select(WalkIn)).made_by_id == desk.id
    event = db.session.scalar(sa.select(AuditEvent))
    assert event.to_status == Status.APPROVED and event.actor_id == desk.id
    assert count_rows(OutboxMessage, OutboxMessage.kind == Kind.APPROVED) == 1


def test_a_guest_is_booked_with_name_and_phone_under_the_guests_group(client, desk, room):
    response = walk_in(client, room, today() + timedelta(days=2), guest_name="Jamal", guest_phone="0176 1")
    assert response.status_code == 303
    walk = db.session.scalar(sa.select(WalkIn))
    assert (walk.guest_name, walk.guest_phone) == ("Jamal", "0176 1")
    assert walk.booking.organisation.name == "Gäste / Walk-in"
    page = client.get(f"/requests/{walk.booking_id}").get_data(as_text=True)
    assert "Jamal" in page and "0176 1" in page


def test_a_walk_in_later_than_a_week_goes_to_the_queue(client, desk, room, group):
    response = walk_in(client, room, today() + timedelta(days=9), organisation_id=group.id)
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Booking)).status == Status.PENDING


def test_a_walk_in_longer_than_the_rooms_limit_goes_to_the_queue(client, desk, room, group):
    room.max_hours = 1
    db.session.commit()
    walk_in(client, room, today() + timedelta(days=1), organisation_id=group.id)
    assert db.session.scalar(sa.select(Booking)).status == Status.PENDING


def test_a_walk_in_into_a_taken_slot_is_refused_with_409_and_nothing_written(client, desk, room, group, make):
    day = today() + timedelta(days=1)
    make.booking(room, make.organisation("Schon da"), day=day, start="11:00", end="13:00", status=Status.APPROVED)
    response = walk_in(client, room, day, organisation_id=group.id)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "schon belegt" in html and 'value="Probe"' in html
    assert count_rows(Booking) == 1 and count_rows(WalkIn) == 0


@pytest.mark.parametrize("data, message", [
    ({}, "Name und Telefon des Gasts"),
    ({"guest_name": "Jamal"}, "Telefonnummer"),
    ({"organisation_id": "x", "guest_name": "J", "guest_phone": "1", "start": "12:00"}, "Ende muss nach"),
])
def test_a_walk_in_with_bad_input_gets_422_and_its_form_back(client, desk, room, data, message):
    response = walk_in(client, room, today() + timedelta(days=1), **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_a_walk_in_for_yesterday_is_refused(client, desk, room, group):
    response = walk_in(client, room, today() - timedelta(days=1), organisation_id=group.id)
    assert response.status_code == 422 and count_rows(Booking) == 0


def test_partners_cannot_book_walk_ins(client, auth, make, room, group):
    auth.login(make.user(Role.PARTNER, group))
    assert client.get("/desk/walk-in").status_code == 403
    assert walk_in(client, room, today() + timedelta(days=1), organisation_id=group.id).status_code == 403


def test_the_walk_in_form_takes_the_slot_from_the_board(client, desk, room):
    day = today() + timedelta(days=1)
    html = client.get(f"/desk/walk-in?resource_id={room.id}&date={day}&start=14:00&end=15:00").get_data(as_text=True)
    assert f'<option selected value="{room.id}">' in html and 'value="14:00"' in html and day.isoformat() in html


def test_the_desks_board_links_empty_slots_to_the_walk_in_form(client, desk, room):
    html = client.get(f"/board/?date={today() + timedelta(days=1)}").get_data(as_text=True)
    assert f"/desk/walk-in?resource_id={room.id}" in html
    far = client.get(f"/board/?date={today() + timedelta(days=12)}").get_data(as_text=True)
    assert "/desk/walk-in?" not in far
    assert 'id="desk-book-now"' in client.get("/board/").get_data(as_text=True)


# --- check-in, no-show, release --------------------------------------------------------------

def todays(make, room, group, start="00:05", end="23:55", status=Status.APPROVED):
    return make.booking(room, group, day=today(), start=start, end=end, status=status)


def test_the_desk_checks_a_group_in_with_the_time(client, desk, room, group, make):
    booking = todays(make, room, group)
    page = client.get("/desk/").get_data(as_text=True)
    assert "Chor Plauen" in page and "03741 555" in page and "Erika Muster" in page
    response = client.post(f"/desk/bookings/{booking.id}/arrived")
    assert response.status_code == 303
    db.session.refresh(booking)
    assert booking.attendance == Attendance.ARRIVED
    assert abs(booking.arrived_at - now()) < timedelta(minutes=1)
    assert "Checked in at the front desk" in [e.reason for e in db.session.scalars(sa.select(AuditEvent))]
    assert "Eingecheckt am Empfang" in client.get(f"/requests/{booking.id}").get_data(as_text=True)


@pytest.mark.parametrize("when, status", [(1, Status.APPROVED), (0, Status.PENDING), (0, Status.CANCELLED)])
def test_only_approved_bookings_of_today_are_checked_in(client, desk, room, group, make, when, status):
    booking = make.booking(room, group, day=today() + timedelta(days=when), start="00:05", end="23:55",
                           status=status)
    response = client.post(f"/desk/bookings/{booking.id}/arrived")
    assert response.status_code == 409
    assert ("heutige" if when else "genehmigte") in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.attendance is None and count_rows(AuditEvent) == 0


def test_checking_in_twice_is_refused(client, desk, room, group, make):
    booking = todays(make, room, group)
    client.post(f"/desk/bookings/{booking.id}/arrived")
    assert client.post(f"/desk/bookings/{booking.id}/arrived").status_code == 409
    assert count_rows(AuditEvent) == 1


def test_a_no_show_is_noted_and_counted_in_the_groups_history(client, desk, room, group, make):
    booking = todays(make, room, group)
    assert client.post(f"/desk/bookings/{booking.id}/no-show").status_code == 303
    db.session.refresh(booking)
    assert booking.attendance == Attendance.NO_SHOW and booking.status == Status.APPROVED
    page = client.get(f"/requests/{booking.id}").get_data(as_text=True)
    assert "Nicht erschienen" in page


def test_release_is_off_unless_the_resource_says_so(client, desk, room, group, make):
    booking = todays(make, room, group)
    assert client.post(f"/desk/bookings/{booking.id}/release").status_code == 409
    db.session.refresh(booking)
    assert booking.status == Status.APPROVED


def test_release_waits_for_the_minutes_after_the_start(client, desk, room, group, make):
    room.release_after_minutes = 30
    db.session.commit()
    booking = make.booking(room, group, day=today(), start="00:05", end="23:55", status=Status.APPROVED)
    booking.starts_at = now() - timedelta(minutes=10)
    booking.ends_at = now() + timedelta(hours=1)
    db.session.commit()
    assert client.post(f"/desk/bookings/{booking.id}/release").status_code == 409
    db.session.refresh(booking)
    assert booking.status == Status.APPROVED and booking.attendance is None


def test_a_released_booking_frees_the_slot_and_the_group_is_told(client, desk, room, group, make, auth):
    room.release_after_minutes = 30
    db.session.commit()
    booking = todays(make, room, group)
    assert client.post(f"/desk/bookings/{booking.id}/release").status_code == 303
    db.session.refresh(booking)
    assert (booking.status, booking.attendance) == (Status.CANCELLED, Attendance.RELEASED)
    assert count_rows(OutboxMessage, OutboxMessage.kind == Kind.CANCELLED) == 1
    detail = client.get(f"/requests/{booking.id}").get_data(as_text=True)
    assert "Vom Empfang freigegeben" in detail
    member = booking.requested_by
    auth.logout()
    auth.login(member)
    assert "Vom Empfang freigegeben" in client.get(f"/requests/{booking.id}").get_data(as_text=True)


def test_partners_never_see_a_contact_and_cannot_check_in(client, auth, make, room, group):
    booking = todays(make, room, group)
    auth.login(make.user(Role.PARTNER, group))
    page = client.get(f"/requests/{booking.id}").get_data(as_text=True)
    assert "03741 555" not in page
    assert client.post(f"/desk/bookings/{booking.id}/arrived").status_code == 403
    assert client.get("/desk/closing").status_code == 403


def test_the_end_of_day_page_lists_who_never_checked_in_and_who_is_still_in(client, desk, room, group, make):
    other = make.resource("Saal", capacity=80)
    missing = todays(make, room, group, start="00:05", end="00:10")
    staying = todays(make, other, make.organisation("Tanzkreis"), start="00:05", end="23:59")
    client.post(f"/desk/bookings/{staying.id}/arrived")
    html = client.get("/desk/closing").get_data(as_text=True)
    still = html[html.index('id="closing-still-in"'):html.index('id="closing-keys"')]
    no_check_in = html[html.index('id="closing-no-check-in"'):]
    assert "Tanzkreis" in still and "Chor Plauen" not in still
    assert "Chor Plauen" in no_check_in and missing.title in no_check_in


def test_the_manager_sets_the_release_time_in_the_resource_form(client, auth, make, room):
    auth.login(make.user(Role.MANAGER))
    page = client.get(f"/manage/resources/{room.id}/edit").get_data(as_text=True)
    assert 'name="release_after_minutes"' in page
    response = client.post(f"/manage/resources/{room.id}/edit", data={
        "name": room.name, "kind": "room", "capacity": 15, "setup_minutes": 0, "cleanup_minutes": 0,
        "release_after_minutes": 30, "active": "y"})
    assert response.status_code == 303
    db.session.refresh(room)
    assert room.release_after_minutes == 30
    bad = client.post(f"/manage/resources/{room.id}/edit", data={
        "name": room.name, "kind": "room", "release_after_minutes": 0, "active": "y"})
    assert bad.status_code == 422


def test_the_keys_page_reads_the_register_in_a_fixed_number_of_queries(client, desk, make):
    from booking.desk.models import Key
    from tests.http.querycount import count_queries

    for n in range(3):
        db.session.add(Key(resource_id=make.resource(f"Raum {n}").id, name=f"Raum {n}", copies=2))
    db.session.commit()
    with count_queries() as few:
        assert client.get("/desk/keys").status_code == 200
    for n in range(3, 9):
        db.session.add(Key(resource_id=make.resource(f"Raum {n}").id, name=f"Raum {n}", copies=2))
    db.session.commit()
    with count_queries() as many:
        assert client.get("/desk/keys").status_code == 200
    assert many.count == few.count


def test_a_walk_in_sent_twice_is_booked_once(client, desk, room, group):
    import re

    page = client.get("/desk/walk-in").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    day = today() + timedelta(days=1)
    first = walk_in(client, room, day, organisation_id=group.id, submission_key=key)
    again = walk_in(client, room, day, organisation_id=group.id, submission_key=key)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert count_rows(Booking) == 1
