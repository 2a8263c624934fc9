"""A double click, as the server sees it (issue 9, point 4): the same create form, with the same
one-time key, posted several times at the same instant to different workers and threads.
One row is stored; every answer is the same redirect to it; nothing answers 5xx."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from booking.models import Booking, Resource, Role
from tests.concurrency.conftest import Visitor, release_database
from tests.conftest import count_rows, future_day

pytestmark = pytest.mark.server

COPIES = 6
KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


def same_form_at_once(visitor: Visitor, page: str, form: dict) -> list:
    """Open the form (its key and CSRF token), then post it COPIES times at the same instant."""
    shown = visitor.open("GET", page)
    assert shown.status == 200
    data = {**form, "submission_key": KEY.search(shown.text).group(1), "csrf_token": visitor.csrf_token}
    release_database()
    return visitor.server.fire([("POST", page, data, visitor.cookie_header)] * COPIES)


def assert_one_answer(server, responses) -> str:
    statuses = Counter(r.status for r in responses)
    assert statuses == {303: COPIES}, statuses
    locations = {r.headers["Location"] for r in responses}
    assert len(locations) == 1, locations
    server.assert_no_errors()
    return locations.pop()


def test_a_request_sent_six_times_at_once_is_stored_once(server, make):
    room_id = make.resource("Seminarraum 1", capacity=20).id
    email = make.user(Role.PARTNER, name="Amal Haddad").email
    release_database()
    partner = Visitor(server)
    partner.login(email)
    responses = same_form_at_once(partner, "/requests/new", {
        "resource_id": str(room_id), "date": future_day().isoformat(), "start": "18:00", "end": "20:00",
        "purpose_id": "7", "title": "Deutschkurs A2", "attendees": "12", "units": "1"})
    location = assert_one_answer(server, responses)
    assert count_rows(Booking) == 1
    assert location.endswith("/requests/")
    page = partner.open("GET", location)
    assert page.status == 200 and page.text.count("Deutschkurs A2") == 1


def test_a_resource_added_six_times_at_once_is_stored_once(server, manager):
    responses = same_form_at_once(manager, "/manage/resources/new",
                                  {"name": "Kleiner Saal", "kind": "room", "capacity": "30"})
    assert_one_answer(server, responses)  # the same redirect for all, none "the name is taken"
    assert count_rows(Resource, Resource.name == "Kleiner Saal") == 1
