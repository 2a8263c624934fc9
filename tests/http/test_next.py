"""The way back after logging in, and after switching the language, never leaves the site.

`next` comes from the address bar, so anyone can put anything in a link to the login page.
Whatever it holds (another host written the many ways a browser still reads as a host, a
script URL, the same percent-encoded or behind whitespace), the redirect's Location, read as a
browser reads it, is a page of this site: relative, or on localhost. A `next` that is a page
of the site is followed, so these tests fail if it were simply ignored.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest

from booking.models import Role
from tests.conftest import PASSWORD

SITE = "http://localhost/"
OFF_SITE = ["//evil.example", "/\\evil.example", "https:evil.example", "///evil.example", "javascript:alert(1)"]


def variants(target: str) -> list[str]:
    """The target as typed, percent-encoded (whole or in part) and behind whitespace."""
    encoded = quote(target, safe="")
    partly = target[:1] + quote(target[1:], safe="")  # a leading "/" kept, the rest encoded
    return [
        target, encoded, partly, quote(encoded, safe=""),
        *(space + target for space in (" ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x00", " \t ")),
        "%20" + target, "%09" + target, "%0A" + target, "%00" + target,
    ]


TARGETS = sorted({v for target in OFF_SITE for v in variants(target)} | {
    "https://evil.example/", "http://evil.example", "\\\\evil.example", "\\/evil.example", "/\t/evil.example",
    "/\n/evil.example", "/%09/evil.example", "java\tscript:alert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "https://localhost@evil.example/", "//localhost@evil.example",
})
ON_SITE = "/board/?date=2030-03-05"


def lands_on_this_site(location: str) -> bool:
    """Read Location as a browser does, then ask whether it is this site.

    Browsers drop leading and trailing whitespace and control characters, remove tabs and line
    breaks anywhere, and take a backslash for a slash; a relative Location is resolved against
    the page it came from.
    """
    read = location.strip("".join(map(chr, range(0x21))))
    read = re.sub(r"[\t\n\r]", "", read).replace("\\", "/")
    parts = urlsplit(urljoin(SITE, read))
    return parts.scheme in ("http", "https") and parts.hostname == "localhost" and parts.username is None


def assert_on_this_site(response, what: str) -> str:
    assert response.status_code in (302, 303), f"{what}: HTTP {response.status_code}"
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert (not parts.scheme and not parts.netloc) or parts.hostname == "localhost", f"{what} → {location!r}"
    assert lands_on_this_site(location), f"{what} → {location!r}, which a browser reads as another site"
    return location


@pytest.fixture
def user(make):
    return make.user(Role.MANAGER, email="maria@example.org")


def test_the_check_itself_tells_other_sites_from_this_one():
    assert not any(lands_on_this_site(t) for t in ("//evil.example", "/\\evil.example", " //evil.example",
                                                   "/\t/evil.example", "https:evil.example",
                                                   "javascript:alert(1)", "https://localhost@evil.example"))
    assert all(lands_on_this_site(t) for t in ("/manage/queue", ON_SITE, "http://localhost/board/",
                                               "/%2F%2Fevil.example"))


@pytest.mark.parametrize("target", TARGETS, ids=repr)
def test_logging_in_with_next_stays_on_this_site(client, user, target):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert_on_this_site(response, f"POST /login next={target!r}")


@pytest.mark.parametrize("target", TARGETS, ids=repr)
def test_the_login_page_when_logged_in_stays_on_this_site(client, user, target):
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = client.get("/login", query_string={"next": target})
    assert_on_this_site(response, f"GET /login?next={target!r}, logged in")


@pytest.mark.parametrize("target", TARGETS, ids=repr)
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
def test_the_language_switch_stays_on_this_site(client, user, target, logged_in):
    if logged_in:
        client.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.post("/language", data={"language": "en", "next": target})
    assert_on_this_site(response, f"POST /language next={target!r}")


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
def test_next_in_the_address_bar_travels_through_the_form_and_still_stays(client, user, target):
    """The login page keeps `next` in the form; sending the form back as it was given stays here."""
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    field = re.search(r'<input[^>]*\bid="next"[^>]*>', page)
    assert field is not None, "the login form does not keep next"
    carried = unescape(re.search(r'\bvalue="([^"]*)"', field.group(0)).group(1))
    assert carried == target
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": carried})
    assert_on_this_site(response, f"POST /login with the form's next={carried!r}")


def test_a_percent_encoded_path_of_this_site_is_not_decoded_into_another(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "/%2F%2Fevil.example"})
    location = assert_on_this_site(response, "next=/%2F%2Fevil.example")
    assert not location.startswith("//")


def test_next_to_a_page_of_this_site_is_followed_everywhere(client, user):
    """The counterpart: the same three places do follow a `next` on this site."""
    assert client.post("/language", data={"language": "en", "next": ON_SITE}).headers["Location"] == ON_SITE
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": ON_SITE})
    assert response.headers["Location"] == ON_SITE
    assert client.get("/login", query_string={"next": ON_SITE}).headers["Location"] == ON_SITE
    assert client.post("/language", data={"language": "de", "next": ON_SITE}).headers["Location"] == ON_SITE


def test_an_off_site_next_leads_to_the_users_start_page(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "//evil.example"})
    assert response.headers["Location"] == "/manage/queue"
    assert client.get("/login?next=//evil.example").headers["Location"] == "/manage/queue"
    assert client.post("/language", data={"language": "en", "next": "//evil.example"}).headers["Location"] == "/"


@pytest.mark.parametrize("current", ["http://localhost//evil.example", "http://evil.example/board/",
                                     "http://localhost/\\evil.example"])
def test_htmx_sent_to_login_carries_no_way_off_the_site(client, user, current):
    """A logged-out htmx request is sent to the login page with the page it came from as `next`."""
    response = client.get("/board/", headers={"HX-Request": "true", "HX-Current-URL": current})
    assert response.status_code == 401
    redirect_to = response.headers["HX-Redirect"]
    assert lands_on_this_site(redirect_to)
    back = parse_qs(urlsplit(redirect_to).query).get("next", [""])[0]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": back})
    assert_on_this_site(response, f"login after htmx from {current!r}")
