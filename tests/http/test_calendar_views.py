"""The week and the month of the house, as pages and as htmx fragments, for every role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.models import Closure, ResourceKind, Role, Status
from tests.conftest import at, future_day
from tests.http.querycount import count_queries

ROLES = (Role.PARTNER, Role.DESK, Role.MANAGER, Role.ADMIN)
HX = {"HX-Request": "true"}


@pytest.fixture
def house(make):
    ours = make.organisation("Deutsch für alle e.V.")
    theirs = make.organisation("Geheimer Chor")
    saal = make.resource("Saal", capacity=80)
    kueche = make.resource("Lehrküche", capacity=12, setup_minutes=15, cleanup_minutes=30)
    day = future_day(weekday=1, weeks=2)
    own = make.booking(saal, ours, day=day, start="10:00", end="12:00", status=Status.APPROVED, title="Sprachkurs")
    secret = make.booking(kueche, theirs, day=day, start="14:00", end="16:00", status=Status.APPROVED,
                          title="Probe mit Geheimnis", note="Schlüssel bei Frau X")
    make.booking(saal, theirs, day=day, start="18:00", end="19:00", status=Status.PENDING, title="Wartet noch")
    closure = Closure(resource=kueche, starts_at=at(day + timedelta(days=1), "08:00"),
                      ends_at=at(day + timedelta(days=1), "12:00"), reason="Wartung des Herds")
    from booking.extensions import db
    db.session.add(closure)
    db.session.commit()
    return dict(ours=ours, theirs=theirs, saal=saal, kueche=kueche, day=day, own=own, secret=secret)


def login_as(make, auth, role, house):
    user = make.user(role, house["ours"] if role == Role.PARTNER else None)
    auth.login(user)
    return user


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_the_week_of_all_rooms_shows_bookings_and_closures(client, auth, make, house, role, headers):
    login_as(make, auth, role, house)
    response = client.get(f"/calendar/week?kind=room&date={house['day'].isoformat()}", headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert ("<html" in html) == (not headers)
    assert "Sprachkurs" in html and "Deutsch für alle e.V." in html
    assert "Wartung des Herds" in html
    assert "Wartet noch" not in html  # the week shows approved bookings only
    if role == Role.PARTNER:
        assert "Probe mit Geheimnis" not in html and "Geheimer Chor" not in html
        assert "Belegt" in html
        assert f"/requests/{house['secret'].id}" not in html
    else:
        assert "Probe mit Geheimnis" in html and "Geheimer Chor" in html
        assert f"/requests/{house['secret'].id}" in html
    assert "Schlüssel bei Frau X" not in html


@pytest.mark.parametrize("role", ROLES)
def test_one_resource_s_week_offers_empty_hours_to_whoever_may_request(client, auth, make, house, role):
    login_as(make, auth, role, house)
    day = house["day"]
    html = client.get(f"/calendar/week?resource={house['saal'].id}&date={day.isoformat()}").get_data(as_text=True)
    slot = f"/requests/new?resource_id={house['saal'].id}&amp;date={day.isoformat()}&amp;start=15:00&amp;end=16:00"
    taken = f"/requests/new?resource_id={house['saal'].id}&amp;date={day.isoformat()}&amp;start=10:00"
    assert "Lehrküche" not in html.split('class="week"')[1]  # only the chosen room's bookings
    if role in (Role.PARTNER, Role.MANAGER, Role.ADMIN):
        assert slot in html
        assert taken not in html
    else:
        assert "/requests/new?" not in html


def test_an_empty_slot_opens_a_prefilled_form(client, auth, make, house):
    login_as(make, auth, Role.PARTNER, house)
    day = house["day"]
    html = client.get(f"/requests/new?resource_id={house['saal'].id}&date={day.isoformat()}&start=15:00&end=16:00"
                      ).get_data(as_text=True)
    assert f'value="{day.isoformat()}"' in html and 'value="15:00"' in html and 'value="16:00"' in html
    assert "Frei." in html


@pytest.mark.parametrize("query, status", [
    ("date=1999-12-31", 422),
    ("date=2101-01-03", 422),
    ("date=2026-13-40", 422),
    ("date=gestern", 422),
    ("resource=999999", 404),
    ("resource=abc", 404),
    ("kind=boat", 404),
])
def test_bad_weeks_get_a_message_not_today(client, auth, make, house, query, status):
    login_as(make, auth, Role.MANAGER, house)
    response = client.get(f"/calendar/week?{query}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    if status == 422:
        assert 'role="alert"' in html
        assert "Sprachkurs" not in html


def test_an_inactive_resource_has_no_week(client, auth, make, house):
    login_as(make, auth, Role.MANAGER, house)
    from booking.extensions import db
    house["saal"].active = False
    db.session.commit()
    assert client.get(f"/calendar/week?resource={house['saal'].id}").status_code == 404


def test_the_week_of_plots_and_equipment(client, auth, make, house):
    plot = make.resource("Beet 3", kind=ResourceKind.PLOT)
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    day = house["day"]
    make.booking(beamer, house["ours"], day=day, start="09:00", end="11:00", status=Status.APPROVED,
                 title="Vortrag", attendees=None)
    login_as(make, auth, Role.DESK, house)
    html = client.get(f"/calendar/week?kind=equipment&date={day.isoformat()}").get_data(as_text=True)
    assert "Vortrag" in html and "Beamer" in html
    assert client.get(f"/calendar/week?resource={plot.id}&date={day.isoformat()}").status_code == 200


def test_the_week_loads_in_a_fixed_number_of_queries(client, auth, make, house):
    login_as(make, auth, Role.MANAGER, house)
    url = f"/calendar/week?kind=room&date={house['day'].isoformat()}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(8):
        room = make.resource(f"Raum {n}")
        make.booking(room, house["theirs"], day=house["day"], start="09:00", end="10:00", status=Status.APPROVED)
    client.get(url)
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "fragment"])
def test_the_month_shows_how_full_each_kind_is(client, auth, make, house, role, headers):
    login_as(make, auth, role, house)
    month = house["day"].strftime("%Y-%m")
    response = client.get(f"/calendar/month?month={month}", headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("<html" in html) == (not headers)
    assert f'/board/?date={house["day"].isoformat()}' in html
    assert "Räume" in html and "<meter" in html
    # The month says how full, never who.
    assert "Geheimer Chor" not in html and "Probe mit Geheimnis" not in html


def test_the_month_counts_booked_hours_against_opening_hours(client, auth, make, house):
    login_as(make, auth, Role.MANAGER, house)
    html = client.get(f"/calendar/month?month={house['day'].strftime('%Y-%m')}").get_data(as_text=True)
    cell = html.split(f'/board/?date={house["day"].isoformat()}')[1].split("</td>")[0]
    # Tuesday 08:00-22:00 in two rooms (28 hours); 2 + 2 hours approved: 14 %.
    assert 'value="14"' in cell and "14 %" in cell


@pytest.mark.parametrize("month", ["1999-12", "2101-01", "2026-13", "2026-1", "heute"])
def test_bad_months_get_a_message(client, auth, make, house, month):
    login_as(make, auth, Role.PARTNER, house)
    response = client.get(f"/calendar/month?month={month}")
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)


def test_the_calendar_needs_a_login(client):
    for url in ("/calendar/week", "/calendar/month", "/calendar/free", "/calendar/feeds"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
