"""The front desk lends keys and equipment: out, back, lost, damaged, and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.availability import check
from booking.clock import now, today
from booking.desk.models import EquipmentLoan, Key, KeyLoan, OutOfService
from booking.extensions import db
from booking.models import ChangeRecord, OpeningHours, ResourceKind, Role, Status
from booking.rules import Ask, Part
from tests.conftest import at, count_rows


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
    return make.organisation("Nähtreff")


@pytest.fixture
def key(room):
    found = Key(resource_id=room.id, name="Musikraum Tür", copies=2)
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def machines(make):
    return make.resource("Nähmaschine", kind=ResourceKind.EQUIPMENT, quantity=4)


def hand_key(client, key, group, copies=1, **more):
    return client.post(f"/desk/keys/{key.id}/hand-out", data={
        f"key{key.id}-holder_name": "Olga", f"key{key.id}-organisation_id": group.id,
        f"key{key.id}-copies": copies, **more})


def test_the_desk_adds_a_key_and_the_record_of_changes_has_it(client, desk, room):
    response = client.post("/desk/keys/new", data={"resource_id": room.id, "name": "Musikraum", "copies": 3})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(Key)).copies == 3
    record = db.session.scalar(sa.select(ChangeRecord).where(ChangeRecord.subject == "key"))
    assert record.actor_id == desk.id and record.label == "Musikraum"


@pytest.mark.parametrize("data", [{"name": "", "copies": 1}, {"name": "X", "copies": 0}, {"name": "X", "copies": 1}])
def test_a_key_needs_a_room_a_name_and_copies(client, desk, room, make, data):
    plot = make.resource("Beet 1", kind=ResourceKind.PLOT)
    response = client.post("/desk/keys/new", data={"resource_id": plot.id if data["name"] == "X" and data["copies"]
                                                   else room.id, **data})
    assert response.status_code == 422 and count_rows(Key) == 0


def test_a_key_goes_out_to_a_person_of_a_group_and_comes_back(client, desk, key, group):
    assert hand_key(client, key, group).status_code == 303
    page = client.get("/desk/keys").get_data(as_text=True)
    assert "Olga" in page and "Nähtreff" in page and "1 von 2 am Empfang" in page
    closing = client.get("/desk/closing").get_data(as_text=True)
    assert "Olga" in closing[closing.index('id="closing-keys"'):]
    loan = db.session.scalar(sa.select(KeyLoan))
    assert client.post(f"/desk/key-loans/{loan.id}/return").status_code == 303
    db.session.refresh(loan)
    assert loan.back_at is not None
    assert "Alle Schlüssel sind zurück." in client.get("/desk/closing").get_data(as_text=True)


def test_more_copies_than_are_at_the_desk_are_refused(client, desk, key, group):
    hand_key(client, key, group)
    response = hand_key(client, key, group, copies=2)
    assert response.status_code == 409
    assert "Nur 1 Exemplare" in response.get_data(as_text=True)
    assert count_rows(KeyLoan) == 1


def test_a_key_for_a_booking_is_overdue_after_its_end(client, desk, key, group, make, room):
    booking = make.booking(room, group, day=today(), start="00:05", end="00:10", status=Status.APPROVED)
    booking.ends_at = now() - timedelta(minutes=1)
    db.session.commit()
    response = hand_key(client, key, group, **{f"key{key.id}-booking_id": booking.id})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(KeyLoan)).booking_id == booking.id
    assert "Überfällig" in client.get("/desk/keys").get_data(as_text=True)


def test_a_lost_key_is_marked_with_the_date_and_no_longer_counts(client, desk, key, group):
    hand_key(client, key, group, copies=2)
    loan = db.session.scalar(sa.select(KeyLoan))
    assert client.post(f"/desk/key-loans/{loan.id}/lost").status_code == 303
    db.session.refresh(loan)
    assert loan.lost_at is not None and not loan.out
    page = client.get("/desk/keys").get_data(as_text=True)
    assert "2 verloren" in page
    assert "verloren am" in page[page.index('id="keys-lost"'):]
    assert hand_key(client, key, group).status_code == 409


def test_returning_a_key_that_is_not_out_is_refused(client, desk, key, group):
    hand_key(client, key, group)
    loan = db.session.scalar(sa.select(KeyLoan))
    client.post(f"/desk/key-loans/{loan.id}/return")
    assert client.post(f"/desk/key-loans/{loan.id}/return").status_code == 409
    assert client.post(f"/desk/key-loans/{loan.id}/lost").status_code == 409


# --- equipment ---------------------------------------------------------------------------------

def todays(make, resource, group, units, status=Status.APPROVED, day=None):
    return make.booking(resource, group, day=day or today(), start="00:05", end="23:55", units=units,
                        status=status, attendees=None)


def hand_out(client, booking, units, who="Olga"):
    return client.post(f"/desk/bookings/{booking.id}/hand-out",
                       data={f"out{booking.id}-units": units, f"out{booking.id}-taken_by": who})


def give_back(client, loan, units, condition="good", until=""):
    return client.post(f"/desk/equipment-loans/{loan.id}/return", data={
        f"back{loan.id}-units": units, f"back{loan.id}-condition": condition, f"back{loan.id}-out_until": until})


def test_units_go_out_and_come_back_in_part(client, desk, machines, group, make):
    booking = todays(make, machines, group, 2)
    assert hand_out(client, booking, 2).status_code == 303
    loan = db.session.scalar(sa.select(EquipmentLoan))
    assert give_back(client, loan, 1).status_code == 303
    loans = db.session.scalars(sa.select(EquipmentLoan).order_by(EquipmentLoan.id)).all()
    assert [(x.units, x.back_at is None) for x in loans] == [(1, True), (1, False)]
    closing = client.get("/desk/closing").get_data(as_text=True)
    out = closing[closing.index('id="closing-equipment"'):closing.index('id="closing-no-check-in"')]
    assert "Nähmaschine</strong> × 1" in out
    assert count_rows(ChangeRecord, ChangeRecord.subject == "equipment_loan") >= 2


@pytest.mark.parametrize("status, when, units, code", [
    (Status.APPROVED, 0, 3, 409),  # more than booked
    (Status.PENDING, 0, 1, 409),
    (Status.APPROVED, 1, 1, 409),  # not today
])
def test_hand_outs_beyond_the_booking_are_refused(client, desk, machines, group, make, status, when, units, code):
    booking = todays(make, machines, group, 2, status=status, day=today() + timedelta(days=when))
    response = hand_out(client, booking, units)
    assert response.status_code == code and count_rows(EquipmentLoan) == 0


def test_a_hand_out_without_a_name_gets_422(client, desk, machines, group, make):
    booking = todays(make, machines, group, 2)
    assert hand_out(client, booking, 1, who="").status_code == 422 and count_rows(EquipmentLoan) == 0


def test_returning_more_than_was_handed_out_or_twice_is_refused(client, desk, machines, group, make):
    booking = todays(make, machines, group, 2)
    hand_out(client, booking, 1)
    loan = db.session.scalar(sa.select(EquipmentLoan))
    assert give_back(client, loan, 2).status_code == 409
    assert give_back(client, loan, 1).status_code == 303
    assert give_back(client, loan, 1).status_code == 409


def test_a_damaged_unit_is_out_of_service_and_the_rules_count_it(client, desk, machines, group, make):
    booking = todays(make, machines, group, 2)
    hand_out(client, booking, 2)
    loan = db.session.scalar(sa.select(EquipmentLoan))
    future = make.booking(machines, make.organisation("Kurs"), day=today() + timedelta(days=3), units=4,
                          status=Status.APPROVED)
    until = (today() + timedelta(days=10)).isoformat()
    assert give_back(client, loan, 1, "damaged", "").status_code == 422  # no end date
    response = give_back(client, loan, 1, "damaged", until)
    assert response.status_code == 303
    gone = db.session.scalar(sa.select(OutOfService))
    assert gone.units == 1 and gone.reason == "damaged"
    ask = Ask((Part(machines, 4),), at(today() + timedelta(days=5), "10:00"), at(today() + timedelta(days=5), "12:00"))
    assert [r.code for r in check(db.session, ask, now()).reasons] == ["units"]
    ask3 = Ask((Part(machines, 3),), ask.starts_at, ask.ends_at)
    assert check(db.session, ask3, now()).ok
    closing = client.get("/desk/closing").get_data(as_text=True)
    section = closing[closing.index('id="closing-out-of-service"'):]
    assert "Kurs" in section and f"/requests/{future.id}" in section


def test_an_overdue_return_is_flagged_on_the_board(client, desk, machines, group, make):
    booking = todays(make, machines, group, 1)
    hand_out(client, booking, 1)
    booking.ends_at = now() - timedelta(minutes=5)
    loan = db.session.scalar(sa.select(EquipmentLoan))
    loan.due_at = booking.ends_at
    db.session.commit()
    html = client.get("/board/").get_data(as_text=True)
    block = html[html.index(f'id="board-block-{booking.id}"'):]
    assert "block--overdue" in block[:block.index(">")] and "Überfällig" in block[:block.index(">")]


def test_partners_cannot_touch_keys_or_equipment(client, auth, make, key, group, machines):
    booking = todays(make, machines, group, 1)
    auth.login(make.user(Role.PARTNER, group))
    assert hand_key(client, key, group).status_code == 403
    assert hand_out(client, booking, 1).status_code == 403
    assert client.get("/desk/keys").status_code == 403
    assert count_rows(KeyLoan) == 0 and count_rows(EquipmentLoan) == 0


def test_the_free_times_leave_out_units_out_of_service(client, auth, make, machines, group):
    from booking.calendar.gaps import free_days
    from booking.availability import situation
    from booking.clock import day_bounds

    day = today() + timedelta(days=4)
    db.session.add(OutOfService(resource_id=machines.id, units=1, starts_at=at(day, "00:00"),
                                ends_at=at(day + timedelta(days=1), "00:00"), reason="lost"))
    db.session.add_all(OpeningHours(resource_id=machines.id, weekday=d, opens=480, closes=1200) for d in range(7))
    db.session.commit()
    found = situation(db.session, [machines], *day_bounds(day))
    assert [g for free in free_days(machines, [day], found, at=now(), limits=None, units=4) for g in free.gaps] == []
    assert [g for free in free_days(machines, [day], found, at=now(), limits=None, units=3) for g in free.gaps]
