"""Shared approval: a resource's named approvers see and decide that resource's requests only."""

import pytest

from booking.models import AuditEvent, Booking, ChangeRecord, ResourceKind, Role, Status
from booking.recurrence import Pattern
from tests.conftest import at, count_rows, future_day


def plot_booking(make, plot, organisation, days=1, weeks=3, **kw):
    """A request for whole days of a plot, from midnight to midnight."""
    from datetime import timedelta
    from booking.extensions import db
    day = future_day(weeks=weeks)
    booking = make.booking(plot, organisation, day=day, start="00:00", end="23:00", **kw)
    booking.ends_at = at(day + timedelta(days=days), "00:00")
    db.session.commit()
    return booking


@pytest.fixture
def house(make):
    garden_group = make.organisation("Gartenfreunde")
    coordinator = make.user(Role.PARTNER, garden_group, name="Gisela Koordination")
    plot = make.resource("Beet 1", kind=ResourceKind.PLOT)
    room = make.resource("Seminarraum 1")
    plot.approvers = [coordinator]
    from booking.extensions import db
    db.session.commit()
    other = make.organisation("Chor")
    plot_request = plot_booking(make, plot, other, title="Beet Chor")
    room_request = make.booking(room, other, title="Probe Chor")
    return {"coordinator": coordinator, "plot": plot, "room": room,
            "plot_request": plot_request, "room_request": room_request}


def test_approver_sees_only_their_resources_requests(client, auth, make, house):
    make.organisation("Unbeteiligt")
    auth.login(house["coordinator"])
    response = client.get("/manage/queue")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="request-{house["plot_request"].id}"' in html
    assert f'id="request-{house["room_request"].id}"' not in html and "Probe Chor" not in html
    assert "Seminarraum 1" not in html  # not even among the filter's resources
    assert "Unbeteiligt" not in html and 'name="organisation"' not in html  # nor the house's list of groups
    # Asking for another resource by its filter is refused, not answered with its requests.
    assert client.get(f"/manage/queue?resource={house['room'].id}").status_code == 422
    # The request's own page is open to them; the link in the menu is there.
    assert client.get(f"/requests/{house['plot_request'].id}").status_code == 200
    assert 'href="/manage/queue"' in html


def test_approver_approves_their_resources_request(client, auth, house):
    auth.login(house["coordinator"])
    response = client.post(f"/manage/bookings/{house['plot_request'].id}/approve")
    assert response.status_code == 303
    assert count_rows(Booking, Booking.id == house["plot_request"].id, Booking.status == Status.APPROVED) == 1
    assert count_rows(AuditEvent, AuditEvent.actor_id == house["coordinator"].id) == 1


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_approver_deciding_another_resources_request_gets_403_and_nothing_is_written(client, auth, house, action):
    auth.login(house["coordinator"])
    response = client.post(f"/manage/bookings/{house['room_request'].id}/{action}", data={"reason": "Nein"})
    assert response.status_code == 403
    assert count_rows(Booking, Booking.status != Status.PENDING) == 0
    assert count_rows(AuditEvent) == 0


def test_approver_of_a_room_cannot_decide_it_bundled_with_equipment_of_others(client, auth, make, house):
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    house["room"].approvers = [house["coordinator"]]
    bundle = make.booking(house["room"], make.organisation("Kurs"), title="Mit Beamer")
    make.booking(beamer, bundle.organisation, bundle_of=bundle)
    auth.login(house["coordinator"])
    assert client.post(f"/manage/bookings/{bundle.id}/approve").status_code == 403
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 0


def test_someone_who_approves_nothing_still_gets_403(client, auth, make, house):
    auth.login(make.user(Role.PARTNER, name="Niemand"))
    assert client.get("/manage/queue").status_code == 403
    assert client.post(f"/manage/bookings/{house['plot_request'].id}/approve").status_code == 403
    assert client.post("/manage/bookings/999999/approve").status_code == 403  # whatever the number


def test_approver_of_a_series_resource_decides_its_dates_others_get_403(client, auth, make, house):
    from booking import series as serieswork
    from booking.clock import now
    from booking.extensions import db
    from datetime import time
    first = future_day(weekday=2, weeks=4)
    pattern = Pattern(first, time(17), time(19), (first.weekday(),), count=2)
    member = make.user(Role.PARTNER, make.organisation("Kurs"))
    planned = [p for p in serieswork.preview(db.session, pattern, house["room"], 10, now(), None) if p.wanted]
    series = serieswork.send(db.session, pattern, planned, resource=house["room"], by=member,
                             organisation=member.organisation, title="Kurs", attendees=10)
    db.session.commit()
    auth.login(house["coordinator"])
    assert client.get(f"/manage/series/{series.id}").status_code == 403
    ids = [b.id for b in series.bookings]
    assert client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": ids}).status_code == 403
    house["room"].approvers = [house["coordinator"]]
    db.session.commit()
    assert client.get(f"/manage/series/{series.id}").status_code == 200
    assert client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": ids}).status_code == 303
    assert count_rows(Booking, Booking.series_id == series.id, Booking.status == Status.APPROVED) == 2


def test_manager_sees_everything_and_can_narrow_to_their_own(client, auth, make, house):
    manager = make.user(Role.MANAGER, name="Maria Manager")
    html = None
    auth.login(manager)
    html = client.get("/manage/queue").get_data(as_text=True)
    assert "Beet Chor" in html and "Probe Chor" in html and 'name="mine"' not in html
    house["room"].approvers = [manager]
    from booking.extensions import db
    db.session.commit()
    html = client.get("/manage/queue?mine=y").get_data(as_text=True)
    assert "Probe Chor" in html and "Beet Chor" not in html


def test_manager_names_approvers_in_the_resource_form_and_it_is_recorded(client, auth, make, house):
    manager = make.user(Role.MANAGER, name="Maria Manager")
    kitchen_team = make.user(Role.DESK, name="Küchenteam")
    auth.login(manager)
    kitchen = make.resource("Lehrküche")
    form = client.get(f"/manage/resources/{kitchen.id}/edit").get_data(as_text=True)
    assert "Küchenteam" in form
    response = client.post(f"/manage/resources/{kitchen.id}/edit", data={
        "name": "Lehrküche", "kind": "room", "capacity": "12", "setup_minutes": "0", "cleanup_minutes": "0",
        "active": "y", "approver_ids": [str(kitchen_team.id)]})
    assert response.status_code == 303
    from booking.extensions import db
    db.session.expire_all()
    assert [u.id for u in kitchen.approvers] == [kitchen_team.id]
    record = db.session.scalars(db.select(ChangeRecord).where(ChangeRecord.subject == "resource",
                                                              ChangeRecord.subject_id == kitchen.id,
                                                              ChangeRecord.action == "changed")).all()
    assert any('"approvers"' in r.changes and "Küchenteam" in r.changes for r in record)
    # An account that is not offered (a manager) is refused with the form again.
    response = client.post(f"/manage/resources/{kitchen.id}/edit", data={
        "name": "Lehrküche", "kind": "room", "capacity": "12", "active": "y", "approver_ids": [str(manager.id)]})
    assert response.status_code == 422
    db.session.expire_all()
    assert [u.id for u in kitchen.approvers] == [kitchen_team.id]
