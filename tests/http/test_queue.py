"""Journey 2: the house manager decides pending requests in the queue."""

import pytest

from booking.models import AuditEvent, Booking, ResourceKind, Role, Status
from tests.conftest import count_rows, future_day


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Maria Manager")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def test_queue_lists_pending_requests_soonest_first_with_their_clashes(client, manager, room, make):
    later = make.booking(room, make.organisation("Chor"), day=future_day(weeks=3), title="Chorprobe")
    sooner = make.booking(room, make.organisation("Kurs"), day=future_day(weeks=2), title="Sprachkurs")
    make.booking(room, make.organisation("Schon da"), day=future_day(weeks=2), start="11:00", end="13:00",
                 status=Status.APPROVED, title="Genehmigt")
    make.booking(room, make.organisation("Vorbei"), status=Status.REJECTED, title="Abgelehnt")
    html = client.get("/manage/queue").get_data(as_text=True)
    assert html.index(f'id="request-{sooner.id}"') < html.index(f'id="request-{later.id}"')
    assert "Abgelehnt" not in html
    sooner_card = html[html.index(f'id="request-{sooner.id}"'):html.index(f'id="request-{later.id}"')]
    assert "Schon da" in sooner_card and "notice--bad" in sooner_card


def test_queue_shows_competing_pending_requests(client, manager, room, make):
    a = make.booking(room, make.organisation("A-Verein"), title="A")
    make.booking(room, make.organisation("B-Verein"), start="11:00", end="12:30", title="B")
    html = client.get("/manage/queue").get_data(as_text=True)
    card = html[html.index(f'id="request-{a.id}"'):]
    assert "notice--warn" in card and "B-Verein" in card


def test_queue_as_page_and_as_fragment(client, manager, room, make):
    make.booking(room, title="Treffen X")
    page = client.get("/manage/queue")
    fragment = client.get("/manage/queue", headers={"HX-Request": "true"})
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="queue"' in body and "Treffen X" in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_manager_approves_in_place_and_rivals_update_out_of_band(client, manager, room, make):
    mine = make.booking(room, make.organisation("A"), title="A")
    rival = make.booking(room, make.organisation("B"), start="11:00", end="13:00", title="B")
    response = client.post(f"/manage/bookings/{mine.id}/approve", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="request-{mine.id}"' in html and "badge--approved" in html
    rival_part = html[html.index(f'id="request-{rival.id}"') - 60:]
    assert 'hx-swap-oob="true"' in rival_part and "notice--bad" in rival_part
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 1
    assert count_rows(AuditEvent, AuditEvent.to_status == Status.APPROVED, AuditEvent.actor_id == manager.id) == 1


def test_approval_is_refused_while_an_approved_booking_overlaps(client, manager, room, make):
    make.booking(room, make.organisation("A"), status=Status.APPROVED, title="A")
    late = make.booking(room, make.organisation("B"), start="11:59", end="13:00", title="B")
    response = client.post(f"/manage/bookings/{late.id}/approve", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "notice--bad" in response.get_data(as_text=True)
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 1
    assert count_rows(AuditEvent) == 0

    page = client.post(f"/manage/bookings/{late.id}/approve")
    assert page.status_code == 409
    assert "<html" in page.get_data(as_text=True)


def test_equipment_approval_respects_the_quantity(client, manager, make):
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    make.booking(sets, units=6, status=Status.APPROVED, start="10:00", end="18:00")
    second = make.booking(sets, units=6, start="14:00", end="20:00")
    response = client.post(f"/manage/bookings/{second.id}/approve", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "4" in response.get_data(as_text=True)
    third = make.booking(sets, units=4, start="14:00", end="20:00")
    assert client.post(f"/manage/bookings/{third.id}/approve").status_code == 303


def test_rejection_needs_a_reason(client, manager, room, make):
    booking = make.booking(room)
    response = client.post(f"/manage/bookings/{booking.id}/reject", data={"reason": "  "},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert f'id="reason-{booking.id}-error"' in response.get_data(as_text=True)
    assert count_rows(Booking, Booking.status == Status.PENDING) == 1

    page = client.post(f"/manage/bookings/{booking.id}/reject", data={"reason": ""})
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)


def test_manager_rejects_with_a_reason_the_group_reads(client, auth, manager, room, make):
    booking = make.booking(room, title="Fest")
    response = client.post(f"/manage/bookings/{booking.id}/reject", data={"reason": "Saal ist renoviert."},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "badge--rejected" in response.get_data(as_text=True)
    auth.logout()
    auth.login(booking.requested_by)
    assert "Saal ist renoviert." in client.get("/requests/?when=upcoming").get_data(as_text=True)


def test_a_decided_request_cannot_be_decided_again(client, manager, room, make):
    booking = make.booking(room, status=Status.REJECTED)
    assert client.post(f"/manage/bookings/{booking.id}/approve").status_code == 409
    assert count_rows(Booking, Booking.status == Status.REJECTED) == 1


def test_partners_and_desk_cannot_decide(client, auth, make, room):
    booking = make.booking(room)
    for role in (Role.PARTNER, Role.DESK):
        auth.login(make.user(role))
        assert client.get("/manage/queue").status_code == 403
        assert client.post(f"/manage/bookings/{booking.id}/approve").status_code == 403
        assert client.post(f"/manage/bookings/{booking.id}/reject", data={"reason": "x"}).status_code == 403
        auth.logout()
    assert count_rows(Booking, Booking.status == Status.PENDING) == 1


def test_unknown_booking_is_404(client, manager):
    assert client.post("/manage/bookings/4242/approve").status_code == 404


def test_queue_needs_a_fixed_number_of_queries(client, manager, room, make, app):
    from tests.http.querycount import count_queries

    make.booking(room)
    with count_queries() as few:
        client.get("/manage/queue")
    for hour in range(8, 20):
        other_room = make.resource()
        make.booking(other_room, start=f"{hour:02d}:00", end=f"{hour:02d}:30")
        # Clashes with approved bookings of groups that have nothing in the queue themselves.
        make.booking(other_room, make.organisation(), start=f"{hour:02d}:15", end=f"{hour:02d}:45",
                     status=Status.APPROVED)
    with count_queries() as many:
        client.get("/manage/queue")
    assert few.count == many.count
