"""A partner group asks for a weekly course: the dates with their verdicts, then the series."""

from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Booking, Role, Series, Status
from tests.conftest import count_rows, future_day

EN = {"Accept-Language": "en"}


@pytest.fixture
def partner(make, auth):
    user = make.user(Role.PARTNER, name="Claudia Neumann", language="en")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def course(room, first, **more):
    return {"resource_id": str(room.id), "date": first.isoformat(), "start": "17:00", "end": "19:00",
            "purpose_id": "7", "title": "Deutschkurs A2", "attendees": "12", "repeat": "weekly", "every": "1",
            "weekdays": ["1", "3"], "repeat_count": "8", **more}


def test_the_preview_lists_every_date_with_its_verdict_and_sends_nothing(client, partner, room, make):
    first = future_day(weekday=1, weeks=3)
    taken = first + timedelta(days=9)  # the Thursday of the following week
    make.booking(room, day=taken, start="18:00", end="20:00", status=Status.APPROVED)
    response = client.post("/requests/new", data=course(room, first))
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert html.count('name="dates"') == 8 - html.count("Left out:")
    assert f'value="{taken.isoformat()}"' in html and "is already booked 18:00–20:00" in html
    assert f'value="{taken.isoformat()}" checked' not in html  # the taken date is not ticked
    assert count_rows(Booking) == 1 and count_rows(Series) == 0


def test_sending_the_ticked_dates_creates_one_pending_booking_each(client, partner, room):
    first = future_day(weekday=1, weeks=3)
    preview = unescape(client.post("/requests/new", data=course(room, first)).get_data(as_text=True))
    offered = [d for d in (first + timedelta(days=n) for n in range(0, 40)) if f'value="{d.isoformat()}"' in preview]
    chosen = offered[:-1]  # the partner unticks the last date
    response = client.post("/requests/new", data={**course(room, first), "send": "1",
                                                  "dates": [d.isoformat() for d in chosen]})
    assert response.status_code == 303
    series = db.session.scalar(sa.select(Series))
    assert [b.status for b in series.bookings] == [Status.PENDING] * len(chosen)
    assert series.weekdays == "1,3" and series.title == "Deutschkurs A2"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Deutschkurs A2" in page and page.count('id="date-') == len(chosen)
    assert "Deutschkurs A2" in client.get("/requests/").get_data(as_text=True)


def test_a_taken_date_cannot_be_sent(client, partner, room, make):
    first = future_day(weekday=1, weeks=3)
    make.booking(room, day=first, start="17:00", end="19:00", status=Status.APPROVED)
    response = client.post("/requests/new", data={**course(room, first), "send": "1", "dates": [first.isoformat()]})
    assert response.status_code == 409
    assert count_rows(Series) == 0 and count_rows(Booking) == 1


def test_a_pattern_beyond_two_years_is_refused_at_its_field(client, partner, room):
    first = future_day(weekday=1, weeks=3)
    data = course(room, first, repeat_count="", repeat_until=(first + timedelta(days=800)).isoformat())
    response = client.post("/requests/new", data=data, headers=EN)
    assert response.status_code == 422
    assert "A series runs for two years at most." in response.get_data(as_text=True)
    assert count_rows(Series) == 0


def test_the_group_cancels_this_and_all_following_dates(client, partner, room):
    first = future_day(weekday=1, weeks=3)
    preview = unescape(client.post("/requests/new", data=course(room, first)).get_data(as_text=True))
    chosen = [d.isoformat() for d in (first + timedelta(days=n) for n in range(0, 40))
              if f'value="{d.isoformat()}"' in preview]
    client.post("/requests/new", data={**course(room, first), "send": "1", "dates": chosen})
    series = db.session.scalar(sa.select(Series))
    third = series.bookings[2]
    response = client.post(f"/requests/series/{series.id}/cancel", data={"booking_id": third.id, "scope": "following"})
    assert response.status_code == 303
    statuses = [s for (s,) in db.session.execute(
        sa.select(Booking.status).where(Booking.series_id == series.id).order_by(Booking.starts_at))]
    assert statuses[:2] == [Status.PENDING] * 2 and set(statuses[2:]) == {Status.CANCELLED}


def test_another_group_cannot_see_or_cancel_the_series(client, partner, room, make, auth):
    first = future_day(weekday=1, weeks=3)
    preview = unescape(client.post("/requests/new", data=course(room, first)).get_data(as_text=True))
    chosen = [d.isoformat() for d in (first + timedelta(days=n) for n in range(0, 40))
              if f'value="{d.isoformat()}"' in preview]
    client.post("/requests/new", data={**course(room, first), "send": "1", "dates": chosen})
    series = db.session.scalar(sa.select(Series))
    auth.logout()
    auth.login(make.user(Role.PARTNER))
    assert client.get(f"/requests/series/{series.id}").status_code == 404
    response = client.post(f"/requests/series/{series.id}/cancel",
                           data={"booking_id": series.bookings[0].id, "scope": "all"})
    assert response.status_code == 404
    assert count_rows(Booking, Booking.status == Status.CANCELLED) == 0
