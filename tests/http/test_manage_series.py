"""Issue 4, the manager's side: a series in the queue as one card, its dates decided on its page."""

import re
from datetime import time

import pytest
import sqlalchemy as sa

from booking import series as serieswork
from booking.clock import now
from booking.extensions import db
from booking.models import AuditEvent, Booking, Role, Series, Status
from booking.recurrence import Pattern
from tests.conftest import count_rows, future_day
from tests.http.querycount import count_queries

TUE, THU = 1, 3


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Maria Manager")
    auth.login(user)
    return user


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 1", capacity=20)


def send_series(make, room, count=6, title="Deutschkurs A2", group="Deutsch für alle e.V."):
    """A Tuesday and Thursday course from three weeks ahead; returns it and its dates as sent
    (a public holiday among them is left out by the preview, so nothing assumes there is none)."""
    organisation = make.organisation(group)
    partner = make.user(Role.PARTNER, organisation)
    pattern = Pattern(future_day(TUE, weeks=3), time(17), time(19), (TUE, THU), count=count)
    planned = serieswork.preview(db.session, pattern, room, 12, now(), None)
    chosen = [p for p in planned if p.wanted]
    assert all(p.wanted or p.skipped for p in planned)
    series = serieswork.send(db.session, pattern, chosen, resource=room, by=partner, organisation=organisation,
                             title=title, attendees=12)
    db.session.commit()
    return series, chosen


def ids(series):
    return [b.id for b in series.bookings]


def statuses(series_id):
    rows = db.session.execute(sa.select(Booking.id, Booking.status).where(Booking.series_id == series_id)
                              .execution_options(populate_existing=True))
    return {row.id: row.status for row in rows}


def approved_in(series_id) -> int:
    return count_rows(Booking, Booking.series_id == series_id, Booking.status == Status.APPROVED)


# The queue

def test_queue_shows_a_series_as_one_card_with_its_counts(client, manager, room, make):
    series, chosen = send_series(make, room, count=52)
    single = make.booking(make.resource(), title="Einzeltermin")
    html = client.get("/manage/queue").get_data(as_text=True)
    assert len(re.findall(r'id="series-\d+"', html)) == 1 and f'id="series-{series.id}"' in html
    assert len(re.findall(r'id="request-\d+"', html)) == 1 and f'id="request-{single.id}"' in html
    card = html[html.index(f'id="series-{series.id}"'):html.index(f'id="request-{single.id}"')]
    assert "Deutschkurs A2" in card and "Deutsch für alle e.V." in card and "Seminarraum 1" in card
    assert f'data-status="pending">{len(chosen)} ' in card
    assert 'data-status="approved">0 ' in card
    assert f'href="/manage/series/{series.id}"' in card
    assert "17:00–19:00" in card and "Di. und Do." in card


def test_queue_card_counts_decided_dates_and_drops_a_series_with_nothing_pending(client, manager, room, make):
    series, chosen = send_series(make, room, count=4)
    first, second, *rest = ids(series)
    serieswork.approve(db.session, series, {first}, manager, now())
    serieswork.reject(db.session, series, {second}, manager, now(), "Raum belegt")
    db.session.commit()
    card = client.get("/manage/queue").get_data(as_text=True)
    assert f'data-status="pending">{len(rest)} ' in card
    assert 'data-status="approved">1 ' in card and 'data-status="rejected">1 ' in card

    serieswork.reject(db.session, series, set(rest), manager, now(), "Raum belegt")
    db.session.commit()
    assert f'id="series-{series.id}"' not in client.get("/manage/queue").get_data(as_text=True)


def test_queue_with_series_needs_a_fixed_number_of_queries(client, manager, room, make):
    send_series(make, room, count=4)
    with count_queries() as few:
        client.get("/manage/queue")
    for n in range(3):
        send_series(make, make.resource(), count=10, title=f"Kurs {n}", group=f"Verein {n}")
    with count_queries() as many:
        html = client.get("/manage/queue").get_data(as_text=True)
    assert len(re.findall(r'id="series-\d+"', html)) == 4
    assert few.count == many.count


# The series page

def test_series_page_lists_every_date_with_its_verdict(client, manager, room, make):
    series, chosen = send_series(make, room)
    taken = chosen[1]
    make.booking(room, day=taken.day, start="18:00", end="20:00", status=Status.APPROVED, title="Elternabend")
    html = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    for p in chosen:
        assert f"{p.day.day}." in html
    rows = {b.id: html[html.index(f'id="date-{b.id}"'):] for b in series.bookings}
    taken_id = series.bookings[1].id
    assert "verdict--bad" in rows[taken_id].split("</tr>")[0]
    assert "checked" not in rows[taken_id].split("</tr>")[0]
    others = [b.id for b in series.bookings if b.id != taken_id]
    assert all("verdict--ok" in rows[i].split("</tr>")[0] and "checked" in rows[i].split("</tr>")[0] for i in others)
    # "Approve all free dates" posts exactly the free ones.
    all_form = html[html.index('class="series-all"'):html.index("</form>", html.index('class="series-all"'))]
    assert sorted(map(int, re.findall(r'name="booking_ids" value="(\d+)"', all_form))) == sorted(others)


