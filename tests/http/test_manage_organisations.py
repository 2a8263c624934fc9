"""The house manager's group pages: who gets in, what is saved, what is refused."""

import re

import pytest
import sqlalchemy as sa

from booking.manage.forms import Unique
from booking.models import Organisation, OrganisationKind, Role
from tests.conftest import committed, count_rows

NEW = "/manage/organisations/new"
LIST = "/manage/organisations/"


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, language="en")
    auth.login(user)
    return user


def group(**changes) -> dict:
    """What the form sends for a new group; None leaves a field out."""
    data = {
        "name": "Chor Plauen",
        "kind": "association",
        "contact_name": "Erika Muster",
        "email": "chor@example.org",
        "phone": "03741 12345",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def saved(*columns):
    return committed(sa.select(*columns).order_by(Organisation.id))


# Who gets in

@pytest.mark.parametrize("path", [LIST, NEW, "/manage/organisations/{id}/edit"])
def test_anonymous_visitor_is_sent_to_login(client, make, path):
    org = make.organisation()
    response = client.get(path.format(id=org.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
@pytest.mark.parametrize("path", [LIST, NEW, "/manage/organisations/{id}/edit"])
def test_partner_and_desk_may_not_open_the_pages(client, auth, make, role, path):
    org = make.organisation()
    auth.login(make.user(role))
    assert client.get(path.format(id=org.id)).status_code == 403


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_partner_and_desk_may_not_create_or_change(client, auth, make, role):
    org = make.organisation("Kleingartenverein")
    auth.login(make.user(role, organisation=org))
    assert client.post(NEW, data=group()).status_code == 403
    assert client.post(f"/manage/organisations/{org.id}/edit", data=group(name="Gekapert")).status_code == 403
    assert saved(Organisation.name) == [("Kleingartenverein",)]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_list_renders_for_manager_and_admin(client, auth, make, role):
    make.organisation("Kleingartenverein", kind=OrganisationKind.INITIATIVE, contact_name="Hans Beet",
                      email="beet@example.org", phone="03741 999")
    make.organisation("Alte Runde", active=False)
    auth.login(make.user(role, language="en"))
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.text
    for shown in ("Kleingartenverein", "Initiative", "Hans Beet", 'href="mailto:beet@example.org"', 'href="tel:03741999"'):
        assert shown in html
    old = re.search(r'<tr id="organisation-\d+">(?:(?!</tr>).)*Alte Runde.*?</tr>', html, re.S).group(0)
    assert "badge--inactive" in old
    assert html.index("Kleingartenverein") < html.index("Alte Runde")  # active groups first


def test_an_empty_list_says_so(client, manager):
    assert 'class="empty"' in client.get(LIST).text


# Creating

def test_manager_adds_a_group(client, manager):
    response = client.post(NEW, data=group(name=" Chor Plauen ", kind="church"))
    assert response.status_code == 303
    assert response.headers["Location"] == LIST
    assert saved(Organisation.name, Organisation.kind, Organisation.contact_name, Organisation.email,
                 Organisation.phone, Organisation.active) == [
        ("Chor Plauen", OrganisationKind.CHURCH, "Erika Muster", "chor@example.org", "03741 12345", True)
    ]
    page = client.get(LIST).text
    assert "flash--success" in page and "Chor Plauen" in page


def test_contact_details_may_be_left_empty(client, manager):
    response = client.post(NEW, data=group(contact_name="", email="", phone=""))
    assert response.status_code == 303
    assert saved(Organisation.contact_name, Organisation.email, Organisation.phone) == [("", "", "")]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"kind": None}, "kind"),
        ({"kind": "club"}, "kind"),
        ({"contact_name": "x" * 121}, "contact_name"),
        ({"email": "chor-at-example.org"}, "email"),
        ({"email": "a" * 60 + "@" + "b" * 190 + ".org"}, "email"),
        ({"phone": "1" * 41}, "phone"),
    ],
)
def test_bad_input_is_refused_with_the_form_and_nothing_saved(client, manager, changes, field):
    data = group(**changes)
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert count_rows(Organisation) == 0
    if field != "contact_name":  # what was typed is still there
        assert 'value="Erika Muster"' in response.text


def test_a_name_in_use_is_a_field_error(client, make, manager):
    make.organisation("Chor Plauen")
    response = client.post(NEW, data=group(name="CHOR PLAUEN"))
    assert response.status_code == 422
    assert "There is already a group with this name." in response.text
    assert count_rows(Organisation) == 1


def test_a_name_taken_by_a_parallel_save_is_still_a_field_error(client, make, manager, monkeypatch):
    """Two managers saving the same name at once: the database refuses the second, the form says why."""
    make.organisation("Chor Plauen")
    monkeypatch.setattr(Unique, "__call__", lambda self, form, field: None)  # the check ran before the other commit
    response = client.post(NEW, data=group())
    assert response.status_code == 422
    assert "There is already a group with this name." in response.text
    assert count_rows(Organisation) == 1


# Editing

def test_edit_form_shows_current_values(client, make, manager):
    org = make.organisation("Tafel", kind=OrganisationKind.WELFARE, phone="03741 4711")
    html = client.get(f"/manage/organisations/{org.id}/edit").text
    assert 'value="Tafel"' in html and 'value="03741 4711"' in html
    assert re.search(r'<option selected value="welfare">|<option value="welfare" selected>', html)


def test_manager_changes_and_deactivates_a_group(client, make, manager):
    org = make.organisation("Tafel")
    response = client.post(f"/manage/organisations/{org.id}/edit", data=group(name="Plauener Tafel", kind="welfare"))
    assert response.status_code == 303
    assert saved(Organisation.name, Organisation.kind, Organisation.active) == [
        ("Plauener Tafel", OrganisationKind.WELFARE, False)
    ]


def test_manager_reactivates_a_group(client, make, manager):
    org = make.organisation("Tafel", active=False)
    response = client.post(f"/manage/organisations/{org.id}/edit", data=group(name="Tafel", active="y"))
    assert response.status_code == 303
    assert saved(Organisation.active) == [(True,)]


def test_renaming_to_another_groups_name_is_refused(client, make, manager):
    make.organisation("Chor Plauen")
    org = make.organisation("Tafel", phone="1")
    response = client.post(f"/manage/organisations/{org.id}/edit", data=group(name="Chor Plauen", phone="2", active="y"))
    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert saved(Organisation.name, Organisation.phone) == [("Chor Plauen", "03741 123456"), ("Tafel", "1")]


def test_keeping_its_own_name_is_not_a_clash(client, make, manager):
    org = make.organisation("Tafel")
    assert client.post(f"/manage/organisations/{org.id}/edit", data=group(name="Tafel", active="y")).status_code == 303


def test_editing_a_missing_group_is_404(client, manager):
    assert client.get("/manage/organisations/999/edit").status_code == 404
    assert client.post("/manage/organisations/999/edit", data=group()).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(app, client, manager):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(NEW, data=group()).status_code == 400
    assert count_rows(Organisation) == 0

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(NEW).text).group(1)
    assert client.post(NEW, data=group(csrf_token=token)).status_code == 303
    assert count_rows(Organisation) == 1
