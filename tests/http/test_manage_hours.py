"""Opening hours: the manager sets the house's and a resource's own; the live check then keeps them."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import OpeningHours, ResourceKind, Role
from tests.conftest import committed, future_day

PAGE = "/manage/hours/"
TUESDAY = future_day(1)
SUNDAY = future_day(6)
# The house's hours as the migration sets them: Monday to Friday 08-22, Saturday 10-18.
DEFAULT = [(None, day, 480, 1320) for day in range(5)] + [(None, 5, 600, 1080)]


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Hausleitung", language="en")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def week(**days) -> dict:
    """The form as the house has it by default; day3="closed" or day3=("09:00", "17:00") changes a day."""
    data = {}
    for day in range(7):
        value = days.get(f"day{day}", "closed" if day == 6 else ("10:00", "18:00") if day == 5 else ("08:00", "22:00"))
        if isinstance(value, tuple):
            data.update({f"day{day}-mode": "open", f"day{day}-opens": value[0], f"day{day}-closes": value[1]})
        else:
            data.update({f"day{day}-mode": value, f"day{day}-opens": "", f"day{day}-closes": ""})
    return data


def own_week(**days) -> dict:
    """A resource's form: every day like the house unless given."""
    data = {}
    for day in range(7):
        value = days.get(f"day{day}", "house")
        if isinstance(value, tuple):
            data.update({f"day{day}-mode": "open", f"day{day}-opens": value[0], f"day{day}-closes": value[1]})
        else:
            data.update({f"day{day}-mode": value, f"day{day}-opens": "", f"day{day}-closes": ""})
    return data


def rows():
    return [tuple(r) for r in committed(
        sa.select(OpeningHours.resource_id, OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
        .order_by(sa.func.coalesce(OpeningHours.resource_id, 0), OpeningHours.weekday))]


def live_check(client, resource, day=TUESDAY, start="10:00", end="12:00") -> str:
    query = {"resource_id": resource.id, "date": day.isoformat(), "start": start, "end": end}
    response = client.get("/requests/new", query_string=query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.text


def as_partner(auth, make):
    auth.logout()
    auth.login(make.user(Role.PARTNER, language="en"))


# Who gets in

@pytest.mark.parametrize("path", [PAGE, "/manage/hours/{id}"])
def test_anonymous_visitor_is_sent_to_login(client, room, path):
    response = client.get(path.format(id=room.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.PARTNER, Role.DESK])
def test_partner_and_desk_may_neither_see_nor_change_the_hours(client, auth, make, room, role):
    auth.login(make.user(role))
    assert client.get(PAGE).status_code == 403
    assert client.get(f"/manage/hours/{room.id}").status_code == 403
    assert client.post(PAGE, data=week(day1="closed")).status_code == 403
    assert client.post(f"/manage/hours/{room.id}", data=own_week(day1="closed")).status_code == 403
    assert rows() == DEFAULT


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_page_renders_for_manager_and_admin(client, auth, make, role):
    auth.login(make.user(role, language="en"))
    assert client.get(PAGE).status_code == 200


def test_unknown_resource_is_404(client, manager):
    assert client.get("/manage/hours/999").status_code == 404
    assert client.post("/manage/hours/999", data=own_week()).status_code == 404


# The page

def test_the_page_shows_the_house_hours_in_the_form_and_the_table(client, manager, room):
    html = client.get(PAGE).text
    assert re.search(r'<option selected value="open">Open</option>', html.split('id="day0"')[1])
    assert 'id="day0-opens"' in html and 'value="08:00"' in html and 'value="22:00"' in html
    assert re.search(r'<option selected value="closed">Closed</option>', html.split('id="day6"')[1])
    house = re.search(r'<tr id="house-hours">.*?</tr>', html, re.S).group(0)
    assert house.count("08:00–22:00") == 5 and "10:00–18:00" in house and "closed" in house
    resource = re.search(rf'<tr id="resource-{room.id}">.*?</tr>', html, re.S).group(0)
    assert "Seminarraum 1" in resource and resource.count("08:00–22:00") == 5


def test_garden_plots_are_not_listed(client, make, manager):
    plot = make.resource("Beet 3", kind=ResourceKind.PLOT)
    assert "Beet 3" not in client.get(PAGE).text
    response = client.get(f"/manage/hours/{plot.id}")
    assert response.status_code == 303 and response.headers["Location"] == PAGE


# The house's hours

def test_closing_the_house_on_tuesdays_closes_every_resource(client, auth, make, manager, room):
    response = client.post(PAGE, data=week(day1="closed"))
    assert response.status_code == 303
    assert response.headers["Location"] == PAGE
    assert rows() == [row for row in DEFAULT if row[1] != 1]
    assert "flash--success" in client.get(PAGE).text
    as_partner(auth, make)
    html = live_check(client, room)
    assert "notice--bad" in html and "is closed on Tuesday" in html
    assert "notice--ok" in live_check(client, room, day=TUESDAY + timedelta(days=1))


def test_opening_on_sundays_and_shorter_on_tuesdays(client, auth, make, manager, room):
    response = client.post(PAGE, data=week(day1=("09:00", "17:30"), day6=("10:00", "16:00")))
    assert response.status_code == 303
    assert (None, 1, 540, 1050) in rows() and (None, 6, 600, 960) in rows()
    as_partner(auth, make)
    assert "notice--ok" in live_check(client, room, day=SUNDAY, start="11:00", end="12:00")
    html = live_check(client, room, day=SUNDAY, start="15:00", end="17:00")
    assert "notice--bad" in html and "is open on Sunday from 10:00 to 16:00" in html
    assert "notice--bad" in live_check(client, room, start="17:00", end="18:00")


def test_a_closing_time_of_midnight_is_the_end_of_the_day(client, auth, make, manager, room):
    response = client.post(PAGE, data=week(day4=("08:00", "00:00")))
    assert response.status_code == 303
    assert (None, 4, 480, 1440) in rows()
    assert 'id="day4-closes"' in client.get(PAGE).text
    assert "08:00–24:00" in client.get(PAGE).text
    as_partner(auth, make)
    assert "notice--ok" in live_check(client, room, day=future_day(4), start="22:00", end="23:45")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"day2": ("18:00", "08:00")}, "day2-closes"),
        ({"day2": ("08:00", "08:00")}, "day2-closes"),
        ({"day2": ("", "18:00")}, "day2-opens"),
        ({"day2": ("08:00", "")}, "day2-closes"),
        ({"day2": ("8 Uhr", "18:00")}, "day2-opens"),
        ({"day2": ("08:00", "25:00")}, "day2-closes"),
        ({"day2": ("08:10", "18:00")}, "day2-opens"),
        ({"day2": ("24:00", "18:00")}, "day2-closes"),
        ({"day2": "sometimes"}, "day2-mode"),
        ({"day2": "house"}, "day2-mode"),  # the house has no house to follow
    ],
)
def test_bad_house_hours_are_refused_with_the_form_and_nothing_saved(client, manager, changes, field):
    response = client.post(PAGE, data=week(day0=("07:30", "21:00"), **changes))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert 'value="07:30"' in response.text  # what was typed is still there
    assert rows() == DEFAULT