def test_series_page_needs_a_fixed_number_of_queries(client, manager, room, make):
    small, _ = send_series(make, room, count=3)
    big, _ = send_series(make, make.resource(), count=30, title="Chor", group="Chor e.V.")
    pages = f"/manage/series/{small.id}", f"/manage/series/{big.id}"  # read before counting
    client.get(pages[0])  # the first request after the commits reloads the user
    with count_queries() as few:
        client.get(pages[0])
    with count_queries() as many:
        client.get(pages[1])
    assert few.count == many.count


def test_approving_the_chosen_dates_approves_exactly_those(client, manager, room, make):
    series, _ = send_series(make, room)
    chosen = ids(series)[:3]
    response = client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": chosen})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/manage/series/{series.id}")
    found = statuses(series.id)
    assert [i for i, s in found.items() if s == Status.APPROVED] == chosen
    assert all(s == Status.PENDING for i, s in found.items() if i not in chosen)
    assert count_rows(AuditEvent, AuditEvent.to_status == Status.APPROVED, AuditEvent.actor_id == manager.id) == 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-status="approved">3 ' in page and "Deutschkurs A2" in page


def test_a_date_taken_meanwhile_refuses_the_whole_approval_naming_it(client, manager, room, make):
    series, chosen = send_series(make, room)
    taken = chosen[2].day
    make.booking(room, day=taken, start="16:00", end="18:00", status=Status.APPROVED, title="Elternabend")
    response = client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": ids(series)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="series-refusal"' in html and f"{taken:%d.%m.%Y}" in html
    assert approved_in(series.id) == 0
    assert count_rows(AuditEvent, AuditEvent.actor_id == manager.id) == 0


def test_approving_nothing_is_refused(client, manager, room, make):
    series, _ = send_series(make, room)
    response = client.post(f"/manage/series/{series.id}/approve", data={})
    assert response.status_code == 422 and 'id="booking-ids-error"' in response.get_data(as_text=True)
    assert approved_in(series.id) == 0


def test_a_date_of_another_series_is_not_approved(client, manager, room, make):
    series, _ = send_series(make, room)
    other, _ = send_series(make, make.resource(), title="Chor", group="Chor e.V.")
    response = client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": ids(other)[:1]})
    assert response.status_code == 422
    assert approved_in(other.id) == 0


def test_rejecting_chosen_dates_with_a_reason(client, manager, room, make):
    series, _ = send_series(make, room)
    chosen = ids(series)[-2:]
    response = client.post(f"/manage/series/{series.id}/reject",
                           data={"booking_ids": chosen, "reason": "Raum wird renoviert."})
    assert response.status_code == 303
    found = statuses(series.id)
    assert [i for i, s in found.items() if s == Status.REJECTED] == chosen
    assert count_rows(Booking, Booking.series_id == series.id, Booking.decision_reason == "Raum wird renoviert.") == 2
    assert "Raum wird renoviert." in client.get(f"/manage/series/{series.id}").get_data(as_text=True)


def test_rejecting_without_a_reason_is_422_with_the_form_as_sent(client, manager, room, make):
    series, _ = send_series(make, room)
    chosen = ids(series)[:2]
    response = client.post(f"/manage/series/{series.id}/reject", data={"booking_ids": chosen, "reason": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="reason-error"' in html
    for booking_id in ids(series):
        row = html[html.index(f'id="date-{booking_id}"'):].split("</tr>")[0]
        assert ("checked" in row) == (booking_id in chosen)
    assert count_rows(Booking, Booking.series_id == series.id, Booking.status == Status.PENDING) == len(ids(series))


def test_posts_without_the_csrf_token_are_refused(app, client, manager, room, make):
    series, _ = send_series(make, room)
    app.config["WTF_CSRF_ENABLED"] = True
    first = ids(series)[:1]
    assert client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": first}).status_code == 400
    assert client.post(f"/manage/series/{series.id}/reject",
                       data={"booking_ids": first, "reason": "x"}).status_code == 400
    assert approved_in(series.id) == 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/manage/series/{series.id}").text).group(1)
    response = client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": first, "csrf_token": token})
    assert response.status_code == 303 and approved_in(series.id) == 1


def test_unknown_series_is_404(client, manager):
    assert client.get("/manage/series/4242").status_code == 404
    assert client.post("/manage/series/4242/approve", data={"booking_ids": [1]}).status_code == 404


def test_partners_and_desk_cannot_decide_a_series(client, auth, make, room):
    series, _ = send_series(make, room)
    first = ids(series)[:1]
    for role in (Role.PARTNER, Role.DESK):
        user = make.user(role, series.organisation) if role == Role.PARTNER else make.user(role)
        auth.login(user)
        assert client.get(f"/manage/series/{series.id}").status_code == 403
        assert client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": first}).status_code == 403
        assert client.post(f"/manage/series/{series.id}/reject",
                           data={"booking_ids": first, "reason": "x"}).status_code == 403
        auth.logout()
    response = client.get(f"/manage/series/{series.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": first}).status_code == 302
    assert approved_in(series.id) == 0
    assert db.session.get(Series, series.id) is not None
