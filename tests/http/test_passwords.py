"""Passwords: a forgotten one is reset by an e-mailed link, one's own is changed when logged
in; the rules for a new one; and what each change does to the account's other sessions."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking import account_views, accounts
from booking.clock import now
from booking.extensions import db
from booking.models import AccountToken, Role, TokenPurpose, User
from tests.conftest import PASSWORD, committed, count_rows
from tests.mailserver import mailserver  # noqa: F401 (a fixture)

FORGOT = "/password/forgot"
CHANGE = "/account/password"
GOOD = "Lindenblüte am Marktplatz"
INVALID = "This link is no longer valid"
SENT = "If an account exists for this address, we have sent a link to it for choosing a new password."


@pytest.fixture
def client(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def browser(app):
    """Another browser, with a session of its own."""
    second = app.test_client()
    second.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return second


@pytest.fixture
def erika(make):
    return make.user(Role.PARTNER, name="Erika Muster", email="erika@example.org", language="en")


def request_reset(client, email: str):
    """Ask for a reset link; the message goes out once the response is delivered (closed)."""
    response = client.post(FORGOT, data={"email": email})
    response.close()
    return response


def choose(client, path, password=GOOD, confirm=None):
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm})


def change(client, current=PASSWORD, password=GOOD, confirm=None):
    return client.post(CHANGE, data={"current": current, "password": password,
                                     "confirm": password if confirm is None else confirm})


def logs_in(client, email: str, password: str) -> bool:
    return client.post("/login", data={"email": email, "password": password}).status_code == 302


def logged_in(client) -> bool:
    return client.get("/requests/").status_code == 200


def password_hash(email: str) -> str:
    return committed(sa.select(User.password_hash).where(User.email == email))[0][0]


def without_tokens(html: str) -> str:
    """A page with its per-session CSRF tokens blanked out, to compare two pages."""
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


# Reset by e-mail

def test_a_forgotten_password_is_reset_by_the_link_in_the_email(client, mailserver, erika):
    assert client.get(FORGOT).status_code == 200
    assert 'href="/password/forgot"' in client.get("/login").text

    response = request_reset(client, " Erika@Example.org ")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert SENT in client.get("/login").text
    received = mailserver.last_to("erika@example.org")
    assert received.subject == "A new password for Treffpunkt"
    assert "Hello Erika Muster," in received.body
    assert "you can ignore this e-mail" in received.body

    page = client.get(received.path())
    assert page.status_code == 200 and "Choose a new password" in page.text
    done = choose(client, received.path())
    assert done.status_code == 303 and done.headers["Location"] == "/requests/"
    assert "Your new password is set and you are logged in." in client.get("/requests/").text

    again = choose(browser(client.application), received.path(), password="noch-ein-kennwort")
    assert again.status_code == 410 and INVALID in again.text
    other = browser(client.application)
    assert not logs_in(other, "erika@example.org", PASSWORD)
    assert not logs_in(other, "erika@example.org", "noch-ein-kennwort")
    assert logs_in(other, "erika@example.org", GOOD)


def test_an_unknown_or_inactive_address_gets_the_same_answer_and_no_email(app, mailserver, make, erika):
    make.user(Role.DESK, email="weg@example.org", active=False)
    answers = {}
    for email in ("erika@example.org", "niemand@example.org", "weg@example.org"):
        client = browser(app)
        response = request_reset(client, email)
        follow = client.get(response.headers["Location"])
        answers[email] = (response.status_code, response.headers["Location"], response.text,
                          follow.status_code, without_tokens(follow.text))
    assert answers["erika@example.org"][0] == 303
    assert SENT in answers["erika@example.org"][4]
    assert answers["niemand@example.org"] == answers["erika@example.org"]
    assert answers["weg@example.org"] == answers["erika@example.org"]
    assert [m.rcpt_tos for m in mailserver.messages] == [["erika@example.org"]]
    assert count_rows(AccountToken) == 1


def test_a_typing_mistake_in_the_address_gets_the_form_back(client, mailserver):
    response = request_reset(client, "keine-adresse")
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'value="keine-adresse"' in response.text
    assert mailserver.messages == []


def test_a_reset_link_expires_after_two_hours(client, mailserver, erika, monkeypatch):
    sent_at = now()
    request_reset(client, "erika@example.org")
    path = mailserver.last_to("erika@example.org").path()
    before = password_hash("erika@example.org")

    monkeypatch.setattr(account_views, "now", lambda: sent_at + timedelta(hours=1, minutes=55))
    assert client.get(path).status_code == 200
    monkeypatch.setattr(account_views, "now", lambda: sent_at + timedelta(hours=2, minutes=1))
    assert client.get(path).status_code == 410
    refused = choose(client, path)
    assert refused.status_code == 410 and INVALID in refused.text
    assert password_hash("erika@example.org") == before
    assert not logged_in(client)


def test_a_second_request_makes_the_first_link_useless(client, mailserver, erika):
    request_reset(client, "erika@example.org")
    request_reset(client, "erika@example.org")
    first, second = (m.path() for m in mailserver.to("erika@example.org"))
    assert first != second
    assert client.get(first).status_code == 410
    assert choose(client, first).status_code == 410
    assert choose(client, second).status_code == 303


def test_the_token_is_stored_only_as_its_hash(client, mailserver, erika):
    request_reset(client, "erika@example.org")
    token = mailserver.last_to("erika@example.org").path().rsplit("/", 1)[1]
    assert len(token) >= 43
    [(stored, purpose)] = committed(sa.select(AccountToken.token_hash, AccountToken.purpose))
    assert stored == hashlib.sha256(token.encode()).hexdigest() and purpose == TokenPurpose.RESET
    assert token not in stored


def test_of_two_uses_at_once_only_one_sets_the_password(client, mailserver, erika):
    """Both requests found the link valid; the other one committed first: this one changes nothing."""
    request_reset(client, "erika@example.org")
    token = mailserver.last_to("erika@example.org").path().rsplit("/", 1)[1]
    assert accounts.valid_link(db.session, token, now()) is not None  # this request's check passed
    with db.engine.begin() as other_request:
        other_request.execute(sa.update(AccountToken).values(used_at=now()))
    assert accounts.redeem(db.session, token, GOOD, at=now(), method="pbkdf2:sha256:1000") is None
    db.session.rollback()
    assert logs_in(client, "erika@example.org", PASSWORD)


def test_of_two_requests_using_one_link_the_later_is_refused_cleanly(client, mailserver, erika):
    """Two requests (sessions of their own) both found the link valid; the first to write wins,
    the other waits its turn and is refused: no error page, no second password."""
    request_reset(client, "erika@example.org")
    token = mailserver.last_to("erika@example.org").path().rsplit("/", 1)[1]
    first, second = Session(db.engine), Session(db.engine)
    try:
        assert accounts.valid_link(first, token, now()) and accounts.valid_link(second, token, now())
        assert accounts.redeem(first, token, GOOD, at=now(), method="pbkdf2:sha256:1000") is not None
        first.commit()
        assert accounts.redeem(second, token, "ganz-anderes-kennwort", at=now(), method="pbkdf2:sha256:1000") is None
        second.rollback()
    finally:
        first.close()
        second.close()
    db.session.rollback()  # the test's own session forgets what it read before: a new request
    assert logs_in(client, "erika@example.org", GOOD)


def test_links_in_emails_name_the_configured_site_not_the_requests_host(app, client, mailserver, erika):
    app.config["PUBLIC_URL"] = "https://treffpunkt.example.org/"
    client.post(FORGOT, data={"email": "erika@example.org"}, headers={"Host": "evil.example"}).close()
    link = mailserver.last_to("erika@example.org").link()
    assert link.startswith("https://treffpunkt.example.org/password/")


@pytest.mark.parametrize("path", ["/password/nicht-gueltig", "/password/" + "x" * 300])
def test_an_unknown_link_gets_the_same_page(client, path):
    for response in (client.get(path), choose(client, path)):
        assert response.status_code == 410
        assert INVALID in response.text and 'href="/password/forgot"' in response.text


def test_requests_for_links_are_throttled_per_address(app, client, mailserver, make):
    for n in range(5):
        assert request_reset(client, f"person{n}@example.org").status_code == 303
    assert request_reset(client, "noch-jemand@example.org").status_code == 429


def test_requests_for_links_are_throttled_per_email_address(app, mailserver, erika):
    for _ in range(3):
        assert request_reset(browser(app), "erika@example.org").status_code == 303
    assert request_reset(browser(app), "ERIKA@example.org").status_code == 429
    assert len(mailserver.messages) == 3


# The rules for a new password

@pytest.mark.parametrize("password, message", [
    ("neun-zchn", "Please choose a password of at least 10 characters."),
    ("password123", "This password is one of the most common ones"),
    ("Passwort2024!", "This password is one of the most common ones"),
    ("QWERTYUIOP", "This password is one of the most common ones"),
    ("Erika@Example.org", "Please do not use your e-mail address as your password."),
    ("Kurz!Pw8", "Please choose a password of at least 10 characters."),
    ("lang-" * 41, "At most 200 characters, please."),
])
def test_weak_passwords_are_refused_with_the_reason(client, mailserver, erika, password, message):
    request_reset(client, "erika@example.org")
    path = mailserver.last_to("erika@example.org").path()
    response = choose(client, path, password=password)
    assert response.status_code == 422
    assert message in response.text and 'id="password-error"' in response.text
    assert password not in response.text  # a password is never sent back
    assert not logged_in(client)
    assert client.get(path).status_code == 200  # the link still works
    assert choose(client, path).status_code == 303


def test_the_two_passwords_must_match(client, mailserver, erika):
    request_reset(client, "erika@example.org")
    path = mailserver.last_to("erika@example.org").path()
    response = choose(client, path, confirm=GOOD + "!")
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.text and 'id="confirm-error"' in response.text
    assert not logged_in(client)


def test_nine_characters_are_too_few_and_ten_are_enough():
    assert accounts.password_problems("x7#kq!mZ2", "a@example.org")
    assert accounts.password_problems("x7#kq!mZ2p", "a@example.org") == []


# Changing one's own password

@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_change_its_password(client, auth, make, role):
    auth.login(make.user(role))
    page = client.get(CHANGE)
    assert page.status_code == 200 and 'name="current"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert 'href="/account/password"' in page.text  # the link in the header


def test_an_anonymous_visitor_is_sent_to_login(client):
    for response in (client.get(CHANGE), change(client)):
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_changing_the_password_logs_out_the_other_sessions_only(app, client, auth, erika):
    auth.login(erika)
    other = browser(app)
    assert logs_in(other, "erika@example.org", PASSWORD) and logged_in(other)

    response = change(client)
    assert response.status_code == 303 and response.headers["Location"] == "/requests/"
    page = client.get("/requests/")
    assert page.status_code == 200 and "Your password was changed." in page.text
    kicked = other.get("/requests/")
    assert kicked.status_code == 302 and kicked.headers["Location"].startswith("/login")
    assert not logs_in(browser(app), "erika@example.org", PASSWORD)
    assert logs_in(browser(app), "erika@example.org", GOOD)


@pytest.mark.parametrize("changes, field, message", [
    ({"current": "falsch-falsch"}, "current", "This is not your current password."),
    ({"current": ""}, "current", "This field is required."),
    ({"password": "kurz"}, "password", "at least 10 characters"),
    ({"password": "password123"}, "password", "most common"),
    ({"password": PASSWORD}, "password", "different from your current one"),
    ({"confirm": "etwas-anderes-hier"}, "confirm", "The two passwords are not the same."),
])
def test_a_refused_change_changes_nothing(app, client, auth, erika, changes, field, message):
    auth.login(erika)
    other = browser(app)
    logs_in(other, "erika@example.org", PASSWORD)
    before = password_hash("erika@example.org")
    response = change(client, **changes)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text and message in response.text
    for typed in {PASSWORD, GOOD, *changes.values()} - {""}:
        assert f'value="{typed}"' not in response.text
    assert password_hash("erika@example.org") == before
    assert logged_in(client) and logged_in(other)


def test_a_password_change_makes_a_pending_reset_link_useless(client, auth, mailserver, erika):
    request_reset(client, "erika@example.org")
    path = mailserver.last_to("erika@example.org").path()
    auth.login(erika)
    assert change(client).status_code == 303
    assert client.get(path).status_code == 410


def test_guessing_the_current_password_is_throttled(client, auth, erika):
    auth.login(erika)
    for _ in range(5):
        assert change(client, current="falsch-falsch").status_code == 422
    assert change(client).status_code == 429
    assert logs_in(browser(client.application), "erika@example.org", PASSWORD)


def test_a_reset_logs_out_the_accounts_other_sessions(app, client, mailserver, erika):
    other = browser(app)
    assert logs_in(other, "erika@example.org", PASSWORD)
    request_reset(client, "erika@example.org")
    assert choose(client, mailserver.last_to("erika@example.org").path()).status_code == 303
    assert logged_in(client)
    kicked = other.get("/requests/")
    assert kicked.status_code == 302 and kicked.headers["Location"].startswith("/login")


def test_following_a_link_while_logged_in_as_someone_else_starts_a_new_session(app, client, auth, mailserver,
                                                                                make, erika):
    auth.login(make.user(Role.DESK, email="theke@example.org"))
    request_reset(client, "erika@example.org")
    assert choose(client, mailserver.last_to("erika@example.org").path()).status_code == 303
    assert client.get("/").headers["Location"] == "/requests/"  # now Erika, a partner


# Development default and CSRF

def test_without_a_mail_server_messages_are_written_to_the_outbox(app, client, auth, make, erika):
    assert app.config["MAIL_SERVER"] == ""
    request_reset(client, "erika@example.org")
    auth.login(make.user(Role.MANAGER))
    org = make.organisation()
    client.post("/manage/users/new", data={"email": "neu@example.org", "name": "Neu", "role": "partner",
                                           "organisation_id": str(org.id), "language": "en"})
    assert not (Path(app.instance_path) / "outbox").exists()  # nothing is sent inside a request
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["outbox", "send"]).exit_code == 0
    outbox = sorted((Path(app.instance_path) / "outbox").iterdir())
    assert [p.suffix for p in outbox] == [".eml", ".eml"]
    assert all(re.fullmatch(r"\d{8}-\d{6}-\d+\.eml", p.name) for p in outbox)
    texts = [p.read_text() for p in outbox]
    assert any("To: Erika Muster <erika@example.org>" in t for t in texts)
    assert any("To: Neu <neu@example.org>" in t for t in texts)
    assert all("/password/" in t for t in texts)


@pytest.fixture
def csrf_checked(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_posts_without_a_csrf_token_are_refused(csrf_checked, app, client, mailserver, erika):
    assert app.config["WTF_CSRF_ENABLED"]
    response = request_reset(client, "erika@example.org")
    assert response.status_code == 400
    assert mailserver.messages == [] and count_rows(AccountToken) == 0

    token, _ = accounts.issue(db.session, erika, TokenPurpose.RESET, at=now(), lifetime=timedelta(hours=2))
    db.session.commit()
    before = password_hash("erika@example.org")
    refused = choose(client, f"/password/{token}")
    assert refused.status_code == 400
    assert password_hash("erika@example.org") == before
    assert not logged_in(client)
    assert client.get(f"/password/{token}").status_code == 200  # the link still works

    page = client.get(f"/password/{token}").text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(f"/password/{token}", data={"password": GOOD, "confirm": GOOD, "csrf_token": csrf})
    assert done.status_code == 303
