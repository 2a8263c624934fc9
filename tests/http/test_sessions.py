"""Logging out ends the session on the server (issue 9, point 5): a cookie saved before
logging out, sent again afterwards, is anonymous. "Log out everywhere" on the password page
ends every session of the account, the one that pressed it included."""

from __future__ import annotations

import pytest

from booking.extensions import db
from booking.models import Role
from booking.sessions.models import LoginSession
from tests.conftest import PASSWORD, count_rows


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def saved_cookie(client) -> str:
    return client.get_cookie("session", domain="localhost").value


def replay(client, cookie: str, path: str = "/requests/"):
    """Send a request as a browser holding this cookie would (a copy kept by an attacker)."""
    client.set_cookie("session", cookie, domain="localhost")
    return client.get(path)


def is_anonymous(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.fixture
def partner(make):
    return make.user(Role.PARTNER, email="amal@example.org")


def test_a_cookie_saved_before_logout_is_anonymous_afterwards(app, client, partner):
    login(client, partner)
    cookie = saved_cookie(client)
    assert client.get("/requests/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert is_anonymous(replay(client, cookie))
    # the same cookie in a fresh browser, and as htmx asks
    other = app.test_client()
    other.set_cookie("session", cookie, domain="localhost")
    assert is_anonymous(other.get("/requests/"))
    assert other.get("/requests/", headers={"HX-Request": "true"}).status_code == 401


def test_logging_out_ends_only_this_session(app, client, partner):
    phone = app.test_client()
    login(client, partner)
    login(phone, partner)
    client.post("/logout")
    assert phone.get("/requests/").status_code == 200
    assert count_rows(LoginSession, LoginSession.user_id == partner.id) == 1


def test_log_out_everywhere_ends_every_session_of_the_account(app, client, make, partner):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, partner)
    login(laptop, partner)
    phone_cookie, laptop_cookie = saved_cookie(phone), saved_cookie(laptop)
    someone_else = app.test_client()
    login(someone_else, make.user(Role.PARTNER))
    page = laptop.get("/account/password")
    assert 'action="/account/logout-everywhere"' in page.text
    response = laptop.post("/account/logout-everywhere")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert is_anonymous(phone.get("/requests/"))
    assert is_anonymous(laptop.get("/requests/"))
    assert is_anonymous(replay(app.test_client(), phone_cookie))
    assert is_anonymous(replay(app.test_client(), laptop_cookie))
    assert someone_else.get("/requests/").status_code == 200  # another account is untouched
    assert count_rows(LoginSession, LoginSession.user_id == partner.id) == 0
    login(phone, partner)  # and one logs in again as before
    assert phone.get("/requests/").status_code == 200


def test_log_out_everywhere_needs_a_login_and_a_post(client):
    assert client.get("/account/logout-everywhere").status_code == 405
    response = client.post("/account/logout-everywhere")
    assert is_anonymous(response)


def test_log_out_everywhere_refuses_a_forged_request(app_config, make):
    from booking import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    with app.app_context():
        client = app.test_client()
        user = make.user(Role.DESK)
        page = client.get("/login").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert client.post("/account/logout-everywhere").status_code == 400
        assert client.get("/board/").status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_a_session_older_than_its_lifetime_ends(app, client, partner):
    login(client, partner)
    app.config["LOGIN_SESSION_DAYS"] = 0
    assert is_anonymous(client.get("/requests/"))
