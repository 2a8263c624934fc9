"""Competing requests for one time, decided together on one page in one transaction."""

import re

import pytest

from booking import workflow
from booking.clock import now
from booking.decisions.models import Offer, OfferState
from booking.extensions import db
from booking.models import Attendance, AuditEvent, Booking, Role, Status
from tests.conftest import count_rows, future_day


@pytest.fixture
def saal(make):
    return make.resource("Saal", capacity=80)


@pytest.fixture
def manager(make, auth):
    user = make.user(Role.MANAGER, name="Maria Manager")
    auth.login(user)
    return user


@pytest.fixture
def three(make, saal):
    choir = make.organisation("Chor")
    make.booking(saal, choir, day=future_day(weeks=-3), status=Status.APPROVED, attendance=Attendance.NO_SHOW)
    return [
        make.booking(saal, choir, title="Chorprobe", attendees=30),
        make.booking(saal, make.organisation("Theater"), start="11:00", end="13:00", title="Theaterprobe"),
        make.booking(saal, make.organisation("Tanz"), start="09:00", end="10:30", title="Tanzkurs", note="Mit Musik"),
    ]


def seen(html: str) -> str:
    return re.search(r'name="seen"[^>]*value="([^"]+)"', html).group(1)


def test_page_shows_every_competing_request_side_by_side(client, manager, three):
    html = client.get(f"/manage/bookings/{three[0].id}/together").get_data(as_text=True)
    for b in three:
        assert f'id="rival-{b.id}"' in html and b.title in html
    assert "Mit Musik" in html and "Theater" in html
    # the choir's record: one earlier booking, not come
    card = html[html.index(f'id="rival-{three[0].id}"'):html.index(f'id="rival-{three[1].id}"')]
    assert re.search(r"1\D+1", card)


def test_queue_card_links_to_the_page(client, manager, three):
    html = client.get("/manage/queue").get_data(as_text=True)
    assert f"/manage/bookings/{three[0].id}/together" in html


def test_one_approved_the_others_rejected_with_one_reason(client, manager, three):
    page = client.get(f"/manage/bookings/{three[0].id}/together").get_data(as_text=True)
    response = client.post(f"/manage/bookings/{three[0].id}/together", data={
        "chosen": str(three[1].id), "others": "reject", "reason": "Die Theaterprobe war zuerst geplant.",
        "seen": seen(page)})
    assert response.status_code == 303
    statuses = {b.id: s for b, s in ((b, db.session.get(Booking, b.id).status) for b in three)}
    assert statuses == {three[0].id: Status.REJECTED, three[1].id: Status.APPROVED, three[2].id: Status.REJECTED}
    assert count_rows(AuditEvent, AuditEvent.reason == "Die Theaterprobe war zuerst geplant.") == 2


def test_the_others_can_be_counter_offered(client, manager, three):
    page = client.get(f"/manage/bookings/{three[0].id}/together").get_data(as_text=True)
    response = client.post(f"/manage/bookings/{three[0].id}/together", data={
        "chosen": str(three[0].id), "others": "offer", "reason": "Der Chor probt dort seit Jahren.",
        "seen": seen(page)})
    assert response.status_code == 303
    assert count_rows(Offer, Offer.state == OfferState.OPEN) == 2
    assert count_rows(Booking, Booking.status == Status.PENDING) == 2


def test_a_set_that_changed_meanwhile_is_refused_and_nothing_is_written(client, manager, three, make):
    page = client.get(f"/manage/bookings/{three[0].id}/together").get_data(as_text=True)
    workflow.approve(db.session, db.session.get(Booking, three[2].id), manager, now())  # another manager
    db.session.commit()
    response = client.post(f"/manage/bookings/{three[0].id}/together", data={
        "chosen": str(three[0].id), "others": "reject", "reason": "Zu spät", "seen": seen(page)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Tanzkurs" in html  # which request was decided meanwhile
    assert count_rows(Booking, Booking.status == Status.PENDING) == 2
    assert count_rows(AuditEvent, AuditEvent.reason == "Zu spät") == 0


def test_a_new_competitor_changes_the_fingerprint(client, manager, three, make, saal):
    page = client.get(f"/manage/bookings/{three[0].id}/together").get_data(as_text=True)
    make.booking(saal, make.organisation("Neu"), start="10:30", end="11:30", title="Neu dazu")
    response = client.post(f"/manage/bookings/{three[0].id}/together", data={
        "chosen": str(three[0].id), "others": "reject", "reason": "Zu spät", "seen": seen(page)})
    assert response.status_code == 409 and "Neu dazu" in response.get_data(as_text=True)
    assert count_rows(Booking, Booking.status == Status.PENDING) == 4


def test_missing_reason_or_choice_is_422_with_what_was_typed(client, manager, three):
    page = client.get(f"/manage/bookings/{three[0].id}/together").get_data(as_text=True)
    response = client.post(f"/manage/bookings/{three[0].id}/together", data={
        "chosen": str(three[0].id), "others": "reject", "reason": "", "seen": seen(page)})
    assert response.status_code == 422
    response = client.post(f"/manage/bookings/{three[0].id}/together", data={
        "chosen": "999999", "others": "reject", "reason": "Grund hier", "seen": seen(page)})
    assert response.status_code == 422 and "Grund hier" in response.get_data(as_text=True)
    assert count_rows(Booking, Booking.status == Status.PENDING) == 3


def test_partners_never_see_the_page(client, auth, three, make):
    auth.login(three[0].requested_by)
    assert client.get(f"/manage/bookings/{three[0].id}/together").status_code == 403
    assert client.post(f"/manage/bookings/{three[0].id}/together", data={"chosen": str(three[0].id)}).status_code == 403


def test_an_approver_without_right_to_one_of_the_set_gets_403(client, manager, three, monkeypatch):
    from booking import policy

    page = client.get(f"/manage/bookings/{three[0].id}/together").get_data(as_text=True)
    monkeypatch.setattr(policy, "can_decide", lambda user, b: b.id != three[2].id)
    response = client.post(f"/manage/bookings/{three[0].id}/together", data={
        "chosen": str(three[0].id), "others": "reject", "reason": "Grund", "seen": seen(page)})
    assert response.status_code == 403
    assert count_rows(Booking, Booking.status == Status.PENDING) == 3
