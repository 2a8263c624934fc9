"""The house manager's resource pages: who gets in, what is saved, what is refused."""

import re

import pytest
import sqlalchemy as sa

from booking.models import Resource, ResourceKind, Role, Status
from tests.conftest import committed, count_rows, future_day

NEW = "/manage/resources/new"
LIST = "/manage/resources/"


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Hausleitung", language="en")
    auth.login(user)
    return user


def room(**changes) -> dict:
    """What the form sends for a new room; None leaves a field out."""
    data = {
        "name": "Kleiner Saal",
        "kind": "room",
        "capacity": "30",
        "quantity": "",
        "location": "Erdgeschoss",
        "description": "Mit Beamer",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def saved(*columns):
    return committed(sa.select(*columns).order_by(Resource.id))


# Who gets in

@pytest.mark.parametrize("path", [LIST, NEW, "/manage/resources/{id}/edit"])
def test_anonymous_visitor_is_sent_to_login(client, make, path):
    resource = make.resource()
    response = client.get(path.format(id=resource.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
@pytest.mark.parametrize("path", [LIST, NEW, "/manage/resources/{id}/edit"])
def test_partner_and_desk_may_not_open_the_pages(client, auth, make, role, path):
    resource = make.resource()
    auth.login(make.user(role))
    assert client.get(path.format(id=resource.id)).status_code == 403


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_partner_and_desk_may_not_create_or_change(client, auth, make, role):
    resource = make.resource("Werkstatt")
    auth.login(make.user(role))
    assert client.post(NEW, data=room()).status_code == 403
    assert client.post(f"/manage/resources/{resource.id}/edit", data=room(name="Gekapert")).status_code == 403
    assert saved(Resource.name) == [("Werkstatt",)]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_list_renders_for_manager_and_admin(client, auth, make, role):
    make.resource("Gemeindesaal")
    auth.login(make.user(role, language="en"))
    response = client.get(LIST)
    assert response.status_code == 200
    assert "Gemeindesaal" in response.text


# The list

def section(html: str, kind: str) -> str:
    """The part of the page under one kind's heading."""
    match = re.search(rf'<section id="kind-{kind}".*?</section>', html, re.S)
    assert match, f"no section for {kind}"
    return match.group(0)


def test_list_groups_by_kind_and_shows_the_facts(client, make, manager):
    make.resource("Gemeindesaal", capacity=80, location="1. Stock")
    make.resource("Beet 3", kind=ResourceKind.PLOT, location="Garten")
    make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=3)
    make.resource("Alter Keller", active=False)
    html = client.get(LIST).text

    rooms, plots, equipment = section(html, "room"), section(html, "plot"), section(html, "equipment")
    assert html.index('id="kind-room"') < html.index('id="kind-plot"') < html.index('id="kind-equipment"')
    assert "Gemeindesaal" in rooms and "80" in rooms and "1. Stock" in rooms
    assert "Beet 3" in plots and "Garten" in plots and "Gemeindesaal" not in plots
    assert "Beamer" in equipment and ">3<" in equipment and "Beamer" not in rooms
    cellar = re.search(r'<tr id="resource-\d+">(?:(?!</tr>).)*Alter Keller.*?</tr>', rooms, re.S).group(0)
    assert "inactive" in cellar


def test_empty_kinds_say_so(client, manager):
    html = client.get(LIST).text
    for kind in ("room", "plot", "equipment"):
        assert 'class="empty"' in section(html, kind)


def test_names_are_shown_as_text_not_markup(client, make, manager):
    make.resource("<script>alert(1)</script>")
    html = client.get(LIST).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Creating

def test_manager_adds_a_room(client, manager):
    response = client.post(NEW, data=room(name="  Kleiner Saal  "))
    assert response.status_code == 303
    assert response.headers["Location"] == LIST
    assert saved(Resource.name, Resource.kind, Resource.capacity, Resource.quantity, Resource.location,
                 Resource.description, Resource.active) == [
        ("Kleiner Saal", ResourceKind.ROOM, 30, 1, "Erdgeschoss", "Mit Beamer", True)
    ]
    page = client.get(LIST).text
    assert "flash--success" in page and "Kleiner Saal" in section(page, "room")


def test_equipment_keeps_its_quantity_and_no_capacity(client, manager):
    response = client.post(NEW, data=room(name="Stehtische", kind="equipment", capacity="30", quantity="6"))
    assert response.status_code == 303
    assert saved(Resource.kind, Resource.capacity, Resource.quantity) == [(ResourceKind.EQUIPMENT, None, 6)]


def test_a_plot_has_neither_capacity_nor_quantity(client, manager):
    response = client.post(NEW, data=room(name="Beet 7", kind="plot", capacity="30", quantity="4"))
    assert response.status_code == 303
    assert saved(Resource.kind, Resource.capacity, Resource.quantity) == [(ResourceKind.PLOT, None, 1)]


def test_a_room_without_capacity_is_fine(client, manager):
    assert client.post(NEW, data=room(capacity="")).status_code == 303
    assert saved(Resource.capacity) == [(None,)]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"kind": None}, "kind"),
        ({"kind": "castle"}, "kind"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "-4"}, "capacity"),
        ({"capacity": "viele"}, "capacity"),
        ({"capacity": "10001"}, "capacity"),
        ({"kind": "equipment", "quantity": "0"}, "quantity"),
        ({"kind": "equipment", "quantity": ""}, "quantity"),
        ({"kind": "equipment", "quantity": None}, "quantity"),
        ({"kind": "equipment", "quantity": "99999999999"}, "quantity"),
        ({"location": "x" * 121}, "location"),
        ({"description": "x" * 2001}, "description"),
        ({"setup_minutes": "-5"}, "setup_minutes"),
        ({"setup_minutes": "241"}, "setup_minutes"),
        ({"setup_minutes": "eine halbe Stunde"}, "setup_minutes"),
        ({"cleanup_minutes": "241"}, "cleanup_minutes"),
        ({"cleanup_minutes": "-1"}, "cleanup_minutes"),
        ({"max_hours": "0"}, "max_hours"),
        ({"max_hours": "8785"}, "max_hours"),
        ({"max_hours": "2,5"}, "max_hours"),
    ],
)
def test_bad_input_is_refused_with_the_form_and_nothing_saved(client, manager, changes, field):
    data = room(**changes)
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert count_rows(Resource) == 0
    if data.get("location") == "Erdgeschoss":  # what was typed is still there
        assert 'value="Erdgeschoss"' in response.text


