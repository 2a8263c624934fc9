"""The guarantee (issue 3): approvals that arrive at the same instant, in different worker
processes and threads of a real server, never give a room to two groups at once nor more
units of equipment than the house owns. Exactly the feasible ones succeed; the others get
409 with a message that says what is in the way; nothing answers 500.

Each test creates its requests, logs a manager in through the server, and sends twenty
approvals at once (see conftest.py); then it reads the outcome through a fresh connection.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, gettext
from sqlalchemy.orm import aliased

from booking.clock import local
from booking.models import AuditEvent, Booking, ResourceKind, Role, Status
from tests.conftest import ON_POSTGRES, at, committed, count_rows, future_day

pytestmark = pytest.mark.server

N = 20

def hhmm(minutes: int) -> str:
    """Minutes after midnight as "HH:MM"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def span(starts_at: datetime, ends_at: datetime) -> str:
    """A time span as the messages show it: "10:00–12:00" (house time, en dash)."""
    return f"{local(starts_at):%H:%M}–{local(ends_at):%H:%M}"


def outcome(ids: list[int], responses) -> tuple[set[int], dict[int, object]]:
    """Check every answer's form; return the approved ids and the refused ones with their answer."""
    statuses = Counter(r.status for r in responses)
    assert set(statuses) <= {200, 303, 409}, f"unexpected answers: {statuses}"
    won: set[int] = set()
    refused: dict[int, object] = {}
    with current_app.test_request_context():
        with_queue = url_for("manage.queue")
    for booking_id, response in zip(ids, responses):
        if response.status == 409:
            refused[booking_id] = response
            assert ("<html" in response.text) != response.htmx  # the page, or htmx's card alone
            continue
        won.add(booking_id)
        if response.htmx:
            assert response.status == 200 and "badge--approved" in response.card(booking_id)
        else:
            assert response.status == 303 and response.headers["Location"].endswith(with_queue)
    return won, refused


def approved_in_database() -> list:
    return committed(
        sa.select(Booking.id, Booking.resource_id, Booking.busy_from, Booking.busy_until, Booking.units)
        .where(Booking.status == Status.APPROVED)
        .order_by(Booking.id)
    )


def overlapping_approved_pairs() -> list:
    """Pairs of approved bookings of one room whose busy spans overlap: the promise broken."""
    a, b = aliased(Booking), aliased(Booking)
    return committed(
        sa.select(a.id, b.id).where(
            a.resource_id == b.resource_id,
            a.id < b.id,
            a.exclusive,
            a.status == Status.APPROVED,
            b.status == Status.APPROVED,
            a.busy_from < b.busy_until,
            b.busy_from < a.busy_until,
        )
    )


def most_units_at_once(rows) -> int:
    """Sweep the approved bookings' busy spans: the most units taken at any one instant."""
    # Half-open spans: at an instant where one ends and another starts, the end comes first.
    events = sorted([(r.busy_from, 1, r.units) for r in rows] + [(r.busy_until, 0, -r.units) for r in rows])
    held = most = 0
    for _, _, change in events:
        held += change
        most = max(most, held)
    return most


def assert_decided_once(won: set[int], total: int) -> None:
    """The database agrees with the answers: exactly the winners approved, one audit event
    each, and every refused request still pending."""
    assert {row.id for row in approved_in_database()} == won
    assert count_rows(AuditEvent, AuditEvent.to_status == Status.APPROVED) == len(won)
    assert count_rows(Booking, Booking.status == Status.PENDING) == total - len(won)


def test_one_of_twenty_overlapping_requests_for_one_room_is_approved(server, manager, make):
    room = make.resource("Saal Concordia", capacity=40)
    day = future_day()
    ids = [
        make.booking(room, make.organisation(f"Gruppe {n}"), day=day, start="10:00", end="12:00").id
        for n in range(N)
    ]
    name = room.name

    responses = manager.approve_all(ids)

    won, refused = outcome(ids, responses)
    assert len(won) == 1 and len(refused) == N - 1
    for booking_id, response in refused.items():
        message = response.alert(booking_id)
        assert name in message and "10:00–12:00" in message, f"not a clear refusal: {message!r}"
    assert_decided_once(won, N)
    assert overlapping_approved_pairs() == []
    server.assert_no_errors()


def test_a_staircase_of_requests_gets_exactly_its_ten_free_slots(server, manager, make):
    """Ten hours, two requests for each: the hour itself and its second half. The two clash;
    neighbours only touch ([09:00, 10:00) and [10:00, 11:00) do not). Whoever comes first,
    each hour goes to exactly one of its two requests: ten approvals, never more or fewer."""
    room = make.resource("Werkraum", capacity=12)
    day = future_day()
    pairs: list[tuple[int, int]] = []
    times: dict[int, tuple[datetime, datetime]] = {}
    for hour in range(8, 18):
        whole = make.booking(room, make.organisation(), day=day, start=f"{hour:02d}:00", end=f"{hour + 1:02d}:00")
        half = make.booking(room, make.organisation(), day=day, start=f"{hour:02d}:30", end=f"{hour + 1:02d}:00")
        pairs.append((whole.id, half.id))
        for b in (whole, half):
            times[b.id] = (b.starts_at, b.ends_at)
    name = room.name
    ids = [i for pair in pairs for i in pair]

    responses = manager.approve_all(ids)

    won, refused = outcome(ids, responses)
    assert len(won) == 10
    for whole, half in pairs:
        assert (whole in won) != (half in won), f"the hour of requests {whole} and {half} went to both or neither"
        winner, loser = (whole, half) if whole in won else (half, whole)
        message = refused[loser].alert(loser)
        assert name in message and span(*times[winner]) in message, f"not a clear refusal: {message!r}"
    assert_decided_once(won, len(ids))
    assert overlapping_approved_pairs() == []
    server.assert_no_errors()


