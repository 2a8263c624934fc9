"""How fast a long series is previewed, and sent and approved, in a house of a million bookings.

Uses the cached SQLite database with 1,000,000 bookings that bench/availability.py builds
(building it first if it is missing or out of date) and a series of 250 dates for one room:
Mondays, Wednesdays and Fridays, 19:00 to 21:00, `count=250` (about 83 weeks), starting about
nine months before the data's last day: its first dates meet the busy house (approved bookings,
closures, holidays), the later ones lie beyond the data and are free, so there is much to judge
and much to approve. The series' clock (`at`) is the morning before its first date.

It times, each run in a fresh session:

* `series.preview`: every date with its verdict;
* `series.send` of the free dates and `series.approve` of all of them, in one transaction,
  rolled back afterwards so the database stays as it was.

It prints median, p95 and CPU time and the statements each one runs, and compares the medians
with the goal: each under one second. A report, not a test: it exits 0 once the database is built.

    .venv/bin/python bench/series.py [--size 1000000] [--runs 7] [--warmups 1] [--free]
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
import sys
import time as timer
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from availability import CACHE, sqlite_house  # noqa: E402
from common import QueryCounter, bench_config, percentile  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from booking import create_app  # noqa: E402
from booking import series as serieswork  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Organisation, Resource, Role, Series, User  # noqa: E402
from booking.recurrence import Pattern  # noqa: E402

GOAL_MS = 1000.0
DATES = 250
MON, WED, FRI = 0, 2, 4
ROOM = "Raum 1"


@dataclass
class Figure:
    label: str
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)  # of the last run: "INSERT INTO booking" -> how many

    def add(self, wall: float, cpu: float, counter: QueryCounter) -> None:
        self.wall_ms.append(wall * 1000)
        self.cpu_ms.append(cpu * 1000)
        self.sql_ms.append(counter.seconds * 1000)
        self.queries.append(counter.count)
        self.kinds = Counter(" ".join(s.split()[:3]) for s in counter.statements)

    @property
    def median(self) -> float:
        return statistics.median(self.wall_ms)

    def line(self) -> str:
        queries = "/".join(str(q) for q in sorted(set(self.queries)))
        return (f"{self.label:<28} {self.median:9.1f} {percentile(self.wall_ms, 95):9.1f} "
                f"{statistics.median(self.cpu_ms):9.1f} {statistics.median(self.sql_ms):9.1f} {queries:>8}")


def the_pattern(last_day: date, free: bool = False) -> Pattern:
    """Mon/Wed/Fri from the Monday about nine months before the data's last day (or, `free`,
    after it: every date free but the holidays), 250 dates."""
    start = last_day + timedelta(days=1) if free else last_day - timedelta(days=270)
    start += timedelta(days=(MON - start.weekday()) % 7)
    return Pattern(start, time(19), time(21), (MON, WED, FRI), count=DATES)


def timed(figure: Figure | None, counter: QueryCounter, call):
    counter.reset()
    started, cpu_started = timer.perf_counter(), timer.process_time()
    result = call()
    if figure is not None:
        figure.add(timer.perf_counter() - started, timer.process_time() - cpu_started, counter)
    return result


def run(url: str, last_day: date, runs: int, warmups: int, free: bool) -> tuple[Figure, Figure, dict]:
    app = create_app(bench_config(CACHE / "instance", url))
    pattern = the_pattern(last_day, free)
    at = datetime.combine(pattern.first_day - timedelta(days=1), time(9), tzinfo=timezone.utc)
    preview, decide = Figure("preview (250 dates)"), Figure("send + approve (free dates)")
    about: dict = {}
    with app.app_context():
        counter = QueryCounter(db.engine)
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        for n in range(warmups + runs):
            keep = n >= warmups
            session = db.session
            room = session.scalar(sa.select(Resource).where(Resource.name == ROOM))
            planned = timed(preview if keep else None, counter,
                            lambda: serieswork.preview(session, pattern, room, 12, at, None))
            session.rollback()
            db.session.remove()

            session = db.session
            room = session.scalar(sa.select(Resource).where(Resource.name == ROOM))
            organisation = session.scalar(sa.select(Organisation).order_by(Organisation.id).limit(1))
            partner = session.scalar(sa.select(User).where(User.organisation_id == organisation.id))
            manager = session.scalar(sa.select(User).where(User.role == Role.MANAGER))
            chosen = [p for p in planned if p.wanted]

            def send_and_approve():
                series = serieswork.send(session, pattern, chosen, resource=room, by=partner,
                                         organisation=organisation, title="Deutschkurs A2", attendees=12)
                return serieswork.approve(session, series, {b.id for b in series.bookings}, manager, at)

            approved = timed(decide if keep else None, counter, send_and_approve)
            about = dict(
                dates=len(planned),
                skipped=sum(1 for p in planned if p.skipped),
                taken=sum(1 for p in planned if p.verdict is not None and not p.verdict.ok),
                free=len(chosen),
                approved=len(approved),
                first=planned[0].day,
                last=planned[-1].day,
            )
            session.rollback()  # the database stays as it was
            db.session.remove()
        after = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        series_left = db.session.scalar(sa.select(sa.func.count()).select_from(Series))
        db.session.remove()
        counter.close()
        db.engine.dispose()
    if (before, series_left) != (after, 0):
        raise SystemExit(f"the database changed: {before} bookings before, {after} after, {series_left} series")
    about["unchanged"] = after
    return preview, decide, about


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="bookings in the cached house (default 1000000)")
    parser.add_argument("--seed", type=int, default=20240601, help="the seed bench/availability.py used")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (default 7)")
    parser.add_argument("--warmups", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--free", action="store_true",
                        help="place the series after the data's last day: the most dates to approve")
    args = parser.parse_args(argv)

    print(f"{args.size:,} bookings on SQLite ...")
    url, built, reused = sqlite_house(args.size, args.seed, False, print)
    print(f"  {built.first_day} to {built.last_day} ({built.years:.1f} years)"
          + (" (cached)" if reused else f", built in {built.seconds:.1f} s"))
    preview, decide, about = run(url, built.days[1], args.runs, args.warmups, args.free)

    print()
    print("Treffpunkt benchmark: a series of 250 dates")
    print()
    print(f"series          {ROOM}, Mon/Wed/Fri 19:00-21:00, {about['first']} to {about['last']}: "
          f"{about['dates']} dates, {about['skipped']} public holidays, {about['taken']} taken or closed, "
          f"{about['free']} free; {about['approved']} approved in the timed transaction, then rolled back")
    print(f"runs            {args.runs} per figure after {args.warmups} warm-up, a fresh session each; "
          f"{about['unchanged']:,} bookings before and after")
    print()
    print(f"{'':<28} {'median':>9} {'p95':>9} {'cpu':>9} {'sql':>9} {'queries':>8}   (ms)")
    print(preview.line())
    print(decide.line())
    print()
    for figure in (preview, decide):
        print(f"statements of {figure.label}: " + ", ".join(f"{n} × {kind}" for kind, n in figure.kinds.most_common()))
    print()
    print("Goals")
    for figure in (preview, decide):
        ok = figure.median < GOAL_MS
        print(f"  {figure.label} under {GOAL_MS / 1000:.0f} s: {'OK' if ok else 'MISSED'} ({figure.median:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
