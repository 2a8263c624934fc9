"""'Tuesday to Friday as Monday': one box in the hours forms, ticked, saves Monday's hours for the week's days.

It works without JavaScript: the server copies Monday before it checks and saves; the other
days keep what they had. Unticked, every day is saved as typed.
"""

import re

import pytest

from booking.models import Role
from tests.http.test_manage_hours import DEFAULT, PAGE, own_week, rows, week


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Hausleitung", language="en")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def test_the_house_form_offers_the_box_with_monday(client, manager):
    html = client.get(PAGE).text
    assert 'id="same_as_monday"' in html and "Tuesday to Friday as Monday" in html
    assert html.index('id="same_as_monday"') < html.index('id="day1"')  # in Monday's part of the form


def test_ticked_tuesday_to_friday_get_mondays_hours_and_the_weekend_stays(client, manager):
    data = week(day0=("09:00", "20:30"), day1="closed", day2=("07:00", "12:00"), day5=("11:00", "15:00"))
    data["same_as_monday"] = "y"
    response = client.post(PAGE, data=data)
    assert response.status_code == 303
    assert rows() == [(None, day, 540, 1230) for day in range(5)] + [(None, 5, 660, 900)]


def test_ticked_with_monday_closed_closes_tuesday_to_friday(client, manager):
    data = week(day0="closed")
    data["same_as_monday"] = "y"
    assert client.post(PAGE, data=data).status_code == 303
    assert rows() == [(None, 5, 600, 1080)]


def test_unticked_every_day_is_saved_as_typed(client, manager):
    response = client.post(PAGE, data=week(day0=("09:00", "20:30"), day1="closed"))
    assert response.status_code == 303
    assert (None, 0, 540, 1230) in rows() and not [r for r in rows() if r[1] == 1]
    assert (None, 2, 480, 1320) in rows()


def test_ticked_with_a_bad_monday_is_refused_and_nothing_saved(client, manager):
    data = week(day0=("18:00", "08:00"))
    data["same_as_monday"] = "y"
    response = client.post(PAGE, data=data)
    assert response.status_code == 422
    assert 'id="day0-closes-error"' in response.text
    box = re.search(r'<input[^>]*id="same_as_monday"[^>]*>', response.text)[0]
    assert "checked" in box  # the box stays ticked, as sent
    assert rows() == DEFAULT


def test_a_resource_form_copies_monday_too(client, manager, room):
    data = own_week(day0=("12:00", "14:00"), day4="closed")
    data["same_as_monday"] = "y"
    response = client.post(f"/manage/hours/{room.id}", data=data)
    assert response.status_code == 303
    assert rows() == DEFAULT + [(room.id, day, 720, 840) for day in range(5)]