def test_one_of_twenty_requests_for_six_of_ten_units_is_approved(server, manager, make):
    """Twenty groups each want 6 of the 10 beer-tent sets, at times that all overlap (every
    one covers 10:35–11:00), each starting a little later: no two fit together."""
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    day = future_day()
    times: dict[int, tuple[datetime, datetime]] = {}
    for n in range(N):
        start = 9 * 60 + 5 * n
        b = make.booking(sets, make.organisation(), day=day, start=hhmm(start), end=hhmm(start + 120),
                         units=6, attendees=None)
        times[b.id] = (b.starts_at, b.ends_at)
    assert at(day, "10:35") == max(s for s, _ in times.values())
    name, quantity = sets.name, sets.quantity
    ids = list(times)

    responses = manager.approve_all(ids)

    won, refused = outcome(ids, responses)
    assert len(won) == 1 and len(refused) == N - 1
    (winner,) = won
    for booking_id, response in refused.items():
        (starts, ends), (w_starts, w_ends) = times[booking_id], times[winner]
        short = span(max(starts, w_starts), min(ends, w_ends))  # where only 4 are left
        message = response.alert(booking_id)
        assert name in message and short in message, f"not a clear refusal: {message!r}"
    assert_decided_once(won, N)
    assert most_units_at_once(approved_in_database()) <= quantity
    server.assert_no_errors()


def test_three_of_twenty_requests_for_three_of_ten_units_are_approved(server, manager, make):
    """Three times three sets fit into ten, a fourth three does not."""
    sets = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=10)
    day = future_day()
    ids = [
        make.booking(sets, make.organisation(), day=day, start="10:00", end="12:00", units=3, attendees=None).id
        for _ in range(N)
    ]
    name = sets.name

    responses = manager.approve_all(ids)

    won, refused = outcome(ids, responses)
    assert len(won) == 3 and len(refused) == N - 3
    for booking_id, response in refused.items():
        message = response.alert(booking_id)
        assert name in message and "10:00–12:00" in message, f"not a clear refusal: {message!r}"
    assert_decided_once(won, N)
    assert most_units_at_once(approved_in_database()) == 9  # of 10
    server.assert_no_errors()


def test_twenty_approvals_of_one_request_decide_it_once(server, manager, make):
    """A double click, or two managers at the same request: it is approved once, with one
    audit event, and the others are told it is decided already."""
    room = make.resource("Kleiner Saal", capacity=20)
    booking_id = make.booking(room, day=future_day()).id

    responses = manager.approve_all([booking_id] * N)

    statuses = Counter(r.status for r in responses)
    assert statuses[200] + statuses[303] == 1 and statuses[409] == N - 1, statuses
    with current_app.test_request_context(), force_locale("de"):
        decided_already = gettext("Only pending requests can be approved.")
    # htmx gets the card with the reason; the plain page's card is gone with the request (see below).
    assert {r.alert(booking_id) for r in responses if r.status == 409 and r.htmx} == {decided_already}
    assert_decided_once({booking_id}, 1)
    server.assert_no_errors()


def test_a_plain_refusal_says_why_when_the_request_has_left_the_queue(client, auth, make):
    """What the losers of the race above see without htmx, step by step with the test client."""
    auth.login(make.user(Role.MANAGER))
    booking_id = make.booking(make.resource(), status=Status.APPROVED).id
    with current_app.test_request_context(), force_locale("de"):
        path = url_for("manage.approve", booking_id=booking_id)
        decided_already = gettext("Only pending requests can be approved.")

    page = client.post(path)

    assert page.status_code == 409
    assert decided_already in page.get_data(as_text=True)


def test_approvals_and_rejections_of_one_request_at_once_decide_it_once(server, manager, make):
    """Ten managers approve and ten reject the same request at the same instant: one decision
    stands, with one audit event, and everyone else is told it is decided already."""
    room = make.resource("Gruppenraum 2", capacity=20)
    booking_id = make.booking(room, day=future_day()).id
    with current_app.test_request_context():
        approve = url_for("manage.approve", booking_id=booking_id)
        reject = url_for("manage.reject", booking_id=booking_id)
    # approve, approve, reject, reject, ...: each both as htmx and as a plain form
    posts = [(approve, {}) if n % 4 < 2 else (reject, {"reason": "Der Raum wird renoviert."}) for n in range(N)]

    responses = manager.post_all(posts)

    statuses = Counter(r.status for r in responses)
    assert set(statuses) <= {200, 303, 409}, statuses
    succeeded = [path for (path, _), r in zip(posts, responses) if r.status != 409]
    audited = committed(sa.select(AuditEvent.from_status, AuditEvent.to_status).order_by(AuditEvent.id))
    assert len(succeeded) == 1, f"{len(succeeded)} decisions succeeded: {succeeded}; audit trail: {audited}"
    (path,) = succeeded
    decided = Status.APPROVED if path == approve else Status.REJECTED
    assert committed(sa.select(Booking.status).where(Booking.id == booking_id)) == [(decided,)]
    assert count_rows(AuditEvent) == 1
    server.assert_no_errors()

