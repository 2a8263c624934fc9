"""Several workers at once send each message once: on PostgreSQL each claims its rows with
FOR UPDATE SKIP LOCKED, on SQLite the claims take turns under the database's write lock."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from booking.extensions import db
from booking.models import Role
from booking.notify import worker
from booking.notify.models import Kind, OutboxMessage, State
from tests.conftest import count_rows
from tests.mailserver import mailserver  # noqa: F401 (a fixture)

MESSAGES = 240


@pytest.fixture
def waiting(make):
    """Many approvals waiting for the workers, to many people."""
    group = make.organisation()
    people = [make.user(Role.PARTNER, group, email=f"mitglied{n}@example.org") for n in range(MESSAGES // 8)]
    db.session.add_all(OutboxMessage(kind=Kind.RESET, recipient=people[n % len(people)]) for n in range(MESSAGES))
    db.session.commit()


def test_two_workers_send_every_message_exactly_once(app, mailserver, waiting):
    start = threading.Barrier(2)
    reports, errors = [], []

    def work():
        try:
            with app.app_context():
                start.wait()
                reports.append(worker.send_due(limit=10))
        except Exception as error:  # noqa: BLE001 (the test reports it)
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = Counter(m.message["Message-ID"] for m in mailserver.received)
    assert len(ids) == MESSAGES and set(ids.values()) == {1}
    assert sum(r.sent for r in reports) == MESSAGES
    assert all(r.sent > 0 for r in reports), [str(r) for r in reports]  # both took their share
    assert count_rows(OutboxMessage, OutboxMessage.state == State.SENT) == MESSAGES
