"""Quotas per group: shown with the live check, enforced for partners, overridable by a manager."""

import pytest

from datetime import timedelta

from booking.extensions import db
from booking.models import Booking, ChangeRecord, Organisation, Role, Status
from tests.conftest import count_rows, future_day


@pytest.fixture
def group(make):
    return make.organisation("Chor", quota_room_hours=4, quota_open_requests=2)


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def form(room, day, start="10:00", end="12:00", **more):
    return {"resource_id": str(room.id), "date": day.isoformat(), "start": start, "end": end,
            "title": "Probe", "attendees": "10", "purpose_id": "7", **more}


def test_live_check_shows_the_quota_and_what_is_left(client, auth, make, group, room):
    member = make.user(Role.PARTNER, group)
    day = future_day(weeks=2)
    make.booking(room, group, day=day, start="08:00", end="11:00", status=Status.APPROVED)
    auth.login(member)
    check = client.get("/requests/new", query_string=form(room, day, "14:00", "16:00"),
                       headers={"HX-Request": "true"})
    html = check.get_data(as_text=True)
    assert "3 of 4 hours" in html or "3 von 4 Stunden" in html
    assert "Open requests: 0 of 2." in html or "0 von 2" in html  # an approved booking is not open
    assert "quota_hours" not in html


def test_partner_past_the_monthly_hours_is_refused_with_the_reason(client, auth, make, group, room):
    member = make.user(Role.PARTNER, group)
    day = future_day(weeks=2)
    make.booking(room, group, day=day, start="08:00", end="11:00", status=Status.APPROVED)
    auth.login(member)
    before = count_rows(Booking)
    response = client.post("/requests/new", data=form(room, day, "14:00", "16:00"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "1 hours are left" in html or "1 Stunden" in html
    assert count_rows(Booking) == before
    # One hour still fits.
    response = client.post("/requests/new", data=form(room, day, "14:00", "15:00"))
    assert response.status_code == 303
    assert count_rows(Booking) == before + 1


def test_partner_with_too_many_open_requests_is_refused(client, auth, make, group, room):
    group.quota_room_hours = None
    db.session.commit()
    member = make.user(Role.PARTNER, group)
    make.booking(room, group, day=future_day(weeks=3))
    make.booking(room, group, day=future_day(weeks=4))
    auth.login(member)
    response = client.post("/requests/new", data=form(room, future_day(weeks=5)))
    assert response.status_code == 422
    assert "2 open requests" in response.get_data(as_text=True) or "2 offene" in response.get_data(as_text=True)
    assert count_rows(Booking) == 2


def test_another_groups_bookings_do_not_count(client, auth, make, group, room):
    make.booking(room, make.organisation("Andere"), day=future_day(weeks=2), start="08:00", end="12:00",
                 status=Status.APPROVED)
    auth.login(make.user(Role.PARTNER, group))
    response = client.post("/requests/new", data=form(room, future_day(weeks=2), "14:00", "18:00"))
    assert response.status_code == 303


def test_manager_overrides_the_quota_with_a_reason(client, auth, make, group, room):
    day = future_day(weeks=2)
    make.booking(room, group, day=day, start="08:00", end="11:00", status=Status.APPROVED)
    auth.login(make.user(Role.MANAGER))
    data = form(room, day, "14:00", "16:00", organisation_id=str(group.id))
    response = client.post("/requests/new", data=data)
    assert response.status_code == 422
    assert "reason" in response.get_data(as_text=True).lower() or "Grund" in response.get_data(as_text=True)
    response = client.post("/requests/new", data={**data, "override_reason": "Konzert"})
    assert response.status_code == 303
    booking = db.session.scalars(db.select(Booking).where(Booking.override_reason == "Konzert")).one()
    assert booking.organisation_id == group.id


def test_manager_sets_quotas_in_the_group_form_empty_means_none(client, auth, make, group):
    auth.login(make.user(Role.MANAGER))
    data = {"name": "Chor", "kind": "association", "active": "y", "quota_room_hours": "10",
            "quota_open_requests": ""}
    assert client.post(f"/manage/organisations/{group.id}/edit", data=data).status_code == 303
    db.session.expire_all()
    assert (group.quota_room_hours, group.quota_open_requests) == (10, None)
    assert count_rows(ChangeRecord, ChangeRecord.subject == "organisation", ChangeRecord.action == "changed", ChangeRecord.changes.contains("quota_room_hours")) == 1
    for bad in ("0", "-4", "zehn", "99999999999"):
        response = client.post(f"/manage/organisations/{group.id}/edit", data={**data, "quota_room_hours": bad})
        assert response.status_code == 422, bad
        assert f'value="{bad}"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, group.id).quota_room_hours == 10


def test_a_series_counts_its_dates_against_the_monthly_hours(client, auth, make, room):
    """Two-hour dates twice a week against six hours a month: the dates past the quota are refused."""
    from datetime import timedelta
    from html import unescape

    group = make.organisation("Kurs", quota_room_hours=6)
    auth.login(make.user(Role.PARTNER, group, language="en"))
    first = future_day(weekday=1, weeks=6).replace(day=1)  # a month that begins after the notice
    first = first + timedelta(days=(1 - first.weekday()) % 7)  # the month's first Tuesday
    data = {"resource_id": str(room.id), "date": first.isoformat(), "start": "17:00", "end": "19:00",
            "title": "Kurs", "attendees": "5", "purpose_id": "7", "repeat": "weekly", "every": "1", "weekdays": ["1"],
            "repeat_count": "4"}
    html = unescape(client.post("/requests/new", data=data, headers={"Accept-Language": "en"}).get_data(as_text=True))
    fourth = first + timedelta(days=21)
    assert f'value="{(first + timedelta(days=14)).isoformat()}" checked' in html
    assert f'value="{fourth.isoformat()}" checked' not in html
    assert "Your group can book rooms for 6 hours a month" in html
    response = client.post("/requests/new", data={**data, "send": "1", "dates": [fourth.isoformat(), first.isoformat(),
                                                                                (first + timedelta(days=7)).isoformat(),
                                                                                (first + timedelta(days=14)).isoformat()]})
    assert response.status_code == 422
    assert count_rows(Booking) == 0


def test_a_series_is_one_open_request(client, auth, make, room):
    from booking import quotas
    from booking.clock import now
    group = make.organisation("Kurs", quota_open_requests=2)
    series_member = make.user(Role.PARTNER, group)
    from booking.models import Series
    from datetime import time
    series = Series(organisation=group, requested_by=series_member, resource=room, title="K", weekdays="1",
                    first_day=future_day(weeks=3), start=time(17), end=time(19))
    db.session.add(series)
    for weeks in (3, 4, 5):
        make.booking(room, group, day=future_day(weeks=weeks), series=series)
    make.booking(room, group, day=future_day(weeks=6))
    quota = quotas.load(db.session, group, now(), now() + timedelta(days=1), at=now())
    assert quota.open_now == 2