def test_a_missing_day_is_refused(client, manager):
    data = {k: v for k, v in week(day1="closed").items() if not k.startswith("day3-")}
    response = client.post(PAGE, data=data)
    assert response.status_code == 422
    assert 'id="day3-mode-error"' in response.text
    assert rows() == DEFAULT


def test_times_of_a_closed_day_are_ignored(client, manager):
    data = week(day1="closed")
    data["day1-opens"] = "Quatsch"
    assert client.post(PAGE, data=data).status_code == 303
    assert [row for row in rows() if row[1] == 1] == []


# A resource's own hours

def test_a_resources_own_hours_beat_the_house(client, auth, make, manager, room):
    hall = make.resource("Gemeindesaal")
    response = client.post(f"/manage/hours/{room.id}", data=own_week(day1=("12:00", "14:00"), day6=("10:00", "18:00")))
    assert response.status_code == 303
    assert response.headers["Location"] == f"{PAGE}#resource-{room.id}"
    assert rows() == DEFAULT + [(room.id, 1, 720, 840), (room.id, 6, 600, 1080)]
    table = re.search(rf'<tr id="resource-{room.id}">.*?</tr>', client.get(PAGE).text, re.S).group(0)
    assert re.search(r'class="own">.*?12:00–14:00', table)

    as_partner(auth, make)
    html = live_check(client, room)
    assert "notice--bad" in html and "is open on Tuesday from 12:00 to 14:00" in html
    assert "notice--ok" in live_check(client, room, start="12:00", end="14:00")
    assert "notice--ok" in live_check(client, room, day=SUNDAY)  # the house is closed on Sundays
    assert "notice--ok" in live_check(client, hall)
    assert "notice--bad" in live_check(client, hall, day=SUNDAY)


def test_a_resource_closed_on_a_day_the_house_is_open(client, auth, make, manager, room):
    response = client.post(f"/manage/hours/{room.id}", data=own_week(day1="closed"))
    assert response.status_code == 303
    assert (room.id, 1, None, None) in rows()
    as_partner(auth, make)
    assert "is closed on Tuesday" in live_check(client, room)


def test_like_the_house_again_removes_the_own_hours(client, make, manager, room):
    client.post(f"/manage/hours/{room.id}", data=own_week(day1="closed", day2=("09:00", "12:00")))
    html = client.get(f"/manage/hours/{room.id}").text
    assert re.search(r'<option selected value="closed">', html.split('id="day1"')[1])
    assert re.search(r'<option selected value="open">', html.split('id="day2"')[1]) and 'value="12:00"' in html
    assert re.search(r'<option selected value="house">', html.split('id="day3"')[1])
    assert "The house: 08:00–22:00" in html
    response = client.post(f"/manage/hours/{room.id}", data=own_week(day2=("09:00", "12:00")))
    assert response.status_code == 303
    assert rows() == DEFAULT + [(room.id, 2, 540, 720)]


def test_bad_resource_hours_are_refused_and_nothing_saved(client, manager, room):
    response = client.post(f"/manage/hours/{room.id}", data=own_week(day0=("07:30", "21:00"), day1=("14:00", "12:00")))
    assert response.status_code == 422
    assert 'id="day1-closes-error"' in response.text
    assert 'value="07:30"' in response.text
    assert rows() == DEFAULT


# CSRF

def test_posts_without_the_csrf_token_are_refused(app, client, manager, room):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(PAGE, data=week(day1="closed")).status_code == 400
    assert client.post(f"/manage/hours/{room.id}", data=own_week(day1="closed")).status_code == 400
    assert rows() == DEFAULT
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(PAGE).text).group(1)
    assert client.post(PAGE, data={**week(day1="closed"), "csrf_token": token}).status_code == 303


# Queries

def test_the_page_loads_in_a_fixed_number_of_queries(client, make, manager, room):
    from tests.http.querycount import count_queries

    client.post(f"/manage/hours/{room.id}", data=own_week(day1="closed"))
    with count_queries() as few:
        assert client.get(PAGE).status_code == 200
    for n in range(5):
        other = make.resource(f"Raum {n}")
        client.post(f"/manage/hours/{other.id}", data=own_week(day2=("09:00", "12:00")))
    with count_queries() as many:
        assert client.get(PAGE).status_code == 200
    assert many.count == few.count
