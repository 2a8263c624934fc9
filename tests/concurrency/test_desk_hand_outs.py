"""The desk's hand-outs under a real server: twenty desks handing out the last unit or the
last copy of a key at the same instant. Exactly one succeeds, the others get 409 with a
message, nothing answers 500, and the register holds exactly one hand-out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.clock import now, today
from booking.desk.models import EquipmentLoan, Key, KeyLoan, OutOfService
from booking.extensions import db
from booking.models import ResourceKind, Role, Status
from tests.concurrency.conftest import Visitor, release_database
from tests.conftest import count_rows

pytestmark = pytest.mark.server

N = 20


@pytest.fixture
def desk(make, server) -> Visitor:
    email = make.user(Role.DESK, name="Dana Desk").email
    release_database()
    visitor = Visitor(server)
    visitor.login(email)
    return visitor


def test_twenty_hand_outs_of_the_last_unit_give_it_once(server, desk, make):
    machines = make.resource("Nähmaschine", kind=ResourceKind.EQUIPMENT, quantity=2)
    bookings = [make.booking(machines, make.organisation(f"Gruppe {n}"), day=today(), start="00:05", end="23:55",
                             units=1, attendees=None, status=Status.APPROVED) for n in range(2)]
    # One of the two machines came back broken: one is left at the desk for both groups.
    db.session.add(OutOfService(resource_id=machines.id, units=1, starts_at=now() - timedelta(hours=1),
                                ends_at=now() + timedelta(days=2), reason="damaged"))
    db.session.commit()
    posts = []
    for n in range(N):
        b = bookings[n % 2]
        posts.append((f"/desk/bookings/{b.id}/hand-out", {f"out{b.id}-units": "1", f"out{b.id}-taken_by": f"P{n}"}))

    responses = desk.post_all(posts)

    statuses = sorted(r.status for r in responses)
    assert statuses == [303] + [409] * (N - 1), statuses
    refused = [r for r in responses if r.status == 409]
    assert all("Nähmaschine" in r.text for r in refused)
    assert count_rows(EquipmentLoan) == 1
    server.assert_no_errors()


def test_twenty_hand_outs_of_the_last_key_give_it_once(server, desk, make):
    room = make.resource("Musikraum", capacity=15)
    group = make.organisation("Chor")
    key = Key(resource_id=room.id, name="Musikraum", copies=1)
    db.session.add(key)
    db.session.commit()
    posts = [(f"/desk/keys/{key.id}/hand-out", {f"key{key.id}-holder_name": f"P{n}",
                                                f"key{key.id}-organisation_id": str(group.id),
                                                f"key{key.id}-copies": "1"}) for n in range(N)]

    responses = desk.post_all(posts)

    statuses = sorted(r.status for r in responses)
    assert statuses == [303] + [409] * (N - 1), statuses
    assert count_rows(KeyLoan) == 1
    server.assert_no_errors()
