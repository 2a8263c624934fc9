"""Control characters in typed text: refused at the field, on every form, on both databases.

A NUL byte in a title gave 500 on PostgreSQL (which refuses it in text) and was stored on SQLite.
Every text field of every form now refuses control characters other than tab and line breaks
with a message at the field (422, the form back with what was typed). The forms come from the
application's own routes: each POST route whose page has a form is sent with every text field
holding a control character. Query strings with control characters never give 500 either.
"""

from __future__ import annotations

import inspect
import re
from urllib.parse import quote

import html5lib
import pytest
import wtforms

import booking
from booking.forms import CONTROL_CHARACTERS, Form, SubForm
from booking.models import Booking
from tests.conftest import count_rows
from tests.http.test_xss import fill, routes
from tests.poison import build_world

CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f"]
ALLOWED = "Zeile eins\r\nZeile\tzwei"
TEXT_INPUTS = {"text", "email", "tel", "password", "search", "url", None}
MESSAGE = {"de": "unsichtbare Steuerzeichen", "en": "invisible control characters"}
# Who sends each form (a partner the group's own; the house's pages the administrator).
PARTNER_ROUTES = {"/requests/new", "/requests/series/<int:series_id>/change", "/requests/<int:booking_id>/withdraw"}
QUERY_NAMES = ("date", "page", "size", "when", "next", "resource_id", "start", "end", "attendees", "units",
               "last_day", "extras-0-resource_id", "extras-0-units", "organisation_id", "title", "note")


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_form_of_the_house_refuses_control_characters(app):
    """Every form class in the package derives from the bases that add the check."""
    ours = [c for c in all_subclasses(wtforms.Form) if c.__module__.startswith("booking.")]
    assert len(ours) > 10
    for form_class in ours:
        assert issubclass(form_class, (Form, SubForm)), (
            f"{form_class.__module__}.{form_class.__name__} derives from neither booking.forms.Form nor SubForm")


def test_which_characters_are_refused():
    for char in CONTROL:
        assert CONTROL_CHARACTERS.search(f"a{char}b"), repr(char)
    assert not CONTROL_CHARACTERS.search(ALLOWED + "ÄÖÜ ß أهلاً שלום\u200c\u200d 👩‍👩‍👧")


