"""'My requests' in pages of 25, with a count and page links; any page number leads somewhere sensible."""

from datetime import timedelta

import pytest

from booking.models import Role
from booking.requests.views import MINE_PAGE_SIZE
from tests.conftest import future_day


@pytest.fixture
def partner(make, auth):
    user = make.user(Role.PARTNER, name="Amal Haddad")
    auth.login(user)
    return user


@pytest.fixture
def thirty(make, partner):
    """Thirty requests of the group on thirty days, titled by their order in time."""
    room = make.resource("Seminarraum 1", capacity=20)
    first = future_day(weeks=2)
    for n in range(30):
        make.booking(room, partner.organisation, day=first + timedelta(days=n), title=f"Treffen Nr. {n + 1:02d}")
    return room


def titles(html: str) -> list[str]:
    return [f"Treffen Nr. {n:02d}" for n in range(1, 31) if f"Treffen Nr. {n:02d}" in html]


def test_the_first_page_shows_25_soonest_first_with_the_count_and_links(client, thirty):
    html = client.get("/requests/").get_data(as_text=True)
    assert MINE_PAGE_SIZE == 25
    assert titles(html) == [f"Treffen Nr. {n:02d}" for n in range(1, 26)]
    assert "30 Anfragen." in html and "Seite 1 von 2" in html
    assert 'href="/requests/?page=2"' in html and "Nächste Seite" in html
    assert "Vorherige Seite" not in html


def test_the_second_page_shows_the_rest(client, thirty):
    html = client.get("/requests/?page=2").get_data(as_text=True)
    assert titles(html) == [f"Treffen Nr. {n:02d}" for n in range(26, 31)]
    assert "Seite 2 von 2" in html and 'href="/requests/?page=1"' in html
    assert "Nächste Seite" not in html


@pytest.mark.parametrize("page, shown", [("0", 1), ("-4", 1), ("abc", 1), ("99", 2), ("2\x00", 1)])
def test_any_page_number_shows_the_nearest_page(client, thirty, page, shown):
    response = client.get("/requests/", query_string={"page": page})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Seite {shown} von 2" in html


def test_past_requests_page_keeps_to_the_past(client, make, partner):
    room = make.resource("Seminarraum 1", capacity=20)
    make.booking(room, partner.organisation, title="Kommt noch")
    html = client.get("/requests/?when=past&page=3").get_data(as_text=True)
    assert "Kommt noch" not in html and "pagination" not in html


def test_one_page_needs_no_page_links(client, make, partner):
    room = make.resource("Seminarraum 1", capacity=20)
    make.booking(room, partner.organisation, title="Einzeln")
    html = client.get("/requests/").get_data(as_text=True)
    assert "Eine Anfrage." in html and "Einzeln" in html
    assert 'class="pagination"' not in html
