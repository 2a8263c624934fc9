"""What a booking is for: chosen on the request form, kept by the manager, translated when built in."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, ChangeRecord, Role, Series
from booking.reports.models import Purpose
from tests.conftest import count_rows, future_day
from tests.http.test_request_series import course
from tests.http.test_requests import request_data

EN = {"Accept-Language": "en"}


def purpose(key: str) -> Purpose:
    return db.session.scalar(sa.select(Purpose).where(Purpose.key == key))


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


@pytest.fixture
def partner(make, auth):
    user = make.user(Role.PARTNER)
    auth.login(user)
    return user


def options(page: str) -> str:
    return page.split('name="purpose_id"', 1)[1].split("</select>", 1)[0]


def test_the_seven_purposes_are_offered_in_the_readers_language(client, partner):
    german = options(client.get("/requests/new", headers={"Accept-Language": "de"}).get_data(as_text=True))
    english = options(client.get("/requests/new", headers=EN).get_data(as_text=True))
    for word in ("Deutschkurs", "Beratung", "Kultur", "Treffen", "Garten", "Feier", "Sonstiges"):
        assert f">{word}</option>" in german
    assert ">German course</option>" in english and ">Other</option>" in english
    assert english.index("German course") < english.index("Celebration") < english.index("Other")


def test_a_request_keeps_its_purpose(client, partner, room):
    chosen = purpose("german_course")
    assert client.post("/requests/new", data=request_data(room, purpose_id=str(chosen.id))).status_code == 303
    assert db.session.scalars(sa.select(Booking.purpose_id)).all() == [chosen.id]
    booking_id = db.session.scalar(sa.select(Booking.id))
    assert "<dd>German course</dd>" in client.get(f"/requests/{booking_id}", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize("value, message", [("", "Please choose what it is for."),
                                            ("999", "Please choose what it is for from the list."),
                                            ("x", "Please choose what it is for from the list.")])
def test_a_request_without_a_purpose_from_the_list_is_refused(client, partner, room, value, message):
    response = client.post("/requests/new", data=request_data(room, purpose_id=value), headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'value="Deutschkurs A2"' in page
    assert count_rows(Booking) == 0


def test_every_date_of_a_series_keeps_its_purpose(client, partner, room):
    chosen = purpose("german_course")
    first = future_day(weekday=1, weeks=3)
    preview = client.post("/requests/new", data=course(room, first, purpose_id=str(chosen.id)))
    dates = [(first + timedelta(days=d)).isoformat() for d in (0, 2)]
    assert preview.status_code == 200
    sent = client.post("/requests/new", data=course(room, first, purpose_id=str(chosen.id), send="1", dates=dates))
    assert sent.status_code == 303 and count_rows(Series) == 1
    assert set(db.session.scalars(sa.select(Booking.purpose_id)).all()) == {chosen.id}


def test_a_manager_requesting_for_a_group_chooses_the_purpose_too(client, auth, make, room):
    group = make.organisation("Chor")
    auth.login(make.user(Role.MANAGER))
    data = request_data(room, organisation_id=str(group.id))
    del data["purpose_id"]
    assert client.post("/requests/new", data=data).status_code == 422
    assert client.post("/requests/new", data={**data, "purpose_id": str(purpose("culture").id)}).status_code == 303
    assert db.session.scalars(sa.select(Booking.purpose_id)).all() == [purpose("culture").id]


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER)
    auth.login(user)
    return user


def test_the_manager_adds_a_purpose_that_groups_see_as_typed(client, auth, make, manager):
    response = client.post("/reports/purposes", data={"new-name": "Elterncafé"})
    assert response.status_code == 303
    added = db.session.scalar(sa.select(Purpose).where(Purpose.name == "Elterncafé"))
    assert added.key is None and added.active
    record = db.session.scalar(sa.select(ChangeRecord).where(ChangeRecord.subject == "purpose"))
    assert (record.action, record.label, record.actor_id) == ("created", "Elterncafé", manager.id)
    auth.logout()
    auth.login(make.user(Role.PARTNER))
    english = options(client.get("/requests/new", headers=EN).get_data(as_text=True))
    assert ">Elterncafé</option>" in english
    assert english.index("Elterncafé") < english.index(">Other<")  # "Other" stays last


@pytest.mark.parametrize("name, status, message", [("", 422, "Please enter a name."),
                                                   ("x" * 81, 422, "At most 80 characters, please."),
                                                   ("German Course", 409, "There is already a purpose with this name.")])
def test_a_name_that_cannot_be_taken_is_refused_with_the_form_back(client, manager, name, status, message):
    before = count_rows(Purpose)
    response = client.post("/reports/purposes", data={"new-name": name}, headers=EN)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page and f'value="{name}"' in page
    assert count_rows(Purpose) == before


def test_a_built_in_purpose_renamed_is_shown_as_typed(client, auth, make, manager):
    other = purpose("other")
    assert client.post(f"/reports/purposes/{other.id}",
                       data={f"p{other.id}-name": "Sonstiges im Haus", f"p{other.id}-active": "y"}).status_code == 303
    changes = json.loads(db.session.scalars(sa.select(ChangeRecord.changes).where(ChangeRecord.subject == "purpose")).one())
    assert changes == [{"field": "name", "old": "Other", "new": "Sonstiges im Haus"}]
    english = options(client.get("/requests/new", headers=EN).get_data(as_text=True))
    assert ">Sonstiges im Haus</option>" in english and ">Other</option>" not in english


def test_a_purpose_taken_off_the_form_is_no_longer_offered_or_taken(client, auth, make, manager, room):
    garden = purpose("garden")
    assert client.post(f"/reports/purposes/{garden.id}", data={f"p{garden.id}-name": "Garden"}).status_code == 303
    db.session.expire_all()
    assert not purpose("garden").active
    page = client.get("/reports/purposes", headers=EN).get_data(as_text=True)
    assert "Garden" in page  # still listed for the manager, to put it back
    auth.logout()
    auth.login(make.user(Role.PARTNER))
    assert ">Garden</option>" not in options(client.get("/requests/new", headers=EN).get_data(as_text=True))
    response = client.post("/requests/new", data=request_data(room, purpose_id=str(garden.id)))
    assert response.status_code == 422 and count_rows(Booking) == 0


def test_renaming_to_another_purposes_name_is_refused(client, manager):
    meeting = purpose("meeting")
    response = client.post(f"/reports/purposes/{meeting.id}", data={f"p{meeting.id}-name": "culture"}, headers=EN)
    assert response.status_code == 409
    assert "There is already a purpose with this name." in response.get_data(as_text=True)
    db.session.expire_all()
    assert purpose("meeting").name == "Meeting" and purpose("meeting").active


def test_an_unknown_purpose_is_not_found(client, manager):
    assert client.post("/reports/purposes/999", data={"p999-name": "x"}).status_code == 404
