"""The outbox: what an approval pays for writing its messages, and how fast the worker sends.

1. Enqueue cost: the same approvals (each one `workflow.approve` and its commit) with the
   outbox's call and with it replaced by nothing; the difference per approval is what telling
   the group costs the manager's request. Goal: under 1 ms.
2. Worker throughput: approvals waiting in the outbox (plain text, HTML and the .ics file),
   sent by `worker.send_due()` over one SMTP connection to a local server (aiosmtpd, as in the
   tests). Goal: at least 200 messages a second.

    .venv/bin/python bench/outbox.py [--approvals 300] [--messages 1000] [--members 2]
    DATABASE_URL=postgresql://…/scratch .venv/bin/python bench/outbox.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time as timer
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.common import migrated_app  # noqa: E402
from booking import workflow  # noqa: E402
from booking.clock import now, to_utc, today  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Organisation, OrganisationKind, Resource, ResourceKind, Role, Status, User  # noqa: E402
from booking.notify import outbox, worker  # noqa: E402
from booking.notify.models import Kind, OutboxMessage  # noqa: E402
from tests.mailserver import Handler, Mailbox, free_port  # noqa: E402


def house(members: int, bookings: int) -> tuple[User, list[int]]:
    """A manager, one group with `members` accounts, and pending requests on separate days."""
    manager = User(email="leitung@bench.example.org", name="Leitung", role=Role.MANAGER)
    group = Organisation(name="Verein", kind=OrganisationKind.ASSOCIATION, email="verein@bench.example.org")
    people = [User(email=f"m{n}@bench.example.org", name=f"Mitglied {n}", role=Role.PARTNER, organisation=group,
                   language=("de", "en")[n % 2]) for n in range(members)]
    rooms = [Resource(name=f"Raum {n}", kind=ResourceKind.ROOM, capacity=20) for n in range(20)]
    db.session.add_all([manager, group, *people, *rooms])
    db.session.flush()
    from datetime import time

    days = [today() + timedelta(days=d) for d in range(3, 400)]
    days = [d for d in days if d.weekday() < 5]  # the house's default opening days
    for n in range(bookings):
        slot, room = divmod(n, len(rooms))
        day, hour = days[slot // 8], 10 + slot % 8
        db.session.add(Booking(resource=rooms[room], organisation=group, requested_by=people[0],
                               title=f"Kurs {n}", attendees=10, starts_at=to_utc(day, time(hour)),
                               ends_at=to_utc(day, time(hour, 45)), status=Status.PENDING))
    db.session.commit()
    ids = [b.id for b in db.session.query(Booking).order_by(Booking.id)]
    return manager, ids


def approve_all(manager_id: int, ids: list[int]) -> list[float]:
    timings = []
    manager = db.session.get(User, manager_id)
    for booking_id in ids:
        started = timer.perf_counter()
        workflow.approve(db.session, db.session.get(Booking, booking_id), manager, now())
        db.session.commit()
        timings.append(timer.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=300)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--members", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{scratch / 'bench.sqlite'}"
    app = migrated_app(url, scratch / "instance")
    with app.app_context():
        manager, ids = house(args.members, 2 * args.approvals)
        print(f"database: {db.engine.dialect.name}; group of {args.members} members")

        # 1. Enqueue cost: alternate halves, so the database's warm-up favours neither.
        with_outbox = approve_all(manager.id, ids[: args.approvals])
        original = outbox.decided
        outbox.decided = lambda *a, **k: 0
        try:
            without = approve_all(manager.id, ids[args.approvals:])
        finally:
            outbox.decided = original
        extra = statistics.median(with_outbox) - statistics.median(without)
        print(f"approval with the outbox:    median {statistics.median(with_outbox) * 1000:.2f} ms")
        print(f"approval without the outbox: median {statistics.median(without) * 1000:.2f} ms")
        print(f"extra per approval:          {extra * 1000:.2f} ms (goal < 1 ms)")
        written = db.session.query(OutboxMessage).count()
        print(f"messages written: {written} ({args.approvals} approvals x {args.members} members)")

        # 2. Throughput: enough approvals waiting to make --messages messages.
        db.session.query(OutboxMessage).delete()
        db.session.commit()
        approved = db.session.query(Booking).filter(Booking.status == Status.APPROVED).all()
        while db.session.query(OutboxMessage).count() < args.messages:
            for booking in approved:
                outbox.decided(db.session, Kind.APPROVED, [booking], manager)
            db.session.commit()
        total = db.session.query(OutboxMessage).count()
        mailbox = Mailbox()
        controller = Controller(Handler(mailbox), hostname="127.0.0.1", port=free_port())
        controller.start()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
        try:
            started = timer.perf_counter()
            report = worker.send_due()
            seconds = timer.perf_counter() - started
        finally:
            controller.stop()
        print(f"worker: {report.sent} of {total} sent in {seconds:.2f} s = {report.sent / seconds:.0f} messages/s "
              f"(goal >= 200/s); the server received {len(mailbox.received)}")


if __name__ == "__main__":
    main()
