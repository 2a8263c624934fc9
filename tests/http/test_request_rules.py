"""The request form answers with the house rules: reasons, alternatives, bundles, plots, exceptions."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from booking.clock import local, now, today
from booking.extensions import db
from booking.models import Booking, Closure, ResourceKind, Role, Status
from tests.conftest import at, count_rows, future_day

HX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def long_notice(app_config):
    """Partner groups must ask 30 days ahead: future_day() falls within the notice."""
    app_config["MIN_NOTICE_HOURS"] = 24 * 30


@pytest.fixture
def long_horizon(app_config):
    app_config["HORIZON_DAYS"] = 400


@pytest.fixture
def partner(make, auth):
    user = make.user(Role.PARTNER, name="Amal Haddad")
    auth.login(user)
    return user


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Sabine Richter")
    auth.login(user)
    return user


@pytest.fixture
def rooms(make):
    return {
        "one": make.resource("Seminarraum 1", capacity=20),
        "two": make.resource("Seminarraum 2", capacity=12),
        "small": make.resource("Besprechungsraum", capacity=4),
    }


def slot(resource, day=None, start="18:00", end="20:00", **more):
    return {"resource_id": str(resource.id), "date": (day or future_day()).isoformat(),
            "start": start, "end": end, **more}


def live(client, query, headers=None):
    return client.get("/requests/new", query_string=query, headers={**HX, **EN, **(headers or {})})


def test_a_taken_slot_names_the_reason_and_offers_three_alternatives(client, partner, rooms, make):
    day = future_day()
    make.booking(rooms["one"], day=day, start="17:00", end="19:00", status=Status.APPROVED, title="Chor")
    html = live(client, slot(rooms["one"], day, attendees="10")).get_data(as_text=True)
    assert "Seminarraum 1 is already booked 17:00–19:00." in html
    assert "Chor" not in html  # another group's title stays private
    alternatives = html.split("Free instead:")[1]
    # Another room of the same kind that holds ten, at the same time, first ...
    assert "Seminarraum 2" in alternatives and "Besprechungsraum" not in alternatives
    # ... then the next free slots of the chosen room: later that day, the same time the next day.
    assert "Seminarraum 1" in alternatives and "19:00–21:00" in alternatives
    assert alternatives.count('class="button button--alt"') == 3


def test_picking_an_alternative_fills_in_the_form_and_keeps_the_title(client, partner, rooms, make):
    day = future_day()
    make.booking(rooms["one"], day=day, status=Status.APPROVED)
    query = {**slot(rooms["one"], day, start="10:00", end="12:00"), "purpose_id": "7", "title": "Sprachcafé", "attendees": "8",
             "date": day.isoformat(), "resource_id": str(rooms["two"].id)}
    response = client.get("/requests/new", query_string=query, headers={**HX, "HX-Target": "request-form"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="request-form"')
    assert 'value="Sprachcafé"' in html
    assert re.search(rf'<option data-kind="room" selected value="{rooms["two"].id}"', html)
    assert "notice--ok" in html  # the live answer in the form: free now


def test_submitting_a_taken_slot_is_a_conflict_with_alternatives_and_saves_nothing(client, partner, rooms, make):
    day = future_day()
    make.booking(rooms["one"], day=day, start="18:00", end="20:00", status=Status.APPROVED)
    response = client.post("/requests/new", data={**slot(rooms["one"], day), "purpose_id": "7", "title": "Kurs", "attendees": "5"},
                           headers=EN)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "already booked" in html and "Free instead:" in html
    assert 'value="Kurs"' in html
    assert count_rows(Booking) == 1


@pytest.mark.parametrize(
    ("when", "start", "end", "message"),
    [
        (lambda: future_day(weekday=6), "10:00", "12:00", "is closed on Sunday"),
        (lambda: future_day(weekday=5), "17:00", "19:00", "is open on Saturday from 10:00 to 18:00"),
        (lambda: future_day(weekday=1), "07:00", "09:00", "is open on Tuesday from 08:00 to 22:00"),
    ],
)
def test_opening_hours_are_enforced_at_submission(client, partner, rooms, when, start, end, message):
    data = {**slot(rooms["one"], when(), start, end), "purpose_id": "7", "title": "Kurs"}
    response = client.post("/requests/new", data=data, headers=EN)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_a_closure_blocks_the_slot_and_tells_why(client, partner, rooms, make):
    day = future_day()
    db.session.add(Closure(resource=None, starts_at=at(day, "00:00"), ends_at=at(day + timedelta(days=1), "00:00"),
                           reason="Betriebsausflug"))
    db.session.commit()
    html = live(client, slot(rooms["one"], day)).get_data(as_text=True)
    assert "The house is closed" in html and "Betriebsausflug" in html


def test_cleanup_buffer_blocks_the_neighbouring_booking(client, partner, make):
    kitchen = make.resource("Lehrküche", capacity=10, cleanup_minutes=30)
    day = future_day()
    make.booking(kitchen, day=day, start="10:00", end="12:00", status=Status.APPROVED)
    blocked = live(client, slot(kitchen, day, "12:15", "14:00")).get_data(as_text=True)
    assert "needs its set-up and clean-up time" in blocked
    assert "notice--ok" in live(client, slot(kitchen, day, "12:30", "14:00")).get_data(as_text=True)


def test_equipment_shortage_names_what_is_left_and_when(client, partner, make):
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    day = future_day(weekday=5)
    make.booking(sets, day=day, start="14:00", end="18:00", units=6, status=Status.APPROVED)
    html = live(client, slot(sets, day, "12:00", "18:00", units="6")).get_data(as_text=True)
    assert "Only 4 of Bierzeltgarnitur are available 14:00–18:00." in html


def test_partner_rules_notice_horizon_and_longest_booking(client, partner, make):
    room = make.resource("Lehrküche", capacity=10, max_hours=3)
    for day, start, end, message in [
        # tomorrow is less than 48 hours ahead whatever the time (on a Sunday, closed as well)
        (today() + timedelta(days=1), "10:00", "11:00", "48 hours' notice"),
        (future_day(weeks=30), "10:00", "11:00", "up to 180 days ahead"),
        (future_day(), "10:00", "14:00", "can be booked for 3 hours at a time"),
    ]:
        response = client.post("/requests/new", data={**slot(room, day, start, end), "purpose_id": "7", "title": "Kochen"}, headers=EN)
        assert response.status_code == 422, message
        assert message in unescape(response.get_data(as_text=True))
    assert count_rows(Booking) == 0


def test_a_partner_cannot_send_an_exception_reason(client, partner, rooms):
    data = {**slot(rooms["one"]), "purpose_id": "7", "title": "Kurs", "override_reason": "Ich darf das"}
    assert client.post("/requests/new", data=data).status_code == 403


def test_manager_makes_an_exception_only_with_a_reason(long_notice, client, manager, rooms, make):
    group = make.organisation("Chor der Kulturen")
    data = {**slot(rooms["one"]), "purpose_id": "7", "title": "Probe", "organisation_id": str(group.id)}
    refused = client.post("/requests/new", data=data, headers=EN)
    assert refused.status_code == 422
    html = unescape(refused.get_data(as_text=True))
    assert "720 hours' notice" in html and "please give a reason" in html
    assert count_rows(Booking) == 0

    accepted = client.post("/requests/new", data={**data, "override_reason": "Ersatz für die ausgefallene Probe"})
    assert accepted.status_code == 303
    booking = db.session.scalar(sa.select(Booking))
    assert (booking.organisation_id, booking.status, booking.override_reason) == (
        group.id, Status.PENDING, "Ersatz für die ausgefallene Probe")
    assert "Ersatz für die ausgefallene Probe" in client.get("/manage/queue").get_data(as_text=True)


def test_a_manager_cannot_override_a_clash(client, manager, rooms, make):
    group = make.organisation("Chor der Kulturen")
    make.booking(rooms["one"], status=Status.APPROVED)
    data = {**slot(rooms["one"], start="10:00", end="12:00"), "purpose_id": "7", "title": "Probe", "organisation_id": str(group.id),
            "override_reason": "Wichtig"}
    assert client.post("/requests/new", data=data).status_code == 409
    assert count_rows(Booking) == 1


def test_a_room_and_its_equipment_are_requested_and_decided_together(client, partner, rooms, make, auth):
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=1)
    data = {**slot(rooms["one"]), "purpose_id": "7", "title": "Fest", "attendees": "15",
            "extras-0-resource_id": str(sets.id), "extras-0-units": "6",
            "extras-1-resource_id": str(beamer.id), "extras-1-units": "1"}
    assert client.post("/requests/new", data=data).status_code == 303
    lead = db.session.scalar(sa.select(Booking).where(Booking.bundle_of_id.is_(None)))
    assert [(p.resource.name, p.units) for p in lead.parts] == [
        ("Seminarraum 1", 1), ("Bierzeltgarnitur", 6), ("Beamer", 1)]
    assert "Bierzeltgarnitur" in client.get("/requests/").get_data(as_text=True)

    # Someone else's approved booking takes the beamer: the whole request cannot be approved.
    make.booking(beamer, start="19:00", end="20:00", status=Status.APPROVED)
    auth.logout()
    auth.login(make.user(Role.MANAGER))
    queue = client.get("/manage/queue", headers=EN).get_data(as_text=True)
    assert queue.count('class="request-card ') == 1 and "+ <bdi>Bierzeltgarnitur</bdi> × 6" in queue
    refused = client.post(f"/manage/bookings/{lead.id}/approve", headers=HX)
    assert refused.status_code == 409
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 1  # only the other group's beamer


def test_equipment_rows_must_name_each_item_once(client, partner, rooms, make):
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    data = {**slot(rooms["one"]), "purpose_id": "7", "title": "Fest",
            "extras-0-resource_id": str(sets.id), "extras-1-resource_id": str(sets.id)}
    response = client.post("/requests/new", data=data, headers=EN)
    assert response.status_code == 422
    assert "each piece of equipment once" in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_a_garden_plot_is_requested_for_a_season(long_horizon, client, partner, make):
    plot = make.resource("Beet 3", kind=ResourceKind.PLOT)
    year = today().year + 1
    season = {"resource_id": str(plot.id), "date": date(year, 3, 1).isoformat(),
              "last_day": date(year, 10, 31).isoformat(), "purpose_id": "7", "title": "Schulgarten"}
    response = client.post("/requests/new", data=season, headers=EN)
    assert response.status_code == 303
    booking = db.session.scalar(sa.select(Booking))
    assert (local(booking.starts_at).date(), local(booking.ends_at).date()) == (date(year, 3, 1), date(year, 11, 1))
    assert local(booking.starts_at).hour == local(booking.ends_at).hour == 0


def test_one_group_per_plot_at_a_time(client, partner, make):
    plot = make.resource("Beet 3", kind=ResourceKind.PLOT)
    first = future_day(weeks=3)
    holder = Booking(resource=plot, organisation=make.organisation("Gartenfreunde"),
                     requested_by=make.user(Role.PARTNER), title="Saison", status=Status.APPROVED,
                     starts_at=at(first, "00:00"), ends_at=at(first + timedelta(days=30), "00:00"))
    db.session.add(holder)
    db.session.commit()
    query = {"resource_id": str(plot.id), "date": (first + timedelta(days=10)).isoformat(),
             "last_day": (first + timedelta(days=12)).isoformat()}
    html = live(client, query).get_data(as_text=True)
    assert "Beet 3 is already booked" in html
