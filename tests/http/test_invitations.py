"""Invitations: a manager creates an account, the person gets an e-mail over SMTP, follows the
link, chooses a password and is logged in; links work once and for seven days; managers send
them again; deactivating an account logs it out everywhere."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking import account_views
from booking.clock import now
from booking.extensions import db
from booking.models import AccountToken, Role, User
from booking.notify import worker
from tests.conftest import PASSWORD, committed, count_rows
from tests.mailserver import free_port, mailserver  # noqa: F401 (a fixture)

NEW = "/manage/users/new"
LIST = "/manage/users/"
GOOD = "Lindenblüte am Marktplatz"
INVALID = "This link is no longer valid"


@pytest.fixture
def client(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def other_client(app, client):
    """A second browser."""
    second = app.test_client()
    second.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return second


@pytest.fixture
def org(make):
    return make.organisation("Chor Plauen")


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Hausleitung", email="leitung@example.org", language="en")
    auth.login(user)
    return user


def invite(client, org, email="neu.person@example.org", language="en", role="partner"):
    return client.post(NEW, data={
        "email": email, "name": "Neue Person", "role": role,
        "organisation_id": str(org.id) if role == "partner" else "", "language": language,
    })


def choose(client, path, password=GOOD, confirm=None):
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm})


def password_hash(email: str) -> str:
    return committed(sa.select(User.password_hash).where(User.email == email))[0][0]


def logs_in(client, email: str, password: str) -> bool:
    return client.post("/login", data={"email": email, "password": password}).status_code == 302


def test_the_invited_person_chooses_a_password_and_is_logged_in(client, other_client, auth, mailserver, org,
                                                                 manager):
    assert invite(client, org, email="Neu.Person@Example.org").status_code == 303
    [received] = mailserver.messages
    assert received.rcpt_tos == ["neu.person@example.org"]
    assert received.message["To"].addresses[0].addr_spec == "neu.person@example.org"
    assert received.message["Content-Language"] == "en"
    assert received.subject == "Your account for Treffpunkt"
    assert "Hello Neue Person," in received.body
    assert received.link().startswith("http://localhost/password/")
    assert "neu.person@example.org" in received.body  # the login to use
    assert "ask the house manager to send the invitation again" in received.body

    auth.logout()
    page = client.get(received.path())
    assert page.status_code == 200
    assert "Welcome to Treffpunkt" in page.text and "neu.person@example.org" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"

    done = choose(client, received.path())
    assert done.status_code == 303
    assert done.headers["Location"] == "/requests/"
    home = client.get("/requests/")
    assert home.status_code == 200
    assert "Welcome, Neue Person! Your password is set and you are logged in." in home.text

    # The link works once, for anyone.
    again = choose(other_client, received.path(), password="ein-anderes-kennwort")
    assert again.status_code == 410 and INVALID in again.text
    assert other_client.get(received.path()).status_code == 410
    assert client.get(received.path()).status_code == 410
    auth.logout()
    assert not logs_in(client, "neu.person@example.org", "ein-anderes-kennwort")
    assert logs_in(client, "neu.person@example.org", GOOD)


def test_the_invitation_is_written_in_the_language_chosen_for_the_person(mailserver, client, org, manager):
    invite(client, org, language="de")
    [received] = mailserver.messages
    assert received.message["Content-Language"] == "de"
    assert received.message["From"] == "Treffpunkt <treffpunkt@localhost>"


def test_an_invitation_link_works_for_seven_days_and_not_longer(client, auth, mailserver, org, manager, monkeypatch):
    sent_at = now()
    invite(client, org)
    path = mailserver.last_to("neu.person@example.org").path()
    auth.logout()

    monkeypatch.setattr(account_views, "now", lambda: sent_at + timedelta(days=6, hours=23))
    assert client.get(path).status_code == 200

    monkeypatch.setattr(account_views, "now", lambda: sent_at + timedelta(days=7, minutes=1))
    page = client.get(path)
    assert page.status_code == 410
    assert INVALID in page.text and 'href="/password/forgot"' in page.text
    refused = choose(client, path)
    assert refused.status_code == 410
    assert password_hash("neu.person@example.org") == ""
    assert client.get("/requests/").status_code == 302  # not logged in


def test_sending_the_invitation_again_replaces_the_link(client, auth, mailserver, org, manager):
    invite(client, org)
    first = mailserver.last_to("neu.person@example.org").path()
    account = User.by_email("neu.person@example.org")

    response = client.post(f"/manage/users/{account.id}/invitation")
    assert response.status_code == 303 and response.headers["Location"] == LIST
    assert "The invitation was sent again to neu.person@example.org." in client.get(LIST).text
    assert len(mailserver.to("neu.person@example.org")) == 2
    second = mailserver.last_to("neu.person@example.org").path()
    assert second != first

    auth.logout()
    assert client.get(first).status_code == 410
    assert choose(client, second).status_code == 303


def test_the_list_shows_who_has_not_accepted_yet(client, auth, mailserver, org, manager):
    invite(client, org)
    account = User.by_email("neu.person@example.org")
    row = re.compile(rf'<tr id="user-{account.id}">.*?</tr>', re.S)
    waiting = row.search(client.get(LIST).text).group(0)
    assert "badge--invited" in waiting and f'action="/manage/users/{account.id}/invitation"' in waiting
    path = mailserver.last_to("neu.person@example.org").path()

    auth.logout()
    choose(client, path)
    auth.logout()
    auth.login(manager)
    accepted = row.search(client.get(LIST).text).group(0)
    assert "badge--active" in accepted and "invitation" not in accepted

    # Too late to invite: nothing is sent, the password stays.
    before = password_hash("neu.person@example.org")
    response = client.post(f"/manage/users/{account.id}/invitation")
    assert response.status_code == 303
    assert "Neue Person has already chosen a password; no invitation was sent." in client.get(LIST).text
    assert len(mailserver.messages) == 1
    assert password_hash("neu.person@example.org") == before


def test_the_account_and_its_invitation_wait_while_the_mail_server_is_down(app, client, auth, mailserver, org,
                                                                          manager):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    response = invite(client, org)
    assert response.status_code == 303
    assert "The account for Neue Person was created" in client.get(LIST).text
    assert count_rows(User, User.email == "neu.person@example.org") == 1
    assert mailserver.messages == []  # the worker tried, and will try again

    app.config["MAIL_PORT"] = port
    assert mailserver.messages == []  # not yet: it waits a minute before the next attempt
    worker.send_due(at=now() + timedelta(minutes=2))
    path = mailserver.only("neu.person@example.org").path()
    auth.logout()
    assert choose(client, path).status_code == 303


def invited(make, role: Role, email: str, org=None) -> User:
    """An account whose invitation has not been accepted yet."""
    user = make.user(role, organisation=org, email=email)
    user.password_hash = ""
    db.session.commit()
    return user


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_a_manager_may_not_invite_managers_or_admins(client, mailserver, make, manager, role):
    other = invited(make, role, "chef@example.org")
    assert client.post(f"/manage/users/{other.id}/invitation").status_code == 403
    assert invite(client, make.organisation(), email="neu@example.org", role=role.value).status_code == 422
    assert mailserver.messages == []
    assert count_rows(AccountToken) == 0


def test_an_admin_invites_a_manager(client, auth, mailserver, make):
    auth.login(make.user(Role.ADMIN, language="en"))
    other = invited(make, Role.MANAGER, "chef@example.org")
    assert client.post(f"/manage/users/{other.id}/invitation").status_code == 303
    assert mailserver.last_to("chef@example.org").link()


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_partner_and_desk_may_not_send_invitations(client, auth, mailserver, make, org, role):
    waiting = invited(make, Role.PARTNER, "neu@example.org", org)
    auth.login(make.user(role, organisation=org if role == Role.PARTNER else None))
    assert client.post(f"/manage/users/{waiting.id}/invitation").status_code == 403
    assert mailserver.messages == []


def test_an_anonymous_visitor_is_sent_to_login(client, mailserver, make, org):
    waiting = invited(make, Role.PARTNER, "neu@example.org", org)
    response = client.post(f"/manage/users/{waiting.id}/invitation")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert mailserver.messages == []


def test_inviting_a_missing_account_is_404(client, mailserver, manager):
    assert client.post("/manage/users/999/invitation").status_code == 404


def test_deactivating_an_account_logs_it_out_everywhere(client, other_client, mailserver, make, org, manager):
    partner = make.user(Role.PARTNER, organisation=org, email="erika@example.org", language="en")
    assert logs_in(other_client, "erika@example.org", PASSWORD)
    assert other_client.get("/requests/").status_code == 200

    edit = {"name": partner.name, "role": "partner", "organisation_id": str(org.id)}
    assert client.post(f"/manage/users/{partner.id}/edit", data=edit).status_code == 303
    kicked = other_client.get("/requests/")
    assert kicked.status_code == 302 and kicked.headers["Location"].startswith("/login")
    assert client.get(LIST).status_code == 200  # the manager is still logged in

    # Active again, the account starts afresh: the old session does not come back.
    assert client.post(f"/manage/users/{partner.id}/edit", data={**edit, "active": "y"}).status_code == 303
    assert other_client.get("/requests/").status_code == 302
    assert logs_in(other_client, "erika@example.org", PASSWORD)


def test_a_deactivated_account_cannot_use_its_invitation(client, auth, mailserver, org, manager):
    invite(client, org)
    path = mailserver.last_to("neu.person@example.org").path()
    account = User.by_email("neu.person@example.org")
    edit = {"name": "Neue Person", "role": "partner", "organisation_id": str(org.id)}
    client.post(f"/manage/users/{account.id}/edit", data=edit)  # deactivated
    # Nor is the old link revived by activating the account again.
    client.post(f"/manage/users/{account.id}/edit", data={**edit, "active": "y"})
    auth.logout()
    assert client.get(path).status_code == 410
    assert choose(client, path).status_code == 410
    assert password_hash("neu.person@example.org") == ""
