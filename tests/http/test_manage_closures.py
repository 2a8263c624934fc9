"""Closures: the manager closes the house or a resource; requests are then refused, bookings listed."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from booking.clock import now
from booking.extensions import db
from booking.models import Booking, Closure, ResourceKind, Role, Status
from tests.conftest import at, committed, count_rows, future_day

LIST = "/manage/closures/"
NEW = "/manage/closures/new"
DAY = future_day()  # a Tuesday two weeks ahead: open 08:00-22:00


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Hausleitung", language="en")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def closure_data(**changes) -> dict:
    """What the form sends for a closure of the whole house on DAY; None leaves a field out."""
    data = {
        "resource_id": "",
        "first_day": DAY.isoformat(),
        "start": "",
        "last_day": "",
        "end": "",
        "reason": "Fußboden wird versiegelt",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def add_closure(resource=None, first: date = DAY, start="00:00", last: date | None = None, end="00:00",
                reason="Betriebsausflug") -> Closure:
    """A closure straight in the database; the end defaults to the next midnight."""
    last = last or (first + timedelta(days=1) if end == "00:00" else first)
    closure = Closure(resource_id=resource.id if resource else None, starts_at=at(first, start),
                      ends_at=at(last, end), reason=reason)
    db.session.add(closure)
    db.session.commit()
    return closure


def saved():
    return committed(sa.select(Closure.resource_id, Closure.starts_at, Closure.ends_at, Closure.reason)
                     .order_by(Closure.id))


def live_check(client, resource, day=DAY, start="10:00", end="12:00") -> str:
    query = {"resource_id": resource.id, "date": day.isoformat(), "start": start, "end": end}
    response = client.get("/requests/new", query_string=query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def as_partner(auth, make):
    auth.logout()
    auth.login(make.user(Role.PARTNER, language="en"))


# Who gets in

PAGES = [LIST, NEW, "/manage/closures/{id}", "/manage/closures/{id}/edit"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitor_is_sent_to_login(client, path):
    closure = add_closure()
    response = client.get(path.format(id=closure.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_anonymous_visitor_cannot_delete(client):
    closure = add_closure()
    response = client.post(f"/manage/closures/{closure.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count_rows(Closure) == 1


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
@pytest.mark.parametrize("path", PAGES)
def test_partner_and_desk_may_not_open_the_pages(client, auth, make, role, path):
    closure = add_closure()
    auth.login(make.user(role))
    assert client.get(path.format(id=closure.id)).status_code == 403


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_partner_and_desk_may_not_create_change_or_delete(client, auth, make, role):
    closure = add_closure(reason="Betriebsausflug")
    auth.login(make.user(role))
    assert client.post(NEW, data=closure_data()).status_code == 403
    assert client.post(f"/manage/closures/{closure.id}/edit", data=closure_data(reason="Gekapert")).status_code == 403
    assert client.post(f"/manage/closures/{closure.id}/delete").status_code == 403
    assert [row.reason for row in saved()] == ["Betriebsausflug"]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_list_renders_for_manager_and_admin(client, auth, make, role):
    add_closure(reason="Betriebsausflug")
    auth.login(make.user(role, language="en"))
    response = client.get(LIST)
    assert response.status_code == 200
    assert "Betriebsausflug" in response.text
    assert "The whole house" in response.text


def test_unknown_closures_are_404(client, manager):
    assert client.get("/manage/closures/999").status_code == 404
    assert client.get("/manage/closures/999/edit").status_code == 404
    assert client.post("/manage/closures/999/edit", data=closure_data()).status_code == 404
    assert client.post("/manage/closures/999/delete").status_code == 404


# The list

def test_list_shows_current_and_upcoming_closures_and_past_ones_apart(client, manager, room):
    yesterday = (now() - timedelta(days=1)).date()
    add_closure(first=yesterday - timedelta(days=3), last=yesterday, reason="Vorbei")
    add_closure(first=yesterday, last=yesterday + timedelta(days=3), reason="Läuft noch")
    add_closure(room, first=DAY + timedelta(days=7), start="14:00", end="18:00", reason="Später")
    add_closure(room, first=DAY, start="08:00", end="12:00", reason="Bald")
    html = client.get(LIST).text
    assert "Vorbei" not in html
    assert html.index("Läuft noch") < html.index("Bald") < html.index("Später")
    assert "14:00–18:00" in html and "Seminarraum 1" in html

    past = client.get(LIST, query_string={"when": "past"}).text
    assert "Vorbei" in past and "Bald" not in past and "Läuft noch" not in past


def test_whole_days_read_as_such(client, manager):
    add_closure(first=DAY, last=DAY + timedelta(days=3), reason="Ferien")
    html = client.get(LIST).text
    assert "whole days" in html
    assert "00:00" not in html


def test_the_list_says_when_there_is_none(client, manager):
    assert 'class="empty"' in client.get(LIST).text


# Creating

def test_manager_closes_the_house_for_a_day(client, manager):
    response = client.post(NEW, data=closure_data(reason="  Fußboden wird versiegelt "))
    assert response.status_code == 303
    closure = db.session.scalars(sa.select(Closure)).one()
    assert response.headers["Location"] == f"/manage/closures/{closure.id}"
    assert saved() == [(None, at(DAY, "00:00"), at(DAY + timedelta(days=1), "00:00"), "Fußboden wird versiegelt")]
    assert closure.created_by_id == manager.id
    page = client.get(response.headers["Location"]).text
    assert "flash--success" in page
    assert "Fußboden wird versiegelt" in page and "The whole house" in page
    assert "No approved bookings fall into this closure." in page


def test_manager_closes_one_room_for_some_hours(client, manager, room):
    response = client.post(NEW, data=closure_data(resource_id=str(room.id), start="14:00", end="18:30"))
    assert response.status_code == 303
    assert saved() == [(room.id, at(DAY, "14:00"), at(DAY, "18:30"), "Fußboden wird versiegelt")]


def test_a_closure_over_several_days_with_times(client, manager, room):
    last = DAY + timedelta(days=2)
    response = client.post(NEW, data=closure_data(start="12:00", last_day=last.isoformat(), end="09:00"))
    assert response.status_code == 303
    assert saved() == [(None, at(DAY, "12:00"), at(last, "09:00"), "Fußboden wird versiegelt")]


def test_the_form_offers_the_house_and_each_active_resource(client, manager, make):
    make.resource("Gemeindesaal")
    make.resource("Alter Keller", active=False)
    html = client.get(NEW).text
    assert "The whole house" in html and "Gemeindesaal" in html and "Alter Keller" not in html
    for name in ("resource_id", "first_day", "start", "last_day", "end", "reason"):
        assert re.search(rf'<label for="{name}">', html), name


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 201}, "reason"),
        ({"first_day": ""}, "first_day"),
        ({"first_day": "morgen"}, "first_day"),
        ({"first_day": "1850-01-01"}, "first_day"),
        ({"resource_id": "999"}, "resource_id"),
        ({"resource_id": "Saal"}, "resource_id"),
        ({"start": "25:00"}, "start"),
        ({"last_day": (DAY - timedelta(days=1)).isoformat()}, "last_day"),
        ({"start": "14:00", "end": "14:00"}, "end"),
        ({"start": "14:00", "end": "09:00"}, "end"),
        ({"end": "00:00"}, "end"),
    ],
)
def test_bad_input_is_refused_with_the_form_and_nothing_saved(client, manager, changes, field):
    data = closure_data(**{"reason": "Fußboden wird versiegelt", **changes})
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert count_rows(Closure) == 0
    if data["reason"] == "Fußboden wird versiegelt":  # what was typed is still there
        assert 'value="Fußboden wird versiegelt"' in response.text


def test_a_time_the_clocks_skip_is_refused(client, manager):
    response = client.post(NEW, data=closure_data(first_day="2027-03-28", start="02:30"))
    assert response.status_code == 422
    error = re.search(r'id="start-error">(.*?)</p>', response.text, re.S).group(1)
    assert "02:30 does not exist" in error
    assert 'value="2027-03-28"' in response.text and 'value="02:30"' in response.text
    assert count_rows(Closure) == 0


def test_a_time_that_happens_twice_is_refused(client, manager):
    response = client.post(NEW, data=closure_data(first_day="2027-10-30", last_day="2027-10-31", end="02:30"))
    assert response.status_code == 422
    assert "02:30 happens twice" in re.search(r'id="end-error">(.*?)</p>', response.text, re.S).group(1)
    assert count_rows(Closure) == 0


def test_whole_days_across_the_change_of_the_clocks_are_fine(client, manager):
    response = client.post(NEW, data=closure_data(first_day="2027-03-28"))
    assert response.status_code == 303
    starts_at, ends_at = saved()[0][1:3]
    assert ends_at - starts_at == timedelta(hours=23)


# What a closure does

def test_a_closure_blocks_the_partners_live_check(client, auth, make, manager, room):
    other = make.resource("Werkstatt")
    client.post(NEW, data=closure_data(resource_id=str(room.id), start="09:00", end="13:00"))
    as_partner(auth, make)
    html = live_check(client, room)
    assert "notice--bad" in html
    assert "Fußboden wird versiegelt" in html
    assert "notice--ok" in live_check(client, room, start="13:00", end="15:00")
    assert "notice--ok" in live_check(client, other)


def test_a_house_closure_blocks_every_resource(client, auth, make, manager, room):
    other = make.resource("Werkstatt")
    client.post(NEW, data=closure_data())
    as_partner(auth, make)
    for resource in (room, other):
        html = live_check(client, resource)
        assert "notice--bad" in html and "Fußboden wird versiegelt" in html


def test_approved_bookings_in_the_closure_are_listed_and_kept(client, make, manager, room):
    other_room = make.resource("Werkstatt")
    chor = make.organisation("Chor Plauen")
    inside = make.booking(room, chor, day=DAY, start="10:00", end="12:00", status=Status.APPROVED,
                          title="Chorprobe")
    make.booking(room, make.organisation("Wartend e.V."), day=DAY, start="12:00", end="13:00", title="Noch offen")
    make.booking(other_room, make.organisation("Nachbarn"), day=DAY, start="10:00", end="12:00",
                 status=Status.APPROVED, title="Nebenan")
    make.booking(room, make.organisation("Frühaufsteher"), day=DAY, start="07:00", end="08:30",
                 status=Status.APPROVED, title="Davor")
    response = client.post(NEW, data=closure_data(resource_id=str(room.id), start="09:00", end="13:00"))
    page = client.get(response.headers["Location"]).text

    affected = page[page.index('id="affected"'):]
    assert "These approved bookings fall into the closure. Please talk to the groups." in affected
    assert "not cancelled" in affected
    row = re.search(rf'<tr id="affected-{inside.id}">.*?</tr>', affected, re.S).group(0)
    for fact in ("10:00–12:00", "Seminarraum 1", "Chor Plauen", "Chorprobe"):
        assert fact in row
    for absent in ("Noch offen", "Nebenan", "Davor"):
        assert absent not in affected
    assert committed(sa.select(Booking.status).where(Booking.id == inside.id)) == [(Status.APPROVED,)]


def test_a_house_closure_lists_the_bookings_of_every_resource(client, make, manager, room):
    other_room = make.resource("Werkstatt")
    make.booking(room, make.organisation(), day=DAY, status=Status.APPROVED, title="Chorprobe")
    make.booking(other_room, make.organisation(), day=DAY, status=Status.APPROVED, title="Nebenan")
    make.booking(room, make.organisation(), day=DAY + timedelta(days=1), status=Status.APPROVED, title="Morgen")
    response = client.post(NEW, data=closure_data())
    affected = client.get(response.headers["Location"]).text.split('id="affected"')[1]
    assert "Chorprobe" in affected and "Nebenan" in affected and "Morgen" not in affected


def test_a_booking_whose_clean_up_time_falls_into_the_closure_is_listed(client, make, manager):
    kitchen = make.resource("Lehrküche", cleanup_minutes=30)
    make.booking(kitchen, make.organisation(), day=DAY, start="10:00", end="12:00", status=Status.APPROVED,
                 title="Kochkurs")
    response = client.post(NEW, data=closure_data(resource_id=str(kitchen.id), start="12:15", end="16:00"))
    affected = client.get(response.headers["Location"]).text.split('id="affected"')[1]
    assert "Kochkurs" in affected
    assert "only its set-up or clean-up time" in affected


def test_a_bundle_is_listed_once_with_its_equipment(client, make, manager, room):
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    lead = make.booking(room, make.organisation(), day=DAY, status=Status.APPROVED, title="Vortrag")
    make.booking(beamer, lead.organisation, day=DAY, status=Status.APPROVED, title="Vortrag", bundle_of=lead)
    response = client.post(NEW, data=closure_data())
    affected = client.get(response.headers["Location"]).text.split('id="affected"')[1]
    assert affected.count("<tr id=\"affected-") == 1
    assert "+ Beamer" in affected


# Editing

def test_edit_form_shows_the_closure_as_typed(client, manager, room):
    closure = add_closure(room, first=DAY, start="14:00", end="18:00", reason="Wasserschaden")
    html = client.get(f"/manage/closures/{closure.id}/edit").text
    assert f'value="{DAY.isoformat()}"' in html
    assert 'value="14:00"' in html and 'value="18:00"' in html and 'value="Wasserschaden"' in html
    assert re.search(rf'<option selected value="{room.id}">|<option value="{room.id}" selected>', html)


def test_edit_form_leaves_the_times_of_whole_days_empty(client, manager):
    closure = add_closure(first=DAY, last=DAY + timedelta(days=2), reason="Ferien")
    html = client.get(f"/manage/closures/{closure.id}/edit").text
    assert re.search(r'<input[^>]*id="start"[^>]*value=""|<input[^>]*id="start"(?![^>]*value=)', html)
    assert f'value="{(DAY + timedelta(days=1)).isoformat()}"' in html  # the last whole day


def test_manager_moves_a_closure_over_a_booking_and_sees_it(client, make, manager, room):
    closure = add_closure(room, first=DAY, start="14:00", end="18:00", reason="Wasserschaden")
    make.booking(room, make.organisation("Chor Plauen"), day=DAY, start="10:00", end="12:00",
                 status=Status.APPROVED, title="Chorprobe")
    response = client.post(f"/manage/closures/{closure.id}/edit",
                           data=closure_data(resource_id=str(room.id), start="08:00", end="18:00",
                                             reason="Wasserschaden im Keller"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/closures/{closure.id}"
    assert saved() == [(room.id, at(DAY, "08:00"), at(DAY, "18:00"), "Wasserschaden im Keller")]
    affected = client.get(response.headers["Location"]).text.split('id="affected"')[1]
    assert "Chorprobe" in affected and "Please talk to the groups." in affected


def test_a_refused_edit_changes_nothing(client, manager, room):
    closure = add_closure(room, first=DAY, start="14:00", end="18:00", reason="Wasserschaden")
    response = client.post(f"/manage/closures/{closure.id}/edit",
                           data=closure_data(resource_id=str(room.id), start="18:00", end="14:00"))
    assert response.status_code == 422
    assert 'id="end-error"' in response.text
    assert saved() == [(room.id, at(DAY, "14:00"), at(DAY, "18:00"), "Wasserschaden")]


def test_a_closure_keeps_its_resource_after_the_resource_is_taken_out_of_use(client, make, manager):
    cellar = make.resource("Alter Keller", active=False)
    closure = add_closure(cellar, reason="Umbau")
    html = client.get(f"/manage/closures/{closure.id}/edit").text
    assert "Alter Keller" in html
    response = client.post(f"/manage/closures/{closure.id}/edit",
                           data=closure_data(resource_id=str(cellar.id), reason="Umbau bis Juni"))
    assert response.status_code == 303


# Deleting

def test_manager_deletes_a_closure_and_the_time_is_free_again(client, auth, make, manager, room):
    closure = add_closure(room, reason="Wasserschaden")
    page = client.get(f"/manage/closures/{closure.id}").text
    assert f'action="/manage/closures/{closure.id}/delete"' in page and "<details" in page
    response = client.post(f"/manage/closures/{closure.id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == LIST
    assert count_rows(Closure) == 0
    assert "flash--success" in client.get(LIST).text
    as_partner(auth, make)
    assert "notice--ok" in live_check(client, room)


# CSRF

def test_posts_without_the_csrf_token_are_refused(app, client, manager):
    closure = add_closure(reason="Wasserschaden")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(NEW, data=closure_data()).status_code == 400
    assert client.post(f"/manage/closures/{closure.id}/edit", data=closure_data()).status_code == 400
    assert client.post(f"/manage/closures/{closure.id}/delete").status_code == 400
    assert [row.reason for row in saved()] == ["Wasserschaden"]

    page = client.get(f"/manage/closures/{closure.id}").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(f"/manage/closures/{closure.id}/delete", data={"csrf_token": token}).status_code == 303
    assert client.post(NEW, data=closure_data(csrf_token=token)).status_code == 303
    assert [row.reason for row in saved()] == ["Fußboden wird versiegelt"]


# Queries

def test_the_closure_page_and_the_list_load_in_a_fixed_number_of_queries(client, make, manager):
    from tests.http.querycount import count_queries

    rooms = [make.resource(f"Raum {n}") for n in range(6)]
    closure = add_closure(reason="Betriebsausflug")
    add_closure(rooms[0], reason="Wasserschaden")

    def measure():
        with count_queries() as page:
            assert client.get(f"/manage/closures/{closure.id}").status_code == 200
        with count_queries() as listing:
            assert client.get(LIST).status_code == 200
        return page.count, listing.count

    make.booking(rooms[0], day=DAY, status=Status.APPROVED)
    few = measure()
    for r in rooms[1:]:
        make.booking(r, day=DAY, status=Status.APPROVED)
        add_closure(r, reason="Noch einer")
    assert measure() == few
