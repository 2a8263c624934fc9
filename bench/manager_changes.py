"""How long a manager waits when a change is checked against every approved booking to come.

Builds a busy house with `build_house()` (by default 100,000 bookings over five years around
today, so some 40,000 approved ones still to come) and times, through Flask's test client as
the manager:

* the house's opening hours saved unchanged: every approved booking to come of every room and
  piece of equipment is judged twice and none is in the way (303, nothing saved that differs);
* the house opening two hours later on Tuesdays: the same work, and the page lists those in
  the way (409);
* one room's capacity lowered to 1, which contradicts its bookings with more people (409);
* one room's description changed: its bookings judged, none in the way (303).

Each is run `--runs` times after one warm-up; the database is rolled back by the app itself
(a 409 saves nothing; a 303 saves the same values again). It prints the median and the slowest
wall time, the SQL statements and how many bookings the page lists. A report, not a test.

    .venv/bin/python bench/manager_changes.py [--bookings 100000] [--runs 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time as timer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import QueryCounter, build_house, logged_in, migrated_app  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from booking.clock import now  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Resource, ResourceKind, Status  # noqa: E402


def week(tuesday_opens: str = "08:00") -> dict:
    data = {}
    for day in range(7):
        if day == 6:
            data.update({f"day{day}-mode": "closed", f"day{day}-opens": "", f"day{day}-closes": ""})
            continue
        opens, closes = ("10:00", "18:00") if day == 5 else ("08:00", "22:00")
        if day == 1:
            opens = tuesday_opens
        data.update({f"day{day}-mode": "open", f"day{day}-opens": opens, f"day{day}-closes": closes})
    return data


def resource_form(r: Resource, **changes) -> dict:
    data = {"name": r.name, "kind": r.kind.value, "capacity": str(r.capacity or ""), "quantity": "",
            "location": r.location or "", "description": r.description or "",
            "setup_minutes": str(r.setup_minutes), "cleanup_minutes": str(r.cleanup_minutes),
            "max_hours": "" if r.max_hours is None else str(r.max_hours), "active": "y"}
    data.update(changes)
    return data


def timed(client, counter, label, url, data, runs):
    samples, statements, status, listed = [], 0, None, 0
    for n in range(runs + 1):
        counter.reset()
        started = timer.perf_counter()
        response = client.post(url, data=data)
        elapsed = timer.perf_counter() - started
        status = response.status_code
        listed = len(re.findall(r'<tr id="contradicted-', response.text))
        if n:
            samples.append(elapsed * 1000)
            statements = counter.count
    print(f"{label:<58} {status}  median {statistics.median(samples):8.0f} ms  "
          f"slowest {max(samples):8.0f} ms  {statements:3d} statements  {listed:4d} listed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="treffpunkt-bench-"))
    url = args.database_url or f"sqlite:///{scratch / 'house.sqlite'}"
    app = migrated_app(url, scratch)
    house = build_house(app, bookings=args.bookings, log=lambda *a: None)
    with app.app_context():
        coming = db.session.scalar(
            sa.select(sa.func.count()).select_from(Booking).join(Resource)
            .where(Booking.status == Status.APPROVED, Booking.ends_at > now(), Resource.kind != ResourceKind.PLOT))
        room = db.session.scalars(
            sa.select(Resource).join(Booking).where(Resource.kind == ResourceKind.ROOM, Booking.ends_at > now(),
                                                   Booking.status == Status.APPROVED)
            .group_by(Resource.id).order_by(sa.func.count().desc()).limit(1)).one()
        room_coming = db.session.scalar(
            sa.select(sa.func.count()).select_from(Booking)
            .where(Booking.resource_id == room.id, Booking.status == Status.APPROVED, Booking.ends_at > now()))
        room_form = resource_form(room)
        room_id = room.id
        db.session.remove()
    print(f"{house.bookings} bookings, {coming} approved ones to come in rooms and equipment, "
          f"{room_coming} in the busiest room ({app.config['DATABASE_URL'].split(':')[0]})")

    with app.app_context(), logged_in(app, house.manager_email) as client:
        counter = QueryCounter(db.engine)
        timed(client, counter, "house hours saved unchanged (nothing in the way)", "/manage/hours/", week(), args.runs)
        timed(client, counter, "house opens at 10:00 on Tuesdays (409, listed)", "/manage/hours/",
              week("10:00"), args.runs)
        edit = f"/manage/resources/{room_id}/edit"
        timed(client, counter, "busiest room: description changed (nothing in the way)", edit,
              {**room_form, "description": "Neu gestrichen"}, args.runs)
        timed(client, counter, "busiest room: capacity 1 (409, listed)", edit, {**room_form, "capacity": "1"},
              args.runs)
        counter.close()


if __name__ == "__main__":
    main()
