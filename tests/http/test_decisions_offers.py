"""Counter-offers: the manager proposes another slot, the group accepts or declines it."""

from datetime import timedelta

import pytest

from booking.clock import now
from booking.decisions.models import Offer, OfferState
from booking.models import AuditEvent, Booking, ChangeRecord, Role, Status
from booking.notify.models import Kind, OutboxMessage
from tests.conftest import at, count_rows, future_day
from booking.extensions import db


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def one(model):
    db.session.expire_all()
    return db.session.scalars(db.select(model)).one()


@pytest.fixture
def saal(make):
    return make.resource("Saal", capacity=80)


@pytest.fixture
def world(make, saal):
    """A pending request of the choir, a manager and a choir member (not logged in yet)."""
    choir = make.organisation("Chor")
    member = make.user(Role.PARTNER, choir, name="Clara Chor")
    manager = make.user(Role.MANAGER, name="Maria Manager")
    request = make.booking(saal, choir, title="Chorprobe", requested_by=member)
    return {"choir": choir, "member": member, "manager": manager, "request": request}


def offer_form(resource, day, start="14:00", end="16:00", message="Vormittags ist der Saal belegt."):
    return {"resource_id": str(resource.id), "date": day.isoformat(), "start": start, "end": end, "message": message}


def make_offer(client, auth, world, saal, **kw):
    auth.login(world["manager"])
    response = client.post(f"/manage/bookings/{world['request'].id}/offer", data=offer_form(saal, future_day(), **kw))
    auth.logout()
    return response


def test_manager_sees_free_alternatives_and_sends_an_offer(client, auth, world, saal, make):
    make.booking(saal, make.organisation("Theater"), status=Status.APPROVED, start="09:00", end="13:00")
    auth.login(world["manager"])
    page = client.get(f"/manage/bookings/{world['request'].id}/offer")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/manage/bookings/{world['request'].id}/offer?resource_id={saal.id}" in html  # a free alternative to take
    response = client.post(f"/manage/bookings/{world['request'].id}/offer", data=offer_form(saal, future_day()))
    assert response.status_code == 303
    assert count_rows(Offer, Offer.state == OfferState.OPEN) == 1
    assert count_rows(OutboxMessage, OutboxMessage.kind == Kind.OFFERED) == 1
    assert count_rows(ChangeRecord, ChangeRecord.subject == "offer") == 1
    assert count_rows(Booking, Booking.status == Status.PENDING) == 1  # waits for the group's answer


def test_offer_of_a_taken_slot_is_refused_with_the_reason(client, auth, world, saal, make):
    make.booking(saal, make.organisation("Theater"), status=Status.APPROVED, title="Theater", start="14:00",
                 end="18:00")
    auth.login(world["manager"])
    response = client.post(f"/manage/bookings/{world['request'].id}/offer", data=offer_form(saal, future_day()))
    assert response.status_code == 409
    assert "Saal" in response.get_data(as_text=True)
    assert count_rows(Offer) == 0 and count_rows(OutboxMessage, OutboxMessage.kind == Kind.OFFERED) == 0


def test_offer_form_with_bad_input_comes_back_with_what_was_typed(client, auth, world, saal):
    auth.login(world["manager"])
    data = offer_form(saal, future_day(), start="", message="Bitte so")
    response = client.post(f"/manage/bookings/{world['request'].id}/offer", data=data)
    assert response.status_code == 422
    assert "Bitte so" in response.get_data(as_text=True)
    assert count_rows(Offer) == 0


def test_group_sees_the_offer_in_my_requests_and_accepts_with_one_click(client, auth, world, saal):
    assert make_offer(client, auth, world, saal).status_code == 303
    offer_id = one(Offer).id
    auth.login(world["member"])
    mine = client.get("/requests/").get_data(as_text=True)
    assert f'id="offer-{offer_id}"' in mine and f"/requests/offers/{offer_id}/accept" in mine
    detail = client.get(f"/requests/{world['request'].id}").get_data(as_text=True)
    assert "Vormittags ist der Saal belegt." in detail
    response = client.post(f"/requests/offers/{offer_id}/accept")
    assert response.status_code == 303
    booking = fresh(Booking, world["request"].id)
    assert booking.status == Status.APPROVED
    assert booking.starts_at == at(future_day(), "14:00") and booking.ends_at == at(future_day(), "16:00")
    assert booking.busy_from == booking.starts_at
    assert one(Offer).state == OfferState.ACCEPTED
    assert count_rows(AuditEvent, AuditEvent.to_status == Status.APPROVED, AuditEvent.actor_id == world["member"].id) == 1


def test_accepting_when_the_slot_was_taken_meanwhile_says_so_and_offers_alternatives(client, auth, world, saal, make):
    make_offer(client, auth, world, saal)
    make.booking(saal, make.organisation("Theater"), status=Status.APPROVED, start="15:00", end="17:00")
    auth.login(world["member"])
    response = client.post(f"/requests/offers/{one(Offer).id}/accept")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "nicht mehr frei" in html or "no longer free" in html
    assert "/requests/new?" in html  # the free slots there are now
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 1
    assert count_rows(Offer, Offer.state == OfferState.OPEN) == 1


