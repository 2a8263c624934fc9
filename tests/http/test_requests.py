"""Journey 1: a partner group requests a slot, follows it, withdraws it."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.clock import today
from booking.models import AuditEvent, Booking, ResourceKind, Role, Status
from tests.conftest import at, committed, count_rows, future_day


@pytest.fixture
def partner(make, auth):
    user = make.user(Role.PARTNER, name="Amal Haddad")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def request_data(room, day=None, **overrides):
    data = {
        "resource_id": str(room.id),
        "date": (day or future_day()).isoformat(),
        "start": "18:00",
        "end": "20:00",
        "purpose_id": "7", "title": "Deutschkurs A2",
        "attendees": "12",
        "units": "1",
        "note": "Bitte Beamer bereitstellen.",
    }
    data.update(overrides)
    return data


def test_partner_sends_a_request_and_sees_it_pending(client, partner, room):
    response = client.post("/requests/new", data=request_data(room))
    assert response.status_code == 303
    booking = Booking.query.one()
    assert (booking.status, booking.organisation_id, booking.requested_by_id) == (
        Status.PENDING, partner.organisation_id, partner.id,
    )
    assert booking.starts_at == at(future_day(), "18:00")
    events = AuditEvent.query.all()
    assert [(e.from_status, e.to_status) for e in events] == [(None, Status.PENDING)]

    page = client.get("/requests/").get_data(as_text=True)
    assert "Deutschkurs A2" in page
    assert "badge--pending" in page


def test_my_requests_lists_only_my_organisation_soonest_first(client, partner, room, make):
    other = make.organisation("Anderer Verein")
    make.booking(room, partner.organisation, day=future_day(weeks=3), title="Später")
    make.booking(room, partner.organisation, day=future_day(weeks=2), title="Früher")
    make.booking(room, other, day=future_day(weeks=2), start="14:00", end="15:00", title="Fremd")
    page = client.get("/requests/").get_data(as_text=True)
    assert page.index("Früher") < page.index("Später")
    assert "Fremd" not in page and "Anderer Verein" not in page


def test_live_check_says_free(client, partner, room):
    query = {k: v for k, v in request_data(room).items() if k in ("resource_id", "date", "start", "end")}
    fragment = client.get("/requests/new", query_string=query, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert 'id="slot-check"' in html and "<html" not in html
    assert "notice--ok" in html
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get("/requests/new", query_string=query).get_data(as_text=True)
    assert "<html" in page and "notice--ok" in page
    assert 'value="18:00"' in page  # the form comes back filled in


def test_live_check_shows_approved_clash_without_the_other_groups_details(client, partner, room, make):
    rival = make.organisation("Geheimer Chor", contact_name="Hans Geheim")
    make.booking(room, rival, day=future_day(), start="17:00", end="19:00", status=Status.APPROVED,
                 title="Probe Geheim", note="Schlüssel bei Hans")
    query = {"resource_id": room.id, "date": future_day().isoformat(), "start": "18:00", "end": "20:00"}
    html = client.get("/requests/new", query_string=query, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "notice--bad" in html
    assert "17:00" in html and "19:00" in html
    for secret in ("Geheimer Chor", "Probe Geheim", "Hans", "Schlüssel"):
        assert secret not in html


def test_live_check_counts_competing_pending_requests(client, partner, room, make):
    for _ in range(2):
        make.booking(room, make.organisation(), day=future_day(), start="19:00", end="21:00")
    query = {"resource_id": room.id, "date": future_day().isoformat(), "start": "18:00", "end": "20:00"}
    html = client.get("/requests/new", query_string=query, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "notice--warn" in html
    assert "2" in html


def test_live_check_before_the_fields_are_filled_in_gives_a_hint(client, partner, room):
    html = client.get("/requests/new", query_string={"resource_id": room.id},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "notice" not in html
    assert 'id="slot-check"' in html


def test_touching_bookings_do_not_clash(client, partner, room, make):
    make.booking(room, make.organisation(), day=future_day(), start="16:00", end="18:00", status=Status.APPROVED)
    response = client.post("/requests/new", data=request_data(room))
    assert response.status_code == 303


def test_request_over_an_approved_booking_is_refused_with_409(client, partner, room, make):
    make.booking(room, make.organisation(), day=future_day(), start="19:00", end="21:00", status=Status.APPROVED)
    response = client.post("/requests/new", data=request_data(room))
    assert response.status_code == 409
    assert 'value="Deutschkurs A2"' in response.get_data(as_text=True)
    assert count_rows(Booking, Booking.organisation_id == partner.organisation_id) == 0


# Bad input: each gets a message at the field (or 403/404) and nothing is written.
BAD_INPUT = [
    ({"end": "18:00"}, "end"),
    ({"end": "17:00"}, "end"),
    ({"title": ""}, "title"),
    ({"date": ""}, "date"),
    ({"start": ""}, "start"),
    ({"resource_id": ""}, "resource_id"),
    ({"resource_id": "99999"}, "resource_id"),
    ({"resource_id": "abc"}, "resource_id"),
    ({"attendees": "21"}, "attendees"),
    ({"attendees": "0"}, "attendees"),
    ({"date": "1999-12-31"}, "date"),
    ({"date": "2101-01-01"}, "date"),
    ({"date": "31.13.2026"}, "date"),
    ({"title": "x" * 121}, "title"),
    ({"note": "x" * 1001}, "note"),
    ({"units": "2"}, "units"),
]


@pytest.mark.parametrize("change, field", BAD_INPUT, ids=[f"{f}={list(c.values())[0][:12]}" for c, f in BAD_INPUT])
def test_bad_input_comes_back_at_the_field_and_writes_nothing(client, partner, room, change, field):
    response = client.post("/requests/new", data=request_data(room, **change))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    if field != "title":
        assert 'value="Deutschkurs A2"' in html  # what was typed comes back
    assert count_rows(Booking) == 0
    assert count_rows(AuditEvent) == 0


def test_start_in_the_past_is_refused(client, partner, room):
    yesterday = today() - timedelta(days=1)
    response = client.post("/requests/new", data=request_data(room, day=yesterday))
    assert response.status_code == 422
    assert 'id="start-error"' in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_inactive_resource_is_refused(client, partner, make):
    closed = make.resource("Alter Keller", active=False)
    response = client.post("/requests/new", data=request_data(closed))
    assert response.status_code == 422
    assert 'id="resource_id-error"' in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_equipment_beyond_the_quantity_is_refused(client, partner, make):
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    response = client.post("/requests/new", data=request_data(beamer, units="3", attendees=""))
    assert response.status_code == 422
    assert 'id="units-error"' in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


@pytest.mark.parametrize("crafted", [{"organisation_id": "1"}, {"status": "approved"}])
def test_crafted_organisation_or_status_is_forbidden(client, partner, room, make, crafted):
    make.organisation("Fremder Verein")
    response = client.post("/requests/new", data=request_data(room, **crafted))
    assert response.status_code == 403
    assert count_rows(Booking) == 0


@pytest.mark.parametrize("day, hhmm, words", [
    ("2027-03-28", "02:30", "does not exist"),
    ("2027-10-31", "02:30", "happens twice"),
])
def test_local_times_that_do_not_name_one_instant_are_refused(client, partner, room, day, hhmm, words,
                                                              monkeypatch):
    client.post("/language", data={"language": "en"})
    response = client.post("/requests/new", data=request_data(room, date=day, start=hhmm, end="05:00"))
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_partner_withdraws_a_pending_request_in_place(client, partner, room, make):
    booking = make.booking(room, partner.organisation)
    response = client.post(f"/requests/{booking.id}/withdraw", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.strip().startswith(f'<tr id="booking-{booking.id}"') and "badge--cancelled" in html
    assert committed(sa.select(Booking.status))[0][0] == "cancelled"


def test_withdraw_without_htmx_redirects_back_to_the_list(client, partner, room, make):
    booking = make.booking(room, partner.organisation)
    response = client.post(f"/requests/{booking.id}/withdraw")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/requests/")
    assert count_rows(AuditEvent, AuditEvent.to_status == Status.CANCELLED) == 1


def test_a_rejected_request_cannot_be_withdrawn(client, partner, room, make):
    booking = make.booking(room, partner.organisation, status=Status.REJECTED)
    response = client.post(f"/requests/{booking.id}/withdraw", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert count_rows(Booking, Booking.status == Status.REJECTED) == 1


def test_another_groups_request_does_not_exist_for_a_partner(client, partner, room, make):
    theirs = make.booking(room, make.organisation("Fremder Verein"), title="Fremdes Treffen")
    assert client.get(f"/requests/{theirs.id}").status_code == 404
    assert client.post(f"/requests/{theirs.id}/withdraw").status_code == 404
    assert count_rows(Booking, Booking.status == Status.PENDING) == 1


def test_detail_shows_the_history(client, partner, room):
    client.post("/requests/new", data=request_data(room))
    booking = Booking.query.one()
    html = client.get(f"/requests/{booking.id}").get_data(as_text=True)
    assert "Deutschkurs A2" in html and "Amal Haddad" in html


def test_the_front_desk_cannot_send_requests(client, auth, make, room):
    auth.login(make.user(Role.DESK))
    assert client.get("/requests/new").status_code == 403
    assert client.post("/requests/new", data=request_data(room)).status_code == 403
    assert count_rows(Booking) == 0


def test_anonymous_visitor_is_sent_to_login_and_back(client, make):
    partner = make.user(Role.PARTNER)
    response = client.get("/requests/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/requests/new"
    login = client.post("/login", data={"email": partner.email, "password": "richtig-gutes-passwort",
                                        "next": "/requests/new"})
    assert login.headers["Location"] == "/requests/new"




def test_fields_are_marked_invalid_only_when_they_are(client, partner, room):
    html = client.get("/requests/new").get_data(as_text=True)
    assert "aria-invalid" not in html and '"None"' not in html
    bad = client.post("/requests/new", data=request_data(room, title="")).get_data(as_text=True)
    assert bad.count('aria-invalid="true"') == 1
    assert 'aria-describedby="title-hint title-error"' in bad
