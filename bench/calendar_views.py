"""How fast the week, the month and a calendar feed answer in a big, busy house.

Builds (or reuses, from bench/out/calendar-<bookings>.sqlite) a house with the real
migrations and years of bookings, and times through Flask's test client:

* the week of all rooms (GET /calendar/week?kind=room&date=...) on the busiest week and a quiet one,
  as a page and as the htmx fragment;
* the month overview of the house (GET /calendar/month?month=...), busiest and quiet month;
* the feed of an organisation with 500 bookings (GET /calendar/feed/<token>.ics), and its 304.

The week and the month are timed as the first request after a change renders them (the
kept page dropped before each request) and, once, as kept while nothing changes.

It prints median and p95 wall time and the statements per request, and compares them with
the goals: week median <= 30 ms, month <= 50 ms, a fixed number of queries, feed <= 50 ms.
Run it at 100,000 and at 1,000,000 bookings and compare (goal: 1M/100k <= 1.3). It always exits 0
once the database is built: it is a report, not a test.

    .venv/bin/python bench/calendar_views.py [--bookings 100000] [--runs 30] [--rebuild]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from common import (  # noqa: E402
    MANAGER_EMAIL,
    ROOT,
    QueryCounter,
    Timing,
    bench_config,
    build_house,
    logged_in,
    measure,
    migrated_app,
)

from booking import create_app  # noqa: E402
from booking.calendar import feeds  # noqa: E402
from booking.calendar.models import FeedKind  # noqa: E402
from booking.clock import local, now  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Organisation, OrganisationKind, Resource, ResourceKind, Role, Status, User  # noqa: E402

GOALS = {"week": 30.0, "month": 50.0, "feed": 50.0}
FEED_BOOKINGS = 500
HTMX = {"HX-Request": "true"}


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--resources", type=int, default=60)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true", help="build the house anew instead of reusing bench/out/")
    return parser.parse_args(argv)


def house_app(args):
    """The app on the cached database for this size, built the first time."""
    folder = ROOT / "bench" / "out"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"calendar-{args.bookings}.sqlite"
    if args.rebuild and path.exists():
        path.unlink()
    url = f"sqlite:///{path}"
    if path.exists():
        print(f"Reusing {path}")
        return create_app(bench_config(folder / "instance", url))
    print(f"Building the house: {args.bookings:,} bookings over {args.years:g} years (cached in {path}) ...")
    app = migrated_app(url, folder / "instance")
    build_house(app, bookings=args.bookings, years=args.years, resources=args.resources, log=lambda line: None)
    return app


def busy_and_quiet(app):
    """The week and the month with the most approved room bookings, and the quietest (in the past five years)."""
    with app.app_context():
        starts = db.session.scalars(
            sa.select(Booking.starts_at).join(Booking.resource)
            .where(Booking.status == Status.APPROVED, Resource.kind == ResourceKind.ROOM)).all()
        weeks, months = {}, {}
        for s in starts:
            day = local(s).date()
            monday = day - timedelta(days=day.weekday())
            weeks[monday] = weeks.get(monday, 0) + 1
            months[(day.year, day.month)] = months.get((day.year, day.month), 0) + 1
        db.session.remove()
    busy_week = max(weeks, key=weeks.get)
    quiet_week = min(weeks, key=weeks.get)
    busy_month = max(months, key=months.get)
    quiet_month = min(months, key=months.get)
    return (busy_week, weeks[busy_week]), (quiet_week, weeks[quiet_week]), \
        (busy_month, months[busy_month]), (quiet_month, months[quiet_month])


def feed_of_500(app) -> str:
    """A group with 500 bookings around today, and a feed of it: the token of its address."""
    with app.app_context():
        session = db.session
        group = session.scalar(sa.select(Organisation).where(Organisation.name == "Feed-Verein"))
        if group is None:
            group = Organisation(name="Feed-Verein", kind=OrganisationKind.ASSOCIATION)
            session.add(group)
            session.flush()
            member = User(email="feed@bench.example.org", name="Feed", role=Role.PARTNER, organisation_id=group.id)
            session.add(member)
            session.flush()
            rooms = session.scalars(sa.select(Resource.id).where(Resource.kind == ResourceKind.ROOM)).all()
            rng = random.Random(500)
            start = now().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=60)
            rows = []
            statuses = [Status.APPROVED] * 7 + [Status.PENDING, Status.CANCELLED, Status.REJECTED]
            for n in range(FEED_BOOKINGS):
                starts_at = start + timedelta(days=n // 2, hours=2 + 6 * (n % 2))
                ends_at = starts_at + timedelta(hours=2)
                rows.append(dict(resource_id=rng.choice(rooms), organisation_id=group.id, requested_by_id=member.id,
                                 title=f"Treffen {n}", attendees=10, units=1, note="", starts_at=starts_at,
                                 ends_at=ends_at, busy_from=starts_at, busy_until=ends_at, exclusive=True,
                                 status=rng.choice(statuses), decision_reason="", override_reason="",
                                 created_at=starts_at - timedelta(days=30), updated_at=starts_at - timedelta(days=30)))
            session.execute(sa.insert(Booking), rows)
        member = session.scalar(sa.select(User).where(User.email == "feed@bench.example.org"))
        _feed, token = feeds.issue(session, member, FeedKind.ORGANISATION, organisation_id=group.id, at=now())
        session.commit()
        count = session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.organisation_id == group.id, Booking.ends_at > now() - feeds.HISTORY))
        db.session.remove()
    print(f"feed            an organisation with {count} bookings in its feed's window")
    return token


def line(t: Timing) -> str:
    if not t.ok:
        return f"{t.label:<36} answered {t.status}: not measured"
    queries = t.query_count if t.query_count is not None else f"{min(t.queries)}-{max(t.queries)}"
    cpu = f"{t.cpu_median:>7.1f}" if t.cpu_ms else f"{'-':>7}"
    return f"{t.label:<36} {t.median:>9.1f} {t.p95:>8.1f} {cpu} {t.sql_median:>7.1f} {queries!s:>8} {t.size / 1024:>6.0f}"


def main(argv=None) -> int:
    args = parse(argv)
    app = house_app(args)
    (bw, bwn), (qw, qwn), (bm, bmn), (qm, qmn) = busy_and_quiet(app)
    token = feed_of_500(app)
    with app.app_context():
        engine = db.engine
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        db.session.remove()
    counter = QueryCounter(engine)
    forget = common.forget_kept(app)  # each request renders as the first one after a change does
    week_url, month_url = f"/calendar/week?kind=room&date={bw}", f"/calendar/month?month={bm[0]}-{bm[1]:02d}"
    with logged_in(app, MANAGER_EMAIL) as client:
        timings = [
            measure(client, counter, "week of all rooms, busy", week_url, args.runs, before=forget),
            measure(client, counter, "week of all rooms, busy (fragment)", week_url, args.runs, headers=HTMX,
                    before=forget),
            measure(client, counter, "week of all rooms, quiet", f"/calendar/week?kind=room&date={qw}", args.runs,
                    before=forget),
            measure(client, counter, "month, busy", month_url, args.runs, before=forget),
            measure(client, counter, "month, quiet", f"/calendar/month?month={qm[0]}-{qm[1]:02d}", args.runs,
                    before=forget),
        ]
        kept = [
            measure(client, counter, "week, unchanged house (kept)", week_url, args.runs),
            measure(client, counter, "month, unchanged house (kept)", month_url, args.runs),
        ]
    anonymous = app.test_client()
    timings.append(measure(anonymous, counter, "feed, 500 bookings", f"/calendar/feed/{token}.ics", args.runs))
    tag = anonymous.get(f"/calendar/feed/{token}.ics").headers.get("ETag", "")
    timings.append(_measure_304(anonymous, counter, token, tag, args.runs))
    counter.close()

    print()
    print(f"Treffpunkt benchmark: calendars, {total:,} bookings ({datetime.now(timezone.utc):%Y-%m-%d})")
    print(f"busy week       {bw} ({bwn} approved room bookings); quiet week {qw} ({qwn})")
    print(f"busy month      {bm[0]}-{bm[1]:02d} ({bmn}); quiet month {qm[0]}-{qm[1]:02d} ({qmn})")
    print()
    print(f"{'page':<36} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'SQL ms':>7} {'queries':>8} {'KiB':>6}")
    for t in timings:
        print(line(t))
    print("Rendered for each request, as the first request after a change to the house is. While")
    print("nothing changes, the page is kept (booking/freshness.py) and costs:")
    for t in kept:
        print(line(t))
    print("CPU ms: median CPU time of this process per request; on a shared, busy machine the wall")
    print("time includes waiting for a core, the CPU time does not")
    week, _fragment, quiet_week, month, quiet_month, feed, _unchanged = timings
    print()
    print("Goals")
    for label, t, goal in (("week", week, GOALS["week"]), ("month", month, GOALS["month"]), ("feed", feed, GOALS["feed"])):
        if t.ok:
            print(f"  {label} median {t.median:.1f} ms, CPU {t.cpu_median:.1f} ms (goal <= {goal:.0f} ms):"
                  f" {'OK' if t.median <= goal else 'MISSED'}")
    for label, a, b in (("week", week, quiet_week), ("month", month, quiet_month)):
        same = a.query_count is not None and a.query_count == b.query_count
        print(f"  {label} queries busy {a.query_count} / quiet {b.query_count}: {'fixed: OK' if same else 'NOT fixed: MISSED'}")
    print("  1M/100k: run with --bookings 100000 and --bookings 1000000 and divide the medians")
    return 0


def _measure_304(client, counter, token, tag, runs) -> Timing:
    """The feed asked again with its ETag: what a calendar program's poll costs."""
    import time as timer

    timing = Timing("feed, unchanged (304)", f"/calendar/feed/{token}.ics")
    for n in range(3 + runs):
        counter.reset()
        started, cpu_started = timer.perf_counter(), timer.process_time()
        response = client.get(timing.url, headers={"If-None-Match": tag})
        elapsed, cpu = timer.perf_counter() - started, timer.process_time() - cpu_started
        if response.status_code != 304:
            timing.status = response.status_code
            return timing
        if n >= 3:
            timing.samples_ms.append(elapsed * 1000)
            timing.cpu_ms.append(cpu * 1000)
            timing.sql_ms.append(counter.seconds * 1000)
            timing.queries.append(counter.count)
    timing.status = 200  # every poll answered 304, as it should
    return timing


if __name__ == "__main__":
    sys.exit(main())
