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


def test_deciding_together_against_a_concurrent_approval_is_all_or_nothing(server, manager, make):
    """Five rooms, three competing requests each: the manager decides them together while another
    approval of one of them arrives at the same instant. Either the whole decision or the approval."""
    import re

    day = future_day()
    sets = []
    for n in range(5):
        room = make.resource(f"Raum {n}", capacity=40)
        sets.append([make.booking(room, make.organisation(f"Gruppe {n}-{k}"), day=day, start=start, end=end).id
                     for k, (start, end) in enumerate((("10:00", "12:00"), ("11:00", "13:00"), ("09:00", "10:30")))])
    release_database()
    with current_app.test_request_context():
        pages = [url_for("decisions.decide_together", booking_id=ids[0]) for ids in sets]
        approvals = [url_for("manage.approve", booking_id=ids[2]) for ids in sets]
    seen = [re.search(r'name="seen"[^>]*value="([^"]+)"', manager.open("GET", page).text).group(1) for page in pages]
    release_database()
    requests = []
    for ids, page, approve, fingerprint in zip(sets, pages, approvals, seen):
        form = {"chosen": str(ids[0]), "others": "reject", "reason": "Zusammen entschieden", "seen": fingerprint,
                "csrf_token": manager.csrf_token}
        requests.append(("POST", page, form, manager.cookie_header))
        requests.append(("POST", approve, {"csrf_token": manager.csrf_token}, manager.cookie_header))
    responses = server.fire(requests)

    together_won = 0
    for ids, decided, approved in zip(sets, responses[::2], responses[1::2]):
        assert {decided.status, approved.status} == {303, 409}, (decided.status, approved.status)
        statuses = [committed(sa.select(Booking.status).where(Booking.id == i))[0].status for i in ids]
        if decided.status == 303:
            together_won += 1
            assert statuses == [Status.APPROVED, Status.REJECTED, Status.REJECTED]
        else:
            assert statuses == [Status.PENDING, Status.PENDING, Status.APPROVED]
            assert "Nothing was saved" in decided.text or "Nichts wurde gespeichert" in decided.text
    assert overlapping_approved_pairs() == []
    server.assert_no_errors()
    print(f"decided together first: {together_won} of {len(sets)}")
