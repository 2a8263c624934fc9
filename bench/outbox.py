"""The outbox: what an approval pays for writing its messages, and how fast the worker sends.

1. Enqueue cost: approvals (each one `workflow.approve` and its commit), timing the outbox's
   call inside each (finding the group's members, adding a row for each, flushing them): what
   telling the group adds to the manager's request. Goal: under 1 ms.
2. Worker throughput: approvals waiting in the outbox (plain text, HTML and the .ics file),
   sent by `worker.send_due()` over one SMTP connection to a local server (aiosmtpd in a
   process of its own). Goal: at least 200 messages a second.

    .venv/bin/python bench/outbox.py [--approvals 300] [--messages 1000] [--members 2]
    DATABASE_URL=postgresql://…/scratch .venv/bin/python bench/outbox.py
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time as timer
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import migrated_app  # noqa: E402
from booking import workflow  # noqa: E402
from booking.clock import now, to_utc, today  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Organisation, OrganisationKind, Resource, ResourceKind, Role, Status, User  # noqa: E402
from booking.notify import outbox, worker  # noqa: E402
from booking.notify.models import Kind, OutboxMessage  # noqa: E402
from tests.mailserver import free_port  # noqa: E402


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


def approve_all(manager_id: int, ids: list[int], enqueue: list[float], enqueue_cpu: list[float]) -> list[float]:
    """Approve each request and commit; `enqueue` gets the time spent writing its messages."""
    timings = []
    manager = db.session.get(User, manager_id)
    original = outbox.decided

    def timed(*args, **kwargs):
        started, cpu = timer.perf_counter(), timer.process_time()
        written = original(*args, **kwargs)
        db.session.flush()  # what the commit would otherwise do for the new rows
        enqueue.append(timer.perf_counter() - started)
        enqueue_cpu.append(timer.process_time() - cpu)
        return written

    outbox.decided = timed
    try:
        for booking_id in ids:
            started = timer.perf_counter()
            workflow.approve(db.session, db.session.get(Booking, booking_id), manager, now())
            db.session.commit()
            timings.append(timer.perf_counter() - started)
    finally:
        outbox.decided = original
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
        manager, ids = house(args.members, args.approvals)
        print(f"database: {db.engine.dialect.name}; group of {args.members} members")

        # 1. Enqueue cost.
        enqueue: list[float] = []
        enqueue_cpu: list[float] = []
        with_outbox = approve_all(manager.id, ids[: args.approvals], enqueue, enqueue_cpu)
        print(f"approval with its messages:   median {statistics.median(with_outbox) * 1000:.2f} ms")
        print(f"of which writing the messages: median {statistics.median(enqueue) * 1000:.3f} ms, "
              f"p95 {sorted(enqueue)[int(len(enqueue) * 0.95)] * 1000:.3f} ms (goal < 1 ms); "
              f"CPU time {statistics.median(enqueue_cpu) * 1000:.3f} ms")
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
        # The mail server runs in a process of its own, as a real one would (aiosmtpd's Sink
        # takes every message and throws it away).
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                   "-c", "aiosmtpd.handlers.Sink"])
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    timer.sleep(0.1)
            app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
            started, cpu = timer.perf_counter(), timer.process_time()
            report = worker.send_due()
            seconds, cpu = timer.perf_counter() - started, timer.process_time() - cpu
        finally:
            server.terminate()
            server.wait(timeout=10)
        print(f"worker: {report.sent} of {total} sent in {seconds:.2f} s = {report.sent / seconds:.0f} messages/s "
              f"(goal >= 200/s); the worker's own CPU time: {cpu / report.sent * 1000:.2f} ms a message, "
              f"{report.sent / cpu:.0f} messages per CPU second")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

if __name__ == "__main__":
    main()
