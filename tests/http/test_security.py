"""Web security as an attacker or a forgetful user meets it: throttled logins, CSRF tokens,
response headers, session cookies and request size."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from booking.models import Booking, Role
from tests.conftest import PASSWORD, count_rows, future_day, without_tokens

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def fail_login(client, email: str):
    return client.post("/login", data={"email": email, "password": "nicht-das-passwort"})


# --- Login throttling ---------------------------------------------------------------------

def test_an_account_is_throttled_after_five_failures_even_for_the_right_password(client, make):
    user = make.user(Role.PARTNER, email="amal@example.org", language="en")
    for _ in range(5):
        assert fail_login(client, "amal@example.org").status_code == 422
    refused = client.post("/login", data={"email": "AMAL@example.org ", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many attempts to log in" in refused.text or "Zu viele" in refused.text
    assert 'value="AMAL@example.org ' in refused.text or 'value="AMAL@example.org"' in refused.text
    assert "/requests/" not in refused.headers.get("Location", "")
    # another account from the same address is not locked by this one
    other = make.user(Role.DESK)
    assert client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302
    assert user.active


def test_throttling_says_the_same_whether_or_not_the_account_exists(client, make):
    make.user(Role.PARTNER, email="amal@example.org")
    pages = {}
    for email in ("amal@example.org", "niemand@example.org"):
        for _ in range(5):
            fail_login(client, email)
        response = fail_login(client, email)
        assert response.status_code == 429
        pages[email] = without_tokens(response.text.replace(email, "EMAIL"))
    assert pages["amal@example.org"] == pages["niemand@example.org"]


def test_one_address_is_throttled_across_accounts(app, client, make):
    app.config["LOGIN_LIMIT_ADDRESS"] = "8 per 15 minutes"
    for n in range(8):
        assert fail_login(client, f"raten{n}@example.org").status_code == 422
    assert fail_login(client, "noch-einer@example.org").status_code == 429
    # the same address from another client is still refused; a different address is not
    other = app.test_client()
    assert fail_login(other, "wieder@example.org").status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert fail_login(elsewhere, "wieder@example.org").status_code == 422


def test_successful_logins_are_not_counted(client, make):
    user = make.user(Role.DESK)
    for _ in range(8):
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        client.post("/logout")


# Counts shared by the workers of a real server through Redis, and a Redis that cannot be
# reached: tests/concurrency/test_shared_login_counts.py and tests/http/test_login_throttle.py.


def dispose(*apps) -> None:
    """Close the extra apps' database connections (PostgreSQL counts them)."""
    from booking.extensions import db

    for app in apps:
        with app.app_context():
            db.engine.dispose()


# --- CSRF ---------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def log_in(client, user) -> None:
    """Through the login form, token and all."""
    token = TOKEN.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.fixture
