"""The account pages: who gets in, which roles whom may create, what is saved, what is refused."""

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Role, User
from tests.conftest import committed, count_rows

NEW = "/manage/users/new"
LIST = "/manage/users/"


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Hausleitung", email="leitung@example.org", language="en")
    auth.login(user)
    return user


@pytest.fixture
def admin(make, auth):
    user = make.user(Role.ADMIN, name="Technik", email="technik@example.org", language="en")
    auth.login(user)
    return user


@pytest.fixture
def org(make):
    return make.organisation("Chor Plauen")


def account(org=None, **changes) -> dict:
    """What the form sends for a new partner account; None leaves a field out."""
    data = {
        "email": "Neu.Person@Example.org",
        "name": "Neue Person",
        "role": "partner",
        "organisation_id": str(org.id) if org else "",
        "language": "de",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit(user: User, **changes) -> dict:
    """What the edit form sends, starting from the account as it is."""
    data = {
        "name": user.name,
        "role": user.role.value,
        "organisation_id": str(user.organisation_id or ""),
        "active": "y" if user.active else None,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def row(email: str):
    return committed(
        sa.select(User.email, User.name, User.role, User.organisation_id, User.language, User.active)
        .where(User.email == email)
    )


@contextmanager
def queries():
    """Collect the SQL statements sent while the block runs."""
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


# Who gets in

@pytest.mark.parametrize("path", [LIST, NEW, "/manage/users/{id}/edit"])
def test_anonymous_visitor_is_sent_to_login(client, make, path):
    desk = make.user(Role.DESK)
    response = client.get(path.format(id=desk.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
@pytest.mark.parametrize("path", [LIST, NEW, "/manage/users/{id}/edit"])
def test_partner_and_desk_may_not_open_the_pages(client, auth, make, role, path):
    user = make.user(role)
    auth.login(user)
    assert client.get(path.format(id=user.id)).status_code == 403


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_partner_and_desk_may_not_create_or_change_accounts(client, auth, make, org, role):
    user = make.user(role, organisation=org, name="Vorher")
    auth.login(user)
    assert client.post(NEW, data=account(org, role="desk")).status_code == 403
    assert client.post(f"/manage/users/{user.id}/edit", data=edit(user, name="Nachher", role="admin")).status_code == 403
    assert count_rows(User) == 1
    assert row(user.email)[0][1:3] == ("Vorher", role)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_list_renders_for_manager_and_admin(client, auth, make, org, role):
    make.user(Role.PARTNER, organisation=org, name="Erika Chor", email="erika@example.org")
    make.user(Role.DESK, name="Theke", active=False)
    auth.login(make.user(role, language="en"))
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.text
    erika = re.search(r'<tr id="user-\d+">(?:(?!</tr>).)*Erika Chor.*?</tr>', html, re.S).group(0)
    for shown in ("erika@example.org", "Partner group", "Chor Plauen", "badge--active"):
        assert shown in erika
    desk = re.search(r'<tr id="user-\d+">(?:(?!</tr>).)*Theke.*?</tr>', html, re.S).group(0)
    assert "Front desk" in desk and "badge--inactive" in desk


def test_manager_sees_edit_links_only_for_accounts_they_may_edit(client, make, org, manager):
    partner = make.user(Role.PARTNER, organisation=org)
    admin = make.user(Role.ADMIN)
    html = client.get(LIST).text
    assert f'href="/manage/users/{partner.id}/edit"' in html
    assert f'href="/manage/users/{admin.id}/edit"' not in html
    assert f'href="/manage/users/{manager.id}/edit"' not in html


def test_the_list_costs_the_same_queries_however_many_groups(client, make, manager):
    make.user(Role.PARTNER)

    def measure() -> int:
        db.session.expire_all()  # nothing loaded before counts
        with queries() as seen:
            assert client.get(LIST).status_code == 200
        return len(seen)

    few = measure()
    for _ in range(4):
        make.user(Role.PARTNER)  # each in a group of its own
    assert measure() == few


# Creating

def test_manager_creates_a_partner_account_and_the_person_is_invited(client, org, manager):
    response = client.post(NEW, data=account(org))
    assert response.status_code == 303
    assert response.headers["Location"] == LIST
    assert row("neu.person@example.org") == [
        ("neu.person@example.org", "Neue Person", Role.PARTNER, org.id, "de", True)
    ]
    page = client.get(LIST).text
    assert "flash--success" in page and "invitation sent to neu.person@example.org" in page
    person = re.search(r'<tr id="user-\d+">(?:(?!</tr>).)*Neue Person.*?</tr>', page, re.S).group(0)
    assert "badge--invited" in person and "Send the invitation again" in person


def test_the_form_asks_for_no_password_and_the_account_has_none_until_the_invitation_is_accepted(
        client, auth, org, manager):
    assert 'type="password"' not in client.get(NEW).text
    client.post(NEW, data=account(org, password="ein-langes-passwort"))  # a password sent along is ignored
    [(stored,)] = committed(sa.select(User.password_hash).where(User.email == "neu.person@example.org"))
    assert stored == ""
    auth.logout()
    for password in ("", "ein-langes-passwort"):
        login = client.post("/login", data={"email": "neu.person@example.org", "password": password})
        assert login.status_code == 422


def test_manager_creates_a_desk_account_without_a_group(client, org, manager):
    response = client.post(NEW, data=account(org, role="desk", language="en"))
    assert response.status_code == 303
    assert row("neu.person@example.org") == [
        ("neu.person@example.org", "Neue Person", Role.DESK, None, "en", True)
    ]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_admin_creates_managers_and_admins(client, admin, role):
    response = client.post(NEW, data=account(role=role.value))
    assert response.status_code == 303
    assert row("neu.person@example.org")[0][2] == role


def test_manager_is_offered_partner_and_desk_only(client, manager):
    html = client.get(NEW).text
    offered = re.findall(r'<option[^>]*value="(\w+)"', re.search(r'<select[^>]*name="role".*?</select>', html, re.S).group(0))
    assert offered == ["partner", "desk"]


def test_inactive_groups_are_not_offered(client, make, manager):
    make.organisation("Aktiv e.V.")
    make.organisation("Eingeschlafen e.V.", active=False)
    html = client.get(NEW).text
    assert "Aktiv e.V." in html and "Eingeschlafen e.V." not in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"email": None}, "email"),
        ({"email": "keine-adresse"}, "email"),
        ({"email": "a" * 60 + "@" + "b" * 190 + ".org"}, "email"),
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"role": None}, "role"),
        ({"role": "superuser"}, "role"),
        ({"role": "manager"}, "role"),
        ({"role": "admin"}, "role"),
        ({"organisation_id": ""}, "organisation_id"),
        ({"organisation_id": "999"}, "organisation_id"),
        ({"organisation_id": "chor"}, "organisation_id"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_input_is_refused_with_the_form_and_nothing_saved(client, org, manager, changes, field):
    response = client.post(NEW, data=account(org, **changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert count_rows(User) == 1  # the manager
    if "name" not in changes:  # what was typed is still there
        assert 'value="Neue Person"' in response.text


def test_a_partner_cannot_join_an_inactive_group(client, make, manager):
    asleep = make.organisation("Eingeschlafen e.V.", active=False)
    response = client.post(NEW, data=account(asleep))
    assert response.status_code == 422
    assert 'id="organisation_id-error"' in response.text
    assert count_rows(User) == 1


def test_an_email_in_use_is_refused_whatever_its_case(client, make, org, manager):
    make.user(Role.DESK, email="neu.person@example.org")
    response = client.post(NEW, data=account(org, email="NEU.Person@example.ORG"))
    assert response.status_code == 422
    assert "There is already an account with this e-mail address." in response.text
    assert count_rows(User) == 2


# Editing

def test_edit_form_shows_the_account(client, make, org, manager):
    partner = make.user(Role.PARTNER, organisation=org, name="Erika Chor", email="erika@example.org")
    html = client.get(f"/manage/users/{partner.id}/edit").text
    assert "erika@example.org" in html and 'value="Erika Chor"' in html
    assert re.search(rf'<option selected value="{org.id}">|<option value="{org.id}" selected>', html)
    assert 'name="password"' not in html and 'name="email"' not in html


def test_manager_changes_a_partner_into_an_inactive_desk_account(client, make, org, manager):
    partner = make.user(Role.PARTNER, organisation=org, email="erika@example.org")
    response = client.post(f"/manage/users/{partner.id}/edit",
                           data=edit(partner, name="Erika Theke", role="desk", active=None))
    assert response.status_code == 303
    assert response.headers["Location"] == LIST
    assert row("erika@example.org") == [("erika@example.org", "Erika Theke", Role.DESK, None, None, False)]


def test_a_deactivated_account_can_no_longer_log_in(client, auth, make, org, manager):
    partner = make.user(Role.PARTNER, organisation=org)
    assert client.post(f"/manage/users/{partner.id}/edit", data=edit(partner, active=None)).status_code == 303
    auth.logout()
    assert auth.login(partner).status_code == 422


def test_manager_moves_a_partner_to_another_group(client, make, org, manager):
    partner = make.user(Role.PARTNER, organisation=org, email="erika@example.org")
    other = make.organisation("Tafel")
    assert client.post(f"/manage/users/{partner.id}/edit", data=edit(partner, organisation_id=str(other.id))).status_code == 303
    assert row("erika@example.org")[0][3] == other.id


def test_a_partner_keeps_a_group_that_became_inactive(client, make, manager):
    asleep = make.organisation("Eingeschlafen e.V.", active=False)
    partner = make.user(Role.PARTNER, organisation=asleep, email="erika@example.org")
    response = client.post(f"/manage/users/{partner.id}/edit", data=edit(partner, name="Erika M."))
    assert response.status_code == 303
    assert row("erika@example.org")[0][1:4] == ("Erika M.", Role.PARTNER, asleep.id)


def test_a_partner_cannot_be_moved_into_an_inactive_group(client, make, org, manager):
    partner = make.user(Role.PARTNER, organisation=org, email="erika@example.org")
    asleep = make.organisation("Eingeschlafen e.V.", active=False)
    response = client.post(f"/manage/users/{partner.id}/edit", data=edit(partner, organisation_id=str(asleep.id)))
    assert response.status_code == 422
    assert row("erika@example.org")[0][3] == org.id


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"role": "admin"}, "role"),
        ({"role": "manager"}, "role"),
        ({"organisation_id": ""}, "organisation_id"),
    ],
)
def test_bad_edits_are_refused_and_nothing_changes(client, make, org, manager, changes, field):
    partner = make.user(Role.PARTNER, organisation=org, name="Erika", email="erika@example.org")
    response = client.post(f"/manage/users/{partner.id}/edit", data=edit(partner, **changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert row("erika@example.org") == [("erika@example.org", "Erika", Role.PARTNER, org.id, None, True)]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_manager_may_not_edit_managers_or_admins(client, make, manager, role):
    other = make.user(role, name="Vorher", email="other@example.org")
    assert client.get(f"/manage/users/{other.id}/edit").status_code == 403
    response = client.post(f"/manage/users/{other.id}/edit", data=edit(other, name="Nachher", role="desk", active=None))
    assert response.status_code == 403
    assert row("other@example.org") == [("other@example.org", "Vorher", role, None, None, True)]


def test_manager_may_not_edit_their_own_account_here(client, manager):
    response = client.post(f"/manage/users/{manager.id}/edit", data=edit(manager, role="admin"))
    assert response.status_code == 403
    assert row("leitung@example.org")[0][2] == Role.MANAGER


def test_admin_promotes_a_desk_account_to_manager(client, make, admin):
    desk = make.user(Role.DESK, email="theke@example.org")
    assert client.post(f"/manage/users/{desk.id}/edit", data=edit(desk, role="manager")).status_code == 303
    assert row("theke@example.org")[0][2] == Role.MANAGER


def test_admin_cannot_lock_themselves_out(client, admin):
    demote = client.post(f"/manage/users/{admin.id}/edit", data=edit(admin, role="manager"))
    assert demote.status_code == 422 and 'id="role-error"' in demote.text
    deactivate = client.post(f"/manage/users/{admin.id}/edit", data=edit(admin, active=None))
    assert deactivate.status_code == 422
    assert row("technik@example.org")[0][2:] == (Role.ADMIN, None, "en", True)

    rename = client.post(f"/manage/users/{admin.id}/edit", data=edit(admin, name="Technik-Team"))
    assert rename.status_code == 303
    assert row("technik@example.org")[0][1] == "Technik-Team"


def test_editing_a_missing_account_is_404(client, manager):
    assert client.get("/manage/users/999/edit").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(app, client, org, manager):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(NEW, data=account(org)).status_code == 400
    assert count_rows(User) == 1

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(NEW).text).group(1)
    assert client.post(NEW, data=account(org, csrf_token=token)).status_code == 303
    assert count_rows(User) == 2
