"""The request form's free times: what the panel offers, the live check accepts."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from booking import availability
from booking.clock import now, to_utc
from booking.extensions import db
from booking.models import Booking, Closure, Role, Status
from booking.rules import Ask, Limits, Part
from tests.conftest import at, count_rows, future_day

GAP = re.compile(r'<a class="free-gap" href="([^"]+)"')


def offered(html: str) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in parse_qs(urlsplit(unescape(href)).query).items()} for href in GAP.findall(html)]


@pytest.fixture
def house(make):
    group = make.organisation("Nachbarschaftshilfe")
    other = make.organisation("Anderer Verein")
    kueche = make.resource("Lehrküche", capacity=12, setup_minutes=15, cleanup_minutes=30, max_hours=3)
    day = future_day(weekday=1, weeks=2)
    make.booking(kueche, other, day=day, start="10:00", end="12:00", status=Status.APPROVED, title="Kochkurs geheim")
    make.booking(kueche, other, day=day, start="17:00", end="18:00", status=Status.PENDING)
    db.session.add(Closure(resource=kueche, starts_at=at(day + timedelta(days=1), "13:00"),
                           ends_at=at(day + timedelta(days=1), "15:00"), reason="Herd wird repariert"))
    db.session.commit()
    partner = make.user(Role.PARTNER, group)
    return dict(group=group, kueche=kueche, day=day, partner=partner)


def check(app, resource, fields, limits):
    day = fields["date"]
    from datetime import date
    d = date.fromisoformat(day)
    ask = Ask((Part(resource),), to_utc(d, time.fromisoformat(fields["start"])), to_utc(d, time.fromisoformat(fields["end"])))
    return availability.check(db.session, ask, now(), limits)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "fragment"])
def test_every_gap_offered_is_accepted_by_the_rules(app, client, auth, house, headers):
    auth.login(house["partner"])
    kueche, day = house["kueche"], house["day"]
    response = client.get(f"/calendar/free?resource_id={kueche.id}&date={day.isoformat()}", headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    gaps = offered(html)
    assert len(gaps) == 8  # one a day from Monday to Saturday; two around the booking and two around the closure
    limits = Limits(notice=timedelta(hours=app.config["MIN_NOTICE_HOURS"]), horizon=timedelta(days=app.config["HORIZON_DAYS"]))
    for fields in gaps:
        verdict = check(app, kueche, fields, limits)
        assert verdict.ok, (fields, [str(r) for r in verdict.reasons])
    on_the_day = [g for g in gaps if g["date"] == day.isoformat()]
    # 10:00-12:00 booked; 15 minutes' set-up and 30 clean-up; at most three hours.
    assert {(g["start"], g["end"]) for g in on_the_day} == {("08:15", "09:15"), ("12:45", "15:45")}
    assert "Herd wird repariert" not in html  # the panel says closed, not why
    assert "Kochkurs geheim" not in html
    assert "10:00–12:45" not in html and "09:45–12:30" in html  # busy with the buffers


def test_picking_a_gap_fills_the_form_and_the_request_goes_through(client, auth, house):
    auth.login(house["partner"])
    kueche, day = house["kueche"], house["day"]
    html = client.get(f"/requests/new?resource_id={kueche.id}&date={day.isoformat()}").get_data(as_text=True)
    assert 'id="free-times"' in html
    fields = next(g for g in offered(html) if g["date"] == day.isoformat() and g["start"] == "12:45")
    form = client.get("/requests/new", query_string=fields).get_data(as_text=True)
    assert 'value="12:45"' in form and 'value="15:45"' in form and "Frei." in form
    response = client.post("/requests/new", data={**fields, "purpose_id": "7", "title": "Suppenküche", "attendees": "8", "units": "1"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert count_rows(Booking, Booking.title == "Suppenküche") == 1


def test_a_manager_sees_the_gaps_a_partner_may_not_take(client, auth, make, house):
    """Managers are not held to the notice: tomorrow is free for them, not for a partner group."""
    kueche = house["kueche"]
    tomorrow = (now() + timedelta(days=1)).astimezone(to_utc(house["day"], time()).tzinfo)
    from booking.clock import today
    day = today() + timedelta(days=1)
    auth.login(house["partner"])
    partner_gaps = offered(client.get(f"/calendar/free?resource_id={kueche.id}&date={day.isoformat()}").get_data(as_text=True))
    auth.logout()
    auth.login(make.user(Role.MANAGER))
    manager_gaps = offered(client.get(f"/calendar/free?resource_id={kueche.id}&date={day.isoformat()}").get_data(as_text=True))
    assert not [g for g in partner_gaps if g["date"] == day.isoformat()]
    if day.weekday() != 6:  # closed on Sundays
        assert [g for g in manager_gaps if g["date"] == day.isoformat()]
    del tomorrow


@pytest.mark.parametrize("query, status", [
    ("resource_id=999999&date=2027-01-12", 404),
    ("resource_id=abc", 404),
    ("date=2101-01-01", 422),
    ("date=kein-datum", 422),
])
def test_bad_input_to_the_panel(client, auth, house, query, status):
    auth.login(house["partner"])
    assert client.get(f"/calendar/free?{query}").status_code == status


def test_the_desk_has_no_request_form_and_no_panel(client, auth, make, house):
    auth.login(make.user(Role.DESK))
    assert client.get(f"/calendar/free?resource_id={house['kueche'].id}").status_code == 403
