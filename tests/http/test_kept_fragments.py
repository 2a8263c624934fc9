"""Live pages are rendered once per version of the house and kept: what is kept is exactly what a
new render would show, for whoever it was rendered for, and nothing of one browser's session."""

from __future__ import annotations

import re

import pytest

from booking.extensions import db
from booking.models import Role, Status
from tests.conftest import Auth, FreshRequestClient, future_day

HTMX = {"HX-Request": "true"}
DAY = future_day(weekday=2, weeks=3)
PAGES = [
    ("/board/", {"date": DAY.isoformat()}),
    ("/calendar/week", {"date": DAY.isoformat()}),
]


def get(client, url, query, htmx=False):
    db.session.rollback()
    return client.get(url, query_string=query, headers=HTMX if htmx else {})


@pytest.fixture
def house(make):
    room = make.resource("Musikraum")
    chor = make.organisation("Chor Plauen")
    kurs = make.organisation("Sprachkurs")
    booking = make.booking(room, chor, day=DAY, start="10:00", end="12:00", title="Probe Weihnachten",
                           status=Status.APPROVED)
    make.booking(room, kurs, day=DAY, start="14:00", end="16:00", title="Deutsch B1", status=Status.APPROVED)
    return {"room": room, "chor": chor, "kurs": kurs, "booking": booking}


@pytest.mark.parametrize("url, query", PAGES)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_change_shows_at_once_although_the_page_was_kept(client, auth, make, house, url, query, htmx):
    auth.login(make.user(Role.DESK))
    first = get(client, url, query, htmx)
    assert "Probe Weihnachten" in first.text
    again = get(client, url, query, htmx)
    assert again.text.count("Probe Weihnachten") == first.text.count("Probe Weihnachten")

    house["booking"].title = "Generalprobe"
    db.session.commit()

    changed = get(client, url, query, htmx)
    assert "Generalprobe" in changed.text
    assert "Probe Weihnachten" not in changed.text
    assert changed.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize("url, query", PAGES)
def test_each_group_gets_its_own_page_not_the_one_kept_for_another(client, auth, make, house, url, query):
    auth.login(make.user(Role.PARTNER, house["chor"]))
    seen_by_chor = get(client, url, query, htmx=True).text
    assert "Probe Weihnachten" in seen_by_chor and "Deutsch B1" not in seen_by_chor
    auth.logout()

    auth.login(make.user(Role.PARTNER, house["kurs"]))
    seen_by_kurs = get(client, url, query, htmx=True).text
    assert "Deutsch B1" in seen_by_kurs and "Probe Weihnachten" not in seen_by_kurs
    assert "Chor Plauen" not in seen_by_kurs
    auth.logout()

    auth.login(make.user(Role.DESK))
    seen_by_desk = get(client, url, query, htmx=True).text
    assert "Deutsch B1" in seen_by_desk and "Probe Weihnachten" in seen_by_desk


@pytest.mark.parametrize("url, query", PAGES)
def test_a_kept_page_holds_no_form_token_of_another_browser(app, make, house, url, query):
    desk = make.user(Role.DESK)
    tokens = []
    for _ in range(2):
        client = FreshRequestClient(app, app.response_class, use_cookies=True)
        Auth(client).login(desk)
        page = get(client, url, query).text
        found = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page))
        found |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', page))
        assert found, "the page carries its browser's form token"
        tokens.append(found)
    assert not tokens[0] & tokens[1]  # the second browser got its own tokens, not the kept ones


def test_a_change_of_language_is_a_page_of_its_own(client, auth, make, house):
    auth.login(make.user(Role.DESK, language="de"))
    german = get(client, "/board/", {"date": DAY.isoformat()}, htmx=True).text
    assert "Belegung" in german
    db.session.rollback()
    client.post("/language", data={"language": "en"})
    english = get(client, "/board/", {"date": DAY.isoformat()}, htmx=True).text
    assert "Occupancy" in english and "Belegung" not in english



@pytest.mark.parametrize("url, query", [*PAGES, ("/calendar/month", {"month": DAY.strftime("%Y-%m")})])
def test_the_calendar_answers_304_until_the_house_changes(client, auth, make, house, url, query):
    auth.login(make.user(Role.DESK))
    tag = get(client, url, query, htmx=True).headers["ETag"]
    db.session.rollback()
    unchanged = client.get(url, query_string=query, headers={**HTMX, "If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.data == b""

    make.booking(house["room"], house["kurs"], day=DAY, start="17:00", end="18:00", title="Elternabend",
                 status=Status.APPROVED)
    db.session.rollback()
    changed = client.get(url, query_string=query, headers={**HTMX, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
