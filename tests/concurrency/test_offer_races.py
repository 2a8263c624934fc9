"""Accepting a counter-offer and approving a competing request for the same slot, at the same
instant on a real server: exactly one of the two gets the room, the other is refused with 409
and a message; nothing is half-saved and nothing answers 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import current_app, url_for

from booking.clock import now
from booking.decisions import offers
from booking.decisions.models import Offer, OfferState
from booking.extensions import db
from booking.models import Booking, Role, Status
from tests.concurrency.conftest import Visitor, release_database
from tests.concurrency.test_races import overlapping_approved_pairs
from tests.conftest import at, committed, future_day

pytestmark = pytest.mark.server

ROUNDS = 10  # ten rooms, each with one offer accepted and one rival approved at once


def test_accepting_an_offer_against_a_competing_approval_gives_the_room_once(server, manager, make):
    choir = make.organisation("Chor")
    member = make.user(Role.PARTNER, choir, name="Clara Chor")
    boss = make.user(Role.MANAGER, name="Otto Offer")
    day = future_day()
    pairs = []
    for n in range(ROUNDS):
        room = make.resource(f"Saal {n}", capacity=40)
        request = make.booking(room, choir, day=day, start="10:00", end="12:00", requested_by=member, title=f"Probe {n}")
        rival = make.booking(room, make.organisation(f"Theater {n}"), day=day, start="14:00", end="16:00")
        offer = offers.make(db.session, request, boss, now(), resource=room, starts_at=at(day, "14:00"),
                            ends_at=at(day, "16:00"), message="Nachmittags")
        db.session.commit()
        pairs.append((request.id, rival.id, offer.id))
    email = member.email
    release_database()
    partner = Visitor(server)
    partner.login(email)

    with current_app.test_request_context():
        paths = [(url_for("decisions.accept_offer", offer_id=o), url_for("manage.approve", booking_id=r))
                 for _request, r, o in pairs]
    requests = []
    for accept, approve in paths:
        requests.append(("POST", accept, {"csrf_token": partner.csrf_token}, partner.cookie_header))
        requests.append(("POST", approve, {"csrf_token": manager.csrf_token}, manager.cookie_header))
    responses = server.fire(requests)

    accepted = 0
    for (request_id, rival_id, offer_id), accept, approve in zip(pairs, responses[::2], responses[1::2]):
        assert {accept.status, approve.status} == {303, 409}, (accept.status, approve.status)
        rows = {row.id: row for row in committed(
            sa.select(Booking.id, Booking.status, Booking.starts_at).where(Booking.id.in_([request_id, rival_id])))}
        state = committed(sa.select(Offer.state).where(Offer.id == offer_id))[0].state
        if accept.status == 303:
            accepted += 1
            assert rows[request_id].status == Status.APPROVED and rows[rival_id].status == Status.PENDING
            assert rows[request_id].starts_at == at(day, "14:00") and state == OfferState.ACCEPTED
            assert f"Saal {pairs.index((request_id, rival_id, offer_id))}" in approve.text  # what is in the way
        else:
            assert rows[rival_id].status == Status.APPROVED and rows[request_id].status == Status.PENDING
            assert rows[request_id].starts_at == at(day, "10:00") and state == OfferState.OPEN
            assert "nicht mehr frei" in accept.text or "no longer free" in accept.text
            assert "/requests/new?" in accept.text  # the free slots there are now, to ask for instead
    assert overlapping_approved_pairs() == []
    server.assert_no_errors()
    print(f"offers accepted first: {accepted} of {ROUNDS}")