def partner(make, client):
    user = make.user(Role.PARTNER, language="en")
    log_in(client, user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def request_data(room, token: str | None) -> dict:
    data = {"resource_id": room.id, "date": future_day().isoformat(), "start": "10:00", "end": "12:00",
            "attendees": 8, "purpose_id": "7", "title": "Elterncafé", "units": 1}
    if token is not None:
        data["csrf_token"] = token
    return data


def test_posts_without_a_valid_token_get_400_and_change_nothing(csrf_app, client, room, partner):
    page = client.get("/requests/new")
    token = TOKEN.search(page.text).group(1)
    for token_sent in (None, "forged", token[:-2] + "xx"):
        refused = client.post("/requests/new", data=request_data(room, token_sent))
        assert refused.status_code == 400
        assert "Nothing was saved" in refused.text
    assert count_rows(Booking) == 0
    accepted = client.post("/requests/new", data=request_data(room, token))
    assert accepted.status_code == 303
    assert count_rows(Booking) == 1


def test_htmx_posts_need_the_token_from_the_page_header_too(csrf_app, client, room, partner):
    page = client.get("/requests/new")
    header_token = HX_TOKEN.search(page.text).group(1)
    data = request_data(room, None)
    refused = client.post("/requests/new", data=data, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert refused.headers["HX-Refresh"] == "true"  # the page reloads with a fresh token
    assert count_rows(Booking) == 0
    ok = client.post("/requests/new", data=data, headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert ok.status_code in (200, 303)
    assert count_rows(Booking) == 1


def test_an_expired_form_leads_back_to_a_working_form(csrf_app, client, room, partner, app):
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    page = client.get("/requests/new")
    old_token = TOKEN.search(page.text).group(1)
    time.sleep(2.1)  # a long idle period, shortened
    refused = client.post("/requests/new", data=request_data(room, old_token),
                          headers={"Referer": "http://localhost/requests/new"})
    assert refused.status_code == 400
    assert "has expired" in refused.text
    back = re.search(r'<a class="button button--primary" href="([^"]+)">Back to the form', refused.text)
    assert back and back.group(1) == "/requests/new"
    fresh = client.get(back.group(1))
    new_token = TOKEN.search(fresh.text).group(1)
    assert client.post("/requests/new", data=request_data(room, new_token)).status_code == 303
    assert count_rows(Booking) == 1


def test_expired_htmx_request_reloads_the_page_with_a_message(csrf_app, client, room, partner, app):
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    page = client.get("/requests/new")
    header_token = HX_TOKEN.search(page.text).group(1)
    time.sleep(2.1)
    refused = client.post("/requests/new", data=request_data(room, None),
                          headers={"HX-Request": "true", "X-CSRFToken": header_token})
    assert refused.status_code == 400 and refused.headers["HX-Refresh"] == "true"
    reloaded = client.get("/requests/new")
    assert "has expired" in reloaded.text
    assert TOKEN.search(reloaded.text).group(1)


def test_the_back_link_never_leaves_the_site(csrf_app, client, room, partner):
    refused = client.post("/requests/new", data=request_data(room, None),
                          headers={"Referer": "https://evil.example/requests/new"})
    assert refused.status_code == 400
    assert "evil.example" not in refused.text


# --- Headers, cookies, size -----------------------------------------------------------------

def assert_secure_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def test_every_kind_of_response_carries_the_security_headers(csrf_app, client, make):
    responses = {"login page": client.get("/login"), "static file": client.get("/static/css/app.css"),
                 "redirect": client.get("/requests/"), "not found": client.get("/nirgendwo")}
    user = make.user(Role.PARTNER)
    log_in(client, user)
    responses["page"] = client.get("/requests/")
    responses["fragment"] = client.get("/board/", headers={"HX-Request": "true"})
    responses["forbidden"] = client.get("/manage/queue")
    responses["fragment error"] = client.get("/requests/999999", headers={"HX-Request": "true"})
    responses["csrf refused"] = client.post("/requests/new", data={})
    responses["too large"] = client.post("/requests/new", data={"note": "x" * (2 * 1024 * 1024)})
    assert responses["forbidden"].status_code == 403
    assert responses["csrf refused"].status_code == 400
    assert responses["too large"].status_code == 413
    for name, response in responses.items():
        response.close()
        try:
            assert_secure_headers(response)
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name}: {error!r}") from error


def test_htmx_may_not_evaluate_code_nor_run_scripts_nor_leave_the_site(client):
    page = client.get("/login").text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)
    import json

    settings = json.loads(config.group(1))
    assert settings["allowEval"] is False
    assert settings["allowScriptTags"] is False
    assert settings["selfRequestsOnly"] is True


def test_templates_have_no_inline_scripts_handlers_or_hx_on():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert "hx-on" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path


def test_login_gives_a_new_session_and_careful_cookies(app_config):
    from booking import create_app

    app_config["DEVELOPMENT"] = False
    app = create_app(app_config)
    client = app.test_client()
    with app.app_context():
        from booking.extensions import db
        from booking.models import User

        user = User(email="desk@example.org", name="Desk", role=Role.DESK)
        user.set_password(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
        db.session.add(user)
        db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"  # a session from before the login
    before = client.get_cookie("session", domain="localhost")
    response = client.post("/login", data={"email": "desk@example.org", "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    after = client.get_cookie("session", domain="localhost")
    assert before is not None and after is not None and after.value != before.value
    with client.session_transaction() as session:
        assert "planted" not in session
    dispose(app)


def test_an_unknown_address_costs_a_password_check_too(client, make, monkeypatch):
    """So that the time the answer takes does not tell whether the account exists."""
    import booking.auth
    import booking.models

    checks = []
    for module in (booking.auth, booking.models):
        real = module.check_password_hash
        monkeypatch.setattr(module, "check_password_hash",
                            lambda hashed, password, real=real: checks.append(hashed.split("$")[0]) or real(hashed, password))
    make.user(Role.PARTNER, email="amal@example.org")
    fail_login(client, "amal@example.org")
    fail_login(client, "niemand@example.org")
    assert len(checks) == 2 and checks[0] == checks[1]  # the same kind of hash, as slow
