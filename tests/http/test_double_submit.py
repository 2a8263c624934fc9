"""A form sent twice makes one thing (issue 9, point 4). Every create form carries a one-time
key, made when the form is shown; a second post of the same key stores nothing and answers
with the first post's redirect. Keys belong to the person who got the form: someone else's
key creates their own row and shows them nothing of the other's.

The same posts sent at the same instant through a real server: tests/concurrency/test_same_form_at_once.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest

from booking.models import Booking, Closure, Organisation, Resource, Role, Series, User
from booking.sessions.models import Submission
from tests.conftest import PASSWORD, count_rows, future_day

KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


def key_in(html: str) -> str:
    found = KEY.search(html)
    assert found, "the form carries no submission key"
    return found.group(1)


@dataclass
class CreateForm:
    """One create form: where it is shown, what it sends, who may send it, what it stores."""

    name: str
    page: str
    role: Role
    data: Callable  # (world) -> dict
    model: type
    post_to: str | None = None  # defaults to the page


def request_data(world) -> dict:
    return {"resource_id": str(world["room"].id), "date": future_day().isoformat(), "start": "18:00",
            "end": "20:00", "purpose_id": "7", "title": "Deutschkurs A2", "attendees": "12", "units": "1"}


def manager_request_data(world) -> dict:
    return {**request_data(world), "organisation_id": str(world["group"].id)}


def series_data(world) -> dict:
    first = future_day(weekday=1, weeks=3)
    return {**request_data(world), "date": first.isoformat(), "repeat": "weekly", "every": "1",
            "weekdays": ["1"], "repeat_count": "3", "send": "1",
            "dates": [(first + timedelta(weeks=n)).isoformat() for n in range(3)]}


FORMS = [
    CreateForm("request", "/requests/new", Role.PARTNER, request_data, Booking),
    CreateForm("request by the house", "/requests/new", Role.MANAGER, manager_request_data, Booking),
    CreateForm("series", "/requests/new", Role.PARTNER, series_data, Series),
    CreateForm("resource", "/manage/resources/new", Role.MANAGER,
               lambda w: {"name": "Kleiner Saal", "kind": "room", "capacity": "30"}, Resource),
    CreateForm("organisation", "/manage/organisations/new", Role.MANAGER,
               lambda w: {"name": "Chor Plauen", "kind": "association", "contact_name": "Erika Muster",
                          "email": "chor@example.org", "phone": "03741 12345"}, Organisation),
    CreateForm("account", "/manage/users/new", Role.MANAGER,
               lambda w: {"email": "neu@example.org", "name": "Neue Person", "role": "partner",
                          "organisation_id": str(w["group"].id), "language": "de"}, User),
    CreateForm("closure", "/manage/closures/new", Role.MANAGER,
               lambda w: {"resource_id": "", "first_day": future_day().isoformat(), "reason": "Putztag"}, Closure),
]


@pytest.fixture
def world(make):
    group = make.organisation("Deutsch für alle e.V.")
    return {"group": group, "room": make.resource("Seminarraum 1", capacity=20)}


def log_in(client, user) -> None:
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def person(make, world, role: Role) -> User:
    return make.user(role, organisation=world["group"] if role == Role.PARTNER else None)


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_the_same_form_sent_twice_stores_one_row_and_both_answers_lead_to_it(client, make, world, form):
    log_in(client, person(make, world, form.role))
    key = key_in(client.get(form.page).text)
    before = count_rows(form.model)
    data = {**form.data(world), "submission_key": key}
    first = client.post(form.post_to or form.page, data=data)
    second = client.post(form.post_to or form.page, data=data)
    assert first.status_code == 303, first.text
    assert count_rows(form.model) == before + 1
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert client.get(second.headers["Location"]).status_code == 200
    # a fresh form has a fresh key and makes a second row, as asked
    fresh = key_in(client.get(form.page).text)
    assert fresh != key


def test_a_refused_post_does_not_use_up_its_key(client, make, world):
    log_in(client, person(make, world, Role.MANAGER))
    key = key_in(client.get("/manage/resources/new").text)
    refused = client.post("/manage/resources/new", data={"name": "", "kind": "room", "submission_key": key})
    assert refused.status_code == 422
    assert key_in(refused.text) == key  # the form comes back with its key
    done = client.post("/manage/resources/new", data={"name": "Saal", "kind": "room", "submission_key": key})
    assert done.status_code == 303 and count_rows(Resource) == 2


def test_the_series_preview_keeps_the_key_until_it_is_sent(client, make, world):
    log_in(client, person(make, world, Role.PARTNER))
    key = key_in(client.get("/requests/new").text)
    data = {k: v for k, v in series_data(world).items() if k not in ("send", "dates")}
    preview = client.post("/requests/new", data={**data, "submission_key": key})
    assert preview.status_code == 200 and key_in(preview.text) == key
    assert count_rows(Series) == 0


def test_another_persons_key_does_not_show_their_request(app, client, make, world):
    amal = make.user(Role.PARTNER, organisation=world["group"])
    log_in(client, amal)
    key = key_in(client.get("/requests/new").text)
    client.post("/requests/new", data={**request_data(world), "submission_key": key})
    theirs = count_rows(Booking)
    other = app.test_client()
    log_in(other, make.user(Role.PARTNER))  # another group, with the key it has seen
    answer = other.post("/requests/new", data={**request_data(world), "title": "Chorprobe", "submission_key": key})
    assert answer.status_code == 303
    assert count_rows(Booking) == theirs + 1  # their own request, not Amal's
    page = other.get(answer.headers["Location"]).text
    assert "Chorprobe" in page and "Deutschkurs A2" not in page


def test_a_key_is_kept_per_person(client, make, world):
    log_in(client, person(make, world, Role.MANAGER))
    key = key_in(client.get("/manage/organisations/new").text)
    client.post("/manage/organisations/new", data={"name": "Chor", "kind": "association", "submission_key": key})
    assert count_rows(Submission, Submission.key == key) == 1


@pytest.mark.parametrize("key", ["x" * 65, "<script>", "a b c d e f g h i j", "ä" * 20])
def test_a_malformed_key_is_refused_without_saving(client, make, world, key):
    log_in(client, person(make, world, Role.MANAGER))
    response = client.post("/manage/organisations/new",
                           data={"name": "Chor", "kind": "association", "submission_key": key})
    assert response.status_code == 400
    assert count_rows(Organisation) == 1


def test_old_keys_are_cleared_away(client, make, world):
    from datetime import timedelta

    from booking.clock import now
    from booking.extensions import db

    manager = person(make, world, Role.MANAGER)
    db.session.add(Submission(user_id=manager.id, key="k" * 22, location="/manage/resources/",
                              created_at=now() - timedelta(days=3)))
    db.session.commit()
    log_in(client, manager)
    key = key_in(client.get("/manage/organisations/new").text)
    client.post("/manage/organisations/new", data={"name": "Chor", "kind": "association", "submission_key": key})
    assert count_rows(Submission, Submission.user_id == manager.id) == 1
