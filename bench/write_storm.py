"""Many partner groups sending the request form at the same instant, through gunicorn.

Prints, per round, how many of the simultaneous submissions were saved (303), refused or
failed, and the time until the last of them was answered. On SQLite every write waits its
turn for the database's write lock, so that time is the queue's length.

    .venv/bin/python bench/write_storm.py [--at-once 20] [--rounds 5] [--database-url URL]

Without --database-url it uses a scratch SQLite file in bench/out/. A PostgreSQL database
must be empty (it is migrated here).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import migrated_app  # noqa: E402
from booking.clock import today  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Organisation, OrganisationKind, Resource, ResourceKind, Role, User  # noqa: E402
from tests.concurrency.conftest import Visitor, start_server, stop_server  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at-once", type=int, default=20, help="submissions sent at the same instant")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="write-storm-", dir=ROOT / "bench" / "out"))
    url = args.database_url or f"sqlite:///{folder / 'storm.sqlite'}"
    app = migrated_app(url, folder / "instance")
    with app.app_context():
        room = Resource(kind=ResourceKind.ROOM, name="Saal", capacity=200, quantity=1)
        db.session.add(room)
        emails = []
        for n in range(args.at_once):
            group = Organisation(name=f"Gruppe {n}", kind=OrganisationKind.ASSOCIATION, contact_name="",
                                 email="", phone="")
            user = User(email=f"gruppe{n}@example.org", name=f"Gruppe {n}", role=Role.PARTNER, organisation=group)
            user.set_password(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
            db.session.add_all([group, user])
            emails.append(user.email)
        db.session.commit()
        room_id = room.id
        db.session.remove()
        db.engine.dispose()

    (folder / "server").mkdir()
    server = start_server(url, folder / "server")
    try:
        visitors = []
        for email in emails:
            visitor = Visitor(server)
            visitor.login(email)
            visitors.append(visitor)
        # Weekdays two weeks ahead and later: open in the evening, past every notice period.
        days = [d for d in (today() + timedelta(days=14 + n) for n in range(3 * args.rounds)) if d.weekday() < 5]
        print(f"{args.at_once} submissions at once, {args.rounds} rounds, on {url.split(':')[0]}")
        for round_ in range(args.rounds):
            form = {"resource_id": str(room_id), "date": days[round_].isoformat(),
                    "start": "18:00", "end": "20:00", "attendees": "12", "units": "1", "note": "", "purpose_id": "4"}
            requests = [("POST", "/requests/new", {**form, "title": f"Treffen {round_}-{n}",
                                                   "csrf_token": v.csrf_token}, v.cookie_header)
                        for n, v in enumerate(visitors)]
            started = time.monotonic()
            responses = server.fire(requests)
            total = time.monotonic() - started
            statuses = Counter(r.status for r in responses)
            print(f"round {round_ + 1}: answers {dict(sorted(statuses.items()))}, all answered within "
                  f"{total * 1000:.0f} ms ({statuses[303] / total:.1f} saves/s)")
        log = server.log_text()
        print("server errors in the log:", "yes" if "Traceback" in log else "none")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
