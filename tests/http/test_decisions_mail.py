"""The group reads a counter-offer and a changed booking in its mail, in each member's language."""

from __future__ import annotations

import pytest

from booking.models import Role, Status
from tests.conftest import future_day
from tests.mailserver import Handler, mailserver  # noqa: F401 (a fixture)

PUBLIC = "https://treffpunkt.example.org"


@pytest.fixture
def app_config(app_config):
    app_config["PUBLIC_URL"] = PUBLIC
    return app_config


@pytest.fixture
def house(make):
    group = make.organisation("Deutsch für alle e.V.", email="kontakt@dfa.example")
    return {
        "group": group,
        "leitung": make.user(Role.MANAGER, name="Petra Leitung", email="leitung@example.org", language="de"),
        "amal": make.user(Role.PARTNER, group, name="Amal Haddad", email="amal@example.org", language="de"),
        "erin": make.user(Role.PARTNER, group, name="Erin Moss", email="erin@example.org", language="en"),
        "room": make.resource("Seminarraum 1", capacity=20, location="1. OG"),
        "saal": make.resource("Saal", capacity=80),
    }


def slot(resource, start="14:00", end="16:00", **more):
    return {"resource_id": str(resource.id), "date": future_day().isoformat(), "start": start, "end": end, **more}


def test_a_counter_offer_tells_every_member_what_and_until_when(client, auth, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"], title="Deutschkurs A2")
    auth.login(house["leitung"])
    response = client.post(f"/manage/bookings/{booking.id}/offer",
                           data=slot(house["saal"], message="Der Seminarraum ist belegt."))
    assert response.status_code == 303
    german, english = mailserver.only("amal@example.org"), mailserver.only("erin@example.org")
    assert german.subject.startswith("Ein anderer Termin für Sie: Saal, ")
    assert english.subject.startswith("Another time for you: Saal, ")
    assert "14:00–16:00" in english.body and "Der Seminarraum ist belegt." in english.body
    assert "Please accept or decline by" in english.body and "“My requests”" in english.body
    assert "„Meine Anfragen“" in german.body
    assert f"{PUBLIC}/requests/{booking.id}" in english.body


def test_a_changed_booking_tells_the_group_the_new_slot(client, auth, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"], status=Status.APPROVED)
    auth.login(house["leitung"])
    assert client.post(f"/manage/bookings/{booking.id}/change", data=slot(house["saal"])).status_code == 303
    english = mailserver.only("erin@example.org")
    assert english.subject.startswith("Booking changed: Saal, ")
    assert "The house changed your booking. It is now:" in english.body and "14:00–16:00" in english.body
    assert mailserver.only("amal@example.org").subject.startswith("Buchung geändert: Saal, ")