def test_declining_closes_the_request_with_that_reason(client, auth, world, saal):
    make_offer(client, auth, world, saal)
    auth.login(world["member"])
    response = client.post(f"/requests/offers/{one(Offer).id}/decline")
    assert response.status_code == 303
    booking = fresh(Booking, world["request"].id)
    assert booking.status == Status.CANCELLED and booking.decision_reason
    assert one(Offer).state == OfferState.DECLINED


def test_accepting_an_expired_offer_is_refused_and_nothing_is_written(client, auth, world, saal, app):
    make_offer(client, auth, world, saal)
    offer = one(Offer)
    offer.expires_at = now() - timedelta(minutes=1)
    db.session.commit()
    auth.login(world["member"])
    for action in ("accept", "decline"):
        response = client.post(f"/requests/offers/{offer.id}/{action}")
        assert response.status_code == 409
        assert "abgelaufen" in response.get_data(as_text=True) or "expired" in response.get_data(as_text=True)
    assert count_rows(Booking, Booking.status == Status.PENDING) == 1
    assert count_rows(Offer, Offer.state == OfferState.OPEN) == 1


def test_accepting_a_withdrawn_offer_is_refused(client, auth, world, saal):
    make_offer(client, auth, world, saal)
    offer_id = one(Offer).id
    auth.login(world["manager"])
    assert client.post(f"/manage/offers/{offer_id}/withdraw").status_code == 303
    auth.logout()
    auth.login(world["member"])
    response = client.post(f"/requests/offers/{offer_id}/accept")
    assert response.status_code == 409
    assert count_rows(Booking, Booking.status == Status.PENDING) == 1


def test_another_group_cannot_see_or_answer_the_offer(client, auth, world, saal, make):
    make_offer(client, auth, world, saal)
    offer_id = one(Offer).id
    auth.login(make.user(Role.PARTNER, make.organisation("Andere")))
    assert client.post(f"/requests/offers/{offer_id}/accept").status_code == 404
    assert client.post(f"/requests/offers/{offer_id}/decline").status_code == 404
    assert count_rows(Offer, Offer.state == OfferState.OPEN) == 1


def test_an_approver_of_other_resources_cannot_offer(client, auth, world, saal, monkeypatch):
    from booking import policy

    monkeypatch.setattr(policy, "can_decide", lambda user, booking: booking.resource_id != saal.id)
    auth.login(world["manager"])
    assert client.get(f"/manage/bookings/{world['request'].id}/offer").status_code == 403
    response = client.post(f"/manage/bookings/{world['request'].id}/offer", data=offer_form(saal, future_day()))
    assert response.status_code == 403
    assert count_rows(Offer) == 0


def test_expiry_command_closes_the_request_once(client, auth, world, saal, runner):
    make_offer(client, auth, world, saal)
    offer = one(Offer)
    offer.expires_at = now() - timedelta(minutes=1)
    db.session.commit()
    first = runner.invoke(args=["offers", "expire"])
    second = runner.invoke(args=["offers", "expire"])
    assert first.output.strip() == "1" and second.output.strip() == "0"
    assert count_rows(Booking, Booking.status == Status.REJECTED) == 1
    assert count_rows(Offer, Offer.state == OfferState.EXPIRED) == 1
    assert count_rows(OutboxMessage, OutboxMessage.kind == Kind.REJECTED) == 1


def test_the_same_offer_form_sent_twice_makes_one_offer(client, auth, world, saal):
    auth.login(world["manager"])
    page = client.get(f"/manage/bookings/{world['request'].id}/offer").get_data(as_text=True)
    import re

    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    data = {**offer_form(saal, future_day()), "submission_key": key}
    first = client.post(f"/manage/bookings/{world['request'].id}/offer", data=data)
    second = client.post(f"/manage/bookings/{world['request'].id}/offer", data=data)
    assert first.status_code == second.status_code == 303
    assert count_rows(Offer) == 1 and count_rows(OutboxMessage, OutboxMessage.kind == Kind.OFFERED) == 1


def test_an_expired_offer_shows_as_expired_without_buttons(client, auth, world, saal):
    make_offer(client, auth, world, saal)
    offer = one(Offer)
    offer.expires_at = now() - timedelta(minutes=1)
    db.session.commit()
    auth.login(world["member"])
    html = client.get(f"/requests/{world['request'].id}").get_data(as_text=True)
    assert f'id="offer-{offer.id}"' in html and f"/requests/offers/{offer.id}/accept" not in html
    assert "abgelaufen" in html


def test_once_the_house_decides_the_request_the_offer_is_gone(client, auth, world, saal):
    make_offer(client, auth, world, saal)
    offer_id = one(Offer).id
    auth.login(world["manager"])
    assert client.post(f"/manage/bookings/{world['request'].id}/reject", data={"reason": "Doch nicht"}).status_code == 303
    auth.logout()
    auth.login(world["member"])
    assert f"offer-{offer_id}" not in client.get("/requests/").get_data(as_text=True)
    response = client.post(f"/requests/offers/{offer_id}/accept")
    assert response.status_code == 409
    assert count_rows(Booking, Booking.status == Status.REJECTED) == 1 and count_rows(AuditEvent,
                                                                                      AuditEvent.to_status == Status.APPROVED) == 0
