"""Logging in and out, the way back after login, and the language switch."""

import pytest

from booking.models import Role, User
from tests.conftest import PASSWORD, without_tokens


def test_wrong_password_gives_the_form_back_with_one_message(client, make):
    user = make.user(Role.PARTNER, email="amal@example.org")
    response = client.post("/login", data={"email": "amal@example.org", "password": "falsch-falsch"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="amal@example.org"' in html
    unknown = client.post("/login", data={"email": "niemand@example.org", "password": "falsch-falsch"})
    # The same message whether or not the account exists.
    assert without_tokens(unknown.get_data(as_text=True).replace("niemand@example.org", "amal@example.org")) == \
        without_tokens(html)
    assert user.email == "amal@example.org"


def test_email_is_matched_whatever_its_case(client, make):
    make.user(Role.DESK, email="desk@example.org")
    response = client.post("/login", data={"email": "  DESK@Example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/board/"


def test_inactive_account_cannot_log_in(client, make):
    user = make.user(Role.PARTNER, active=False)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https:evil.example", "///evil.example",
    "javascript:alert(1)", "https://evil.example/x", "\\\\evil.example", "/\t/evil.example",
])
def test_next_only_ever_leads_to_a_path_on_this_site(client, make, target):
    user = make.user(Role.MANAGER)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location
    assert location == "/manage/queue"


def test_next_to_a_local_page_is_followed(client, make):
    user = make.user(Role.MANAGER)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "/board/?date=2027-01-12"})
    assert response.headers["Location"] == "/board/?date=2027-01-12"


def test_logout_is_a_post_and_ends_the_session(client, auth, make):
    auth.login(make.user(Role.DESK))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/board/").status_code == 302


def test_language_follows_the_browser_then_the_switch(client, make):
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "en-GB,en"}).get_data(as_text=True)
    assert 'lang="de"' in client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    client.post("/language", data={"language": "en", "next": "/login"})
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_language_choice_is_saved_in_the_account(client, auth, make, app):
    user = make.user(Role.DESK)
    auth.login(user)
    client.post("/language", data={"language": "en"})
    from booking.extensions import db

    db.session.expire_all()
    assert db.session.get(User, user.id).language == "en"
    auth.logout()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert 'lang="en"' in client.get("/board/").get_data(as_text=True)


def test_german_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="de"' in html and "Anmelden" in html


def test_start_page_sends_each_role_to_its_work(client, auth, make):
    assert client.get("/").headers["Location"].startswith("/login")
    for role, home in [(Role.PARTNER, "/requests/"), (Role.DESK, "/board/"), (Role.MANAGER, "/manage/queue"),
                       (Role.ADMIN, "/manage/queue")]:
        auth.login(make.user(role))
        assert client.get("/").headers["Location"] == home
        auth.logout()


def test_logged_out_htmx_request_sends_the_browser_to_login_and_back(client):
    response = client.get("/board/?date=2027-01-12", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/board/?date=2027-01-11"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/board/?date%3D2027-01-11"
    assert response.get_data(as_text=True) == ""