def test_a_name_in_use_is_refused_whatever_its_case(client, make, manager):
    make.resource("Kleiner Saal")
    response = client.post(NEW, data=room(name="kleiner saal"))
    assert response.status_code == 422
    assert "There is already a resource with this name." in response.text
    assert 'value="kleiner saal"' in response.text
    assert count_rows(Resource) == 1


def test_the_new_form_shows_the_fields(client, manager):
    html = client.get(NEW).text
    for name in ("name", "kind", "capacity", "quantity", "location", "description",
                 "setup_minutes", "cleanup_minutes", "max_hours"):
        assert re.search(rf'<label for="{name}">', html), name
    assert 'name="active"' not in html  # a new resource is always active


# Buffers and the longest booking

def test_manager_sets_buffers_and_the_longest_booking(client, manager):
    response = client.post(NEW, data=room(setup_minutes="15", cleanup_minutes="30", max_hours="4"))
    assert response.status_code == 303
    assert saved(Resource.setup_minutes, Resource.cleanup_minutes, Resource.max_hours) == [(15, 30, 4)]


def test_empty_buffers_mean_none_and_no_limit(client, manager):
    response = client.post(NEW, data=room(setup_minutes="", cleanup_minutes="", max_hours=""))
    assert response.status_code == 303
    assert saved(Resource.setup_minutes, Resource.cleanup_minutes, Resource.max_hours) == [(0, 0, None)]


def test_a_plot_keeps_no_buffers(client, manager):
    response = client.post(NEW, data=room(name="Beet 7", kind="plot", setup_minutes="15", cleanup_minutes="30"))
    assert response.status_code == 303
    assert saved(Resource.setup_minutes, Resource.cleanup_minutes) == [(0, 0)]


def test_edit_form_shows_the_buffers_and_the_change_is_saved(client, make, manager):
    kitchen = make.resource("Lehrküche", setup_minutes=10, cleanup_minutes=45, max_hours=3)
    html = client.get(f"/manage/resources/{kitchen.id}/edit").text
    for name, value in (("setup_minutes", "10"), ("cleanup_minutes", "45"), ("max_hours", "3")):
        assert re.search(rf'<input[^>]*id="{name}"[^>]*value="{value}"', html), name
    response = client.post(f"/manage/resources/{kitchen.id}/edit",
                           data=room(name="Lehrküche", setup_minutes="0", cleanup_minutes="30", max_hours="",
                                     active="y"))
    assert response.status_code == 303
    assert saved(Resource.setup_minutes, Resource.cleanup_minutes, Resource.max_hours) == [(0, 30, None)]


def test_list_shows_buffers_and_the_longest_booking_where_set(client, make, manager):
    make.resource("Lehrküche", setup_minutes=15, cleanup_minutes=30, max_hours=4)
    make.resource("Gemeindesaal")
    html = section(client.get(LIST).text, "room")
    kitchen = re.search(r'<tr id="resource-\d+">(?:(?!</tr>).)*Lehrküche.*?</tr>', html, re.S).group(0)
    assert "Set-up: 15 min" in kitchen and "Clean-up: 30 min" in kitchen and "at most 4 hours" in kitchen
    hall = re.search(r'<tr id="resource-\d+">(?:(?!</tr>).)*Gemeindesaal.*?</tr>', html, re.S).group(0)
    assert "min" not in hall and "at most" not in hall


