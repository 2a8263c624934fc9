"""Many people saving at the same instant (issue 9): nobody gets an error page, and every
write that was answered as saved is in the database afterwards.

On SQLite only one transaction writes at a time; one that read first and writes later
would fail ("database is locked") when another committed in between. Each test sends
twenty POSTs at once through gunicorn (see conftest.py), each from its own browser.
"""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from flask import current_app, url_for

from booking.extensions import db
from booking.models import Booking, Organisation, Role, Status
from tests.concurrency.conftest import Visitor, release_database
from tests.conftest import PASSWORD, committed, future_day

pytestmark = pytest.mark.server

N = 20


def request_form(room_id: int, title: str) -> dict:
    return {
        "resource_id": str(room_id),
        "date": future_day().isoformat(),
        "start": "18:00",
        "end": "20:00",
        "purpose_id": "7", "title": title,
        "attendees": "12",
        "units": "1",
        "note": "Bitte Stühle im Kreis.",
    }


def groups(make, count: int) -> list[tuple[str, int]]:
    """`count` partner accounts, each of a group of its own: (e-mail, group id)."""
    found = []
    for n in range(count):
        organisation = make.organisation(f"Gruppe {n}")
        found.append((make.user(Role.PARTNER, organisation, name=f"Partner {n}").email, organisation.id))
    return found


def log_in(server, emails) -> list[Visitor]:
    """Each person logged in through the server, in a browser of their own."""
    release_database()
    visitors = []
    for email in emails:
        visitor = Visitor(server)
        visitor.login(email)
        visitors.append(visitor)
    return visitors


def post(visitor: Visitor, path: str, form: dict, htmx: bool = False) -> tuple:
    headers = {**visitor.cookie_header, **({"HX-Request": "true"} if htmx else {})}
    return ("POST", path, {**form, "csrf_token": visitor.csrf_token}, headers)


def fire(server, requests):
    release_database()
    responses = server.fire(requests)
    statuses = Counter(r.status for r in responses)
    assert not any(status >= 500 for status in statuses), f"server errors: {statuses}"
    return responses


def test_twenty_groups_requesting_the_same_slot_at_once_are_all_saved(server, make):
    room_id = make.resource("Saal Concordia", capacity=40).id
    people = groups(make, N)
    visitors = log_in(server, [email for email, _ in people])

    responses = fire(server, [post(v, "/requests/new", request_form(room_id, f"Treffen {n}"))
                              for n, v in enumerate(visitors)])

    assert [r.status for r in responses] == [303] * N
    saved = committed(sa.select(Booking.title, Booking.organisation_id).where(Booking.status == Status.PENDING))
    assert sorted(saved) == sorted((f"Treffen {n}", org_id) for n, (_, org_id) in enumerate(people))
    server.assert_no_errors()


def test_requests_withdrawals_and_edits_at_once_are_all_saved(server, make, manager):
    """Eight new requests, six withdrawals and six changes to groups, all in the same instant."""
    room = make.resource("Werkraum", capacity=20)
    room_id = room.id
    people = groups(make, 14)
    pending = [make.booking(room, db.session.get(Organisation, org_id), day=future_day(weeks=3)).id
               for _, org_id in people[8:]]
    edited = [(o.id, o.name) for o in (make.organisation(f"Verein {n}") for n in range(6))]
    with current_app.test_request_context():
        edit_paths = [url_for("manage.organisation_edit", organisation_id=i) for i, _ in edited]
    visitors = log_in(server, [email for email, _ in people])
    manager.open("GET", edit_paths[0])  # a page with the manager's token

    requests = (
        [post(v, "/requests/new", request_form(room_id, f"Kurs {n}")) for n, v in enumerate(visitors[:8])]
        + [post(v, f"/requests/{booking_id}/withdraw", {}, htmx=n % 2 == 0)
           for n, (v, booking_id) in enumerate(zip(visitors[8:], pending))]
        + [post(manager, path, {"name": name, "kind": "association", "contact_name": f"Neue Ansprechperson {n}",
                                "email": "", "phone": "", "active": "y"})
           for n, (path, (_, name)) in enumerate(zip(edit_paths, edited))]
    )
    assert len(requests) == N
    responses = fire(server, requests)

    sent, withdrawn, changed = responses[:8], responses[8:14], responses[14:]
    assert [r.status for r in sent] == [303] * 8
    assert [r.status for r in withdrawn] == [200, 303] * 3
    assert [r.status for r in changed] == [303] * 6
    titles = committed(sa.select(Booking.title).where(Booking.title.like("Kurs %")))
    assert sorted(t for (t,) in titles) == sorted(f"Kurs {n}" for n in range(8))
    statuses = committed(sa.select(Booking.status).where(Booking.id.in_(pending)))
    assert [s for (s,) in statuses] == [Status.CANCELLED] * 6
    contacts = committed(sa.select(Organisation.contact_name)
                         .where(Organisation.id.in_([i for i, _ in edited])).order_by(Organisation.id))
    assert [c for (c,) in contacts] == [f"Neue Ansprechperson {n}" for n in range(6)]
    server.assert_no_errors()


def test_twenty_logins_at_once_are_answered_without_an_error(server, make):
    """Half with the right password, half with a wrong one, each account its own."""
    emails = [make.user(Role.PARTNER, name=f"Person {n}").email for n in range(N)]
    release_database()
    visitors = [Visitor(server) for _ in emails]
    for visitor in visitors:
        assert visitor.open("GET", "/login").status == 200

    responses = fire(server, [
        post(v, "/login", {"email": email, "password": PASSWORD if n % 2 == 0 else "falsch-geraten"})
        for n, (v, email) in enumerate(zip(visitors, emails))
    ])

    assert [r.status for r in responses] == [302, 422] * (N // 2)
    server.assert_no_errors()