def text_fields(html: str, action: str) -> tuple[dict[str, str], list[str], list[str]]:
    """The form posting to `action`: its fields' values as the page gave them, the names of the
    fields people type text into, and which of those show what was typed (not the passwords)."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    values, typed, echoed = {}, [], []
    for form in tree.iter("form"):
        if (form.get("action") or action).split("?")[0] != action or form.get("method", "get").lower() != "post":
            continue
        for element in form.iter():
            name = element.get("name")
            if not name or name == "csrf_token":
                continue
            kind = element.get("type")
            if element.tag == "textarea" or (element.tag == "input" and kind in TEXT_INPUTS):
                typed.append(name)
                if kind != "password":
                    echoed.append(name)
            elif element.tag == "input" and kind in ("checkbox", "radio"):
                if element.get("checked") is not None:
                    values.setdefault(name, element.get("value", "on"))
            elif element.tag == "input" and kind != "submit":
                values[name] = element.get("value", "")
            elif element.tag == "select":
                chosen = [o for o in element.iter("option") if o.get("selected") is not None] or \
                         [o for o in element.iter("option") if o.get("value")]
                if chosen:
                    values[name] = chosen[0].get("value", "")
    return values, typed, echoed


def post_routes(app) -> list[str]:
    return sorted(rule for method, rule in routes(app) if method == "POST")


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x85"], ids=["NUL", "ESC", "NEL"])
def test_every_text_field_of_every_form_refuses_control_characters(app, client, auth, make, char):
    world = build_world(make)
    walked = []
    for rule in post_routes(app):
        if rule in ("/login", "/password/forgot", "/password/<token>"):
            continue  # before logging in: test_the_forms_before_logging_in
        role = "partner" if rule in PARTNER_ROUTES else "admin"
        auth.login(world["users"][role])
        for url in fill(rule, world["values"])[:1]:
            page = client.get(url)
            if page.status_code != 200:
                continue  # a button or a form on another page (approve, withdraw): no text typed
            values, typed, echoed = text_fields(page.get_data(as_text=True), url)
            if not typed:
                continue
            walked.append(rule)
            before = count_rows(Booking)
            data = {**values, **{name: f"Text{char}{name}" for name in typed}}
            response = client.post(url, data=data)
            html = response.get_data(as_text=True)
            assert response.status_code == 422, f"POST {url} with {char!r}: HTTP {response.status_code}"
            errors = re.findall(r'<p class="field-error" id="([^"]+)-error">([^<]*)', html)
            refused = {name for name, message in errors if MESSAGE["de"] in message}
            ids = {name.replace("-", "-") for name in typed}
            assert ids <= refused, f"POST {url}: no message at {sorted(ids - refused)}"
            for name in echoed:
                assert f"Text{char}{name}" in html, f"POST {url}: {name} does not come back as typed"
            assert count_rows(Booking) == before
        client.post("/logout")
    assert {"/requests/new", "/manage/resources/new", "/manage/organisations/new", "/manage/users/new",
            "/manage/closures/new", "/account/password"} <= set(walked), walked


@pytest.mark.parametrize("char", ["\x00", "\x1b"], ids=["NUL", "ESC"])
def test_the_forms_before_logging_in(client, make, char):
    world = build_world(make)
    token = world["values"]["token"][0]
    for url, data in [
        ("/login", {"email": f"a{char}@example.org", "password": f"pass{char}word"}),
        ("/password/forgot", {"email": f"a{char}@example.org"}),
        (f"/password/{token}", {"password": f"neues{char}passwort-lang", "confirm": f"neues{char}passwort-lang"}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 422, f"POST {url}: HTTP {response.status_code}"
        assert MESSAGE["de"] in response.get_data(as_text=True), f"POST {url}: no message"


def test_the_message_speaks_the_readers_language(client, auth, make):
    world = build_world(make)
    auth.login(world["users"]["partner"])
    client.post("/language", data={"language": "en"})
    response = client.post("/requests/new", data={"title": "Kurs\x00"})
    assert response.status_code == 422
    assert MESSAGE["en"] in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_text(client, auth, make):
    """The counterpart: a note with line breaks and tabs is saved as typed."""
    world = build_world(make)
    auth.login(world["users"]["partner"])
    day = world["day"] + __import__("datetime").timedelta(days=2)
    response = client.post("/requests/new", data={
        "resource_id": str(world["room"]), "date": day.isoformat(), "start": "10:00", "end": "11:00",
        "attendees": "5", "purpose_id": "7", "title": "Kurs\tA", "note": ALLOWED})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    assert count_rows(Booking, Booking.note == ALLOWED.replace("\r\n", "\n")) + \
        count_rows(Booking, Booking.note == ALLOWED) == 1


@pytest.mark.parametrize("role", ["anonymous", "partner", "desk", "admin"])
def test_control_characters_in_query_strings_never_give_500(app, client, auth, make, role):
    world = build_world(make)
    if role != "anonymous":
        auth.login(world["users"][role])
    query = "&".join(f"{name}={quote(chr(0) + 'x' + chr(27))}" for name in QUERY_NAMES)
    for method, rule in sorted(routes(app)):
        if method != "GET" or rule.startswith("/static"):
            continue
        for url in fill(rule, world["values"])[:1]:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(f"{url}?{query}", headers=headers)
                assert response.status_code < 500, f"GET {url}?… as {role}: HTTP {response.status_code}"
        response = client.get(rule.split("<")[0] + quote("\x00"))
        assert response.status_code < 500


def test_the_check_is_the_first_of_each_text_field(app):
    """Before a field's own checks, so no other message (or a database query) comes first."""
    from booking.auth import LoginForm

    with app.test_request_context(method="POST", data={"email": "\x00", "password": "x"}):
        form = LoginForm()
        assert not form.validate()
        assert len(form.email.errors) == 1 and MESSAGE["de"] in str(form.email.errors[0])
    assert inspect.isfunction(booking.forms.no_control_characters)