def live_check(client, resource, start, end) -> str:
    query = {"resource_id": resource.id, "date": future_day().isoformat(), "start": start, "end": end}
    response = client.get("/requests/new", query_string=query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def test_the_live_check_keeps_the_clean_up_time_set_in_the_form(client, auth, make, manager):
    kitchen = make.resource("Lehrküche", capacity=12)
    response = client.post(f"/manage/resources/{kitchen.id}/edit",
                           data=room(name="Lehrküche", capacity="12", cleanup_minutes="30", active="y"))
    assert response.status_code == 303
    make.booking(kitchen, make.organisation("Kochclub"), day=future_day(), start="10:00", end="12:00",
                 status=Status.APPROVED)
    auth.logout()
    auth.login(make.user(Role.PARTNER, language="en"))
    html = live_check(client, kitchen, "12:15", "13:00")
    assert "notice--bad" in html and "set-up and clean-up time" in html
    assert "notice--ok" in live_check(client, kitchen, "12:30", "13:00")


def test_the_live_check_keeps_the_longest_booking_set_in_the_form(client, auth, make, manager):
    hall = make.resource("Gemeindesaal")
    client.post(f"/manage/resources/{hall.id}/edit", data=room(name="Gemeindesaal", max_hours="3", active="y"))
    auth.logout()
    auth.login(make.user(Role.PARTNER, language="en"))
    html = live_check(client, hall, "10:00", "14:00")
    assert "can be booked for 3 hours at a time" in html
    assert "notice--ok" in live_check(client, hall, "10:00", "13:00")


def test_the_resources_page_links_the_house_rules(client, manager):
    html = client.get(LIST).text
    assert 'href="/manage/hours/"' in html and 'href="/manage/closures/"' in html


# Editing

def test_edit_form_shows_current_values(client, make, manager):
    resource = make.resource("Werkstatt", capacity=12, location="Keller")
    html = client.get(f"/manage/resources/{resource.id}/edit").text
    assert 'value="Werkstatt"' in html and 'value="12"' in html and 'value="Keller"' in html
    assert re.search(r'<input[^>]*checked[^>]*name="active"|<input[^>]*name="active"[^>]*checked', html)


def test_manager_changes_and_deactivates_a_resource(client, make, manager):
    resource = make.resource("Werkstatt", capacity=12)
    response = client.post(f"/manage/resources/{resource.id}/edit", data=room(name="Holzwerkstatt", capacity="10"))
    assert response.status_code == 303
    assert response.headers["Location"] == LIST
    assert saved(Resource.name, Resource.capacity, Resource.active) == [("Holzwerkstatt", 10, False)]


def test_manager_reactivates_a_resource(client, make, manager):
    resource = make.resource("Werkstatt", active=False)
    response = client.post(f"/manage/resources/{resource.id}/edit", data=room(name="Werkstatt", active="y"))
    assert response.status_code == 303
    assert saved(Resource.active) == [(True,)]


def test_keeping_its_own_name_is_not_a_clash(client, make, manager):
    resource = make.resource("Werkstatt")
    response = client.post(f"/manage/resources/{resource.id}/edit", data=room(name="Werkstatt", active="y"))
    assert response.status_code == 303


def test_renaming_to_another_resources_name_is_refused(client, make, manager):
    make.resource("Gemeindesaal")
    resource = make.resource("Werkstatt", capacity=12)
    response = client.post(f"/manage/resources/{resource.id}/edit", data=room(name="Gemeindesaal", capacity="5", active="y"))
    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert saved(Resource.name, Resource.capacity) == [("Gemeindesaal", 20), ("Werkstatt", 12)]


def test_equipment_cannot_be_set_to_zero_units(client, make, manager):
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    response = client.post(f"/manage/resources/{beamer.id}/edit",
                           data=room(name="Beamer", kind="equipment", quantity="0", active="y"))
    assert response.status_code == 422
    assert 'id="quantity-error"' in response.text
    assert saved(Resource.quantity, Resource.active) == [(2, True)]


def test_editing_a_missing_resource_is_404(client, manager):
    assert client.get("/manage/resources/999/edit").status_code == 404
    assert client.post("/manage/resources/999/edit", data=room()).status_code == 404


# CSRF

def test_a_post_without_the_csrf_token_is_refused(app, client, manager):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(NEW, data=room()).status_code == 400
    assert count_rows(Resource) == 0

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(NEW).text).group(1)
    assert client.post(NEW, data=room(csrf_token=token)).status_code == 303
    assert count_rows(Resource) == 1
