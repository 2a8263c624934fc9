"""A manager changes a booking's time, room or equipment under the rules of an approval."""

import json

import pytest

from booking.extensions import db
from booking.models import AuditEvent, Booking, ChangeRecord, ResourceKind, Role, Status
from booking.notify.models import Kind, OutboxMessage
from tests.conftest import at, count_rows, future_day


@pytest.fixture
def rooms(make):
    return make.resource("Saal", capacity=80), make.resource("Seminarraum", capacity=20)


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Maria Manager")
    auth.login(user)
    return user


def slot(resource, start="14:00", end="16:00", day=None, **more):
    return {"resource_id": str(resource.id), "date": (day or future_day()).isoformat(), "start": start, "end": end,
            **more}


def fresh(ident):
    db.session.expire_all()
    return db.session.get(Booking, ident)


def test_manager_moves_an_approved_booking_to_another_room_and_time(client, manager, rooms, make):
    saal, seminar = rooms
    booking = make.booking(saal, make.organisation("Chor"), status=Status.APPROVED, title="Chorprobe")
    revision = booking.revision
    page = client.get(f"/manage/bookings/{booking.id}/change")
    assert page.status_code == 200 and 'value="10:00"' in page.get_data(as_text=True)
    response = client.post(f"/manage/bookings/{booking.id}/change", data=slot(seminar))
    assert response.status_code == 303
    moved = fresh(booking.id)
    assert (moved.resource_id, moved.starts_at, moved.status) == (seminar.id, at(future_day(), "14:00"), Status.APPROVED)
    assert moved.busy_from == moved.starts_at and moved.revision > revision
    history = db.session.scalars(db.select(AuditEvent).where(AuditEvent.booking_id == booking.id)).all()
    assert len(history) == 1 and "Saal" in history[0].reason and "→" in history[0].reason and "Seminarraum" in history[0].reason
    assert count_rows(OutboxMessage, OutboxMessage.kind == Kind.MOVED) == 1
    record = db.session.scalars(db.select(ChangeRecord).where(ChangeRecord.subject == "booking")).one()
    assert {c["field"] for c in json.loads(record.changes)} == {"resource_id", "starts_at", "ends_at"}
    # the group reads the change in its request's history
    detail = client.get(f"/requests/{booking.id}").get_data(as_text=True)
    assert "Seminarraum" in detail and "→" in detail


def test_a_change_into_a_taken_slot_is_refused_with_409_and_the_reasons(client, manager, rooms, make):
    saal, _seminar = rooms
    booking = make.booking(saal, make.organisation("Chor"), status=Status.APPROVED)
    make.booking(saal, make.organisation("Theater"), status=Status.APPROVED, start="14:00", end="18:00")
    response = client.post(f"/manage/bookings/{booking.id}/change", data=slot(saal, "15:00", "17:00"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Saal" in html and 'value="15:00"' in html  # the reason, and the form as typed
    assert fresh(booking.id).starts_at == at(future_day(), "10:00")
    assert count_rows(AuditEvent) == 0 and count_rows(OutboxMessage, OutboxMessage.kind == Kind.MOVED) == 0
    assert count_rows(ChangeRecord, ChangeRecord.subject == "booking") == 0


def test_pending_request_with_equipment_changes_its_units(client, manager, rooms, make):
    saal, _ = rooms
    beamer = make.resource("Stühle", kind=ResourceKind.EQUIPMENT, quantity=50)
    lead = make.booking(saal, make.organisation("Chor"))
    item = make.booking(beamer, lead.organisation, units=10, bundle_of=lead)
    response = client.post(f"/manage/bookings/{lead.id}/change",
                           data=slot(saal, "10:00", "12:00", **{f"units_{item.id}": "60"}))
    assert response.status_code == 409  # more than the house has
    response = client.post(f"/manage/bookings/{lead.id}/change",
                           data=slot(saal, "11:00", "13:00", **{f"units_{item.id}": "30"}))
    assert response.status_code == 303
    assert fresh(item.id).units == 30 and fresh(item.id).starts_at == at(future_day(), "11:00")
    assert fresh(lead.id).status == Status.PENDING


def test_bad_input_comes_back_422(client, manager, rooms, make):
    saal, _ = rooms
    booking = make.booking(saal, make.organisation("Chor"))
    response = client.post(f"/manage/bookings/{booking.id}/change", data=slot(saal, start="", end="12:00"))
    assert response.status_code == 422
    response = client.post(f"/manage/bookings/{booking.id}/change", data={**slot(saal), "resource_id": "999"})
    assert response.status_code == 422
    assert fresh(booking.id).revision == booking.revision


def test_decided_bookings_cannot_be_changed(client, manager, rooms, make):
    saal, _ = rooms
    booking = make.booking(saal, make.organisation("Chor"), status=Status.REJECTED)
    assert client.post(f"/manage/bookings/{booking.id}/change", data=slot(saal)).status_code == 409


def test_an_approver_of_other_resources_gets_403(client, manager, rooms, make, monkeypatch):
    from booking import policy

    saal, _ = rooms
    booking = make.booking(saal, make.organisation("Chor"), status=Status.APPROVED)
    monkeypatch.setattr(policy, "can_decide", lambda user, b: b.resource_id != saal.id)
    assert client.get(f"/manage/bookings/{booking.id}/change").status_code == 403
    assert client.post(f"/manage/bookings/{booking.id}/change", data=slot(saal)).status_code == 403
    assert fresh(booking.id).starts_at == at(future_day(), "10:00")


def test_partners_and_desk_cannot_change(client, auth, rooms, make):
    saal, _ = rooms
    booking = make.booking(saal, make.organisation("Chor"), status=Status.APPROVED)
    for user in (booking.requested_by, make.user(Role.DESK)):
        auth.login(user)
        assert client.post(f"/manage/bookings/{booking.id}/change", data=slot(saal)).status_code == 403
        auth.logout()
