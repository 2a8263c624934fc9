"""How fast the live board answers in a big house, on a day in the first and in the last year.

Builds (once; later runs reuse it) a house of many bookings over five years with 60 resources,
on SQLite (a file under bench/out/) or on PostgreSQL (a scratch database named on the command
line), logs in as the front desk and times through Flask's test client, for the busiest day
of the first year and of the last:

* the board page and the htmx fragment as served while nothing changes (kept, see
  booking/freshness.py), as rendered again after a change (the kept page dropped, the pieces of
  unchanged bookings still kept), and as rendered for a day never shown before (nothing kept);
* the 304 the live board gets when nothing changed;
* the app's own login page, in the same run, as the yardstick (board / login ratio);

with median wall and CPU time and the statements each request runs, and the plan of the
board's query on both days. It is a report, not a test: it always exits 0.

    .venv/bin/python bench/board.py [--bookings 100000] [--database-url postgresql://...] [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time as timer
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (ROOT, DESK_EMAIL, QueryCounter, Timing, bench_config, build_house, forget_kept,  # noqa: E402
                    logged_in, measure)

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from booking import create_app  # noqa: E402
from booking.board import present  # noqa: E402
from booking.clock import HOUSE_TZ  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Status  # noqa: E402

HTMX = {"HX-Request": "true"}
GOALS = "board <= 5 ms CPU a page, last/first year <= 1.2, board/login <= 3, 304 <= 1 ms"


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--resources", type=int, default=60)
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page after 5 warm-ups")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (built on first use, then reused)")
    return parser.parse_args(argv)


def house_app(args):
    """The app on the cached house: built on first use, reused afterwards."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{out / f'board-{args.bookings}.sqlite'}"
    app = create_app(bench_config(out / "instance", url))
    with app.app_context():
        upgrade()
        held = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        db.session.remove()
    if not held:
        print(f"Building the house: {args.bookings:,} bookings, {args.resources} resources, {args.years:g} years ...")
        house = build_house(app, bookings=args.bookings, years=args.years, resources=args.resources, log=lambda _: None)
        print(f"  built in {house.seconds:.0f} s")
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
    return app, url


def busiest_days(app) -> tuple[tuple[date, int], tuple[date, int], int]:
    """The busiest day of the first and of the last year of the data, and the bookings in all."""
    with app.app_context():
        first, last, total = db.session.execute(
            sa.select(sa.func.min(Booking.starts_at), sa.func.max(Booking.starts_at), sa.func.count())
        ).one()
        found = []
        for start in (first, last - timedelta(days=365)):
            starts = db.session.scalars(
                sa.select(Booking.starts_at).where(
                    Booking.status == Status.APPROVED, Booking.starts_at >= start,
                    Booking.starts_at < start + timedelta(days=365))
            )
            per_day = Counter(s.astimezone(HOUSE_TZ).date() for s in starts)
            found.append(max(per_day.items(), key=lambda kv: (kv[1], kv[0])))
        db.session.remove()
    return found[0], found[1], total


def plan(app, client, counter: QueryCounter, day: date) -> list[str]:
    """The database's plan for the board's query on `day`, as the page really sent it."""
    counter.reset()
    client.get(f"/board/?date={day.isoformat()}", headers=HTMX)
    found = [(s, p) for s, p in zip(counter.statements, counter.parameters) if "FROM booking" in s]
    if not found:
        return ["(the page sent no query on booking)"]
    statement, parameters = found[0]
    with app.app_context():
        with db.engine.connect() as conn:
            if db.engine.dialect.name == "postgresql":
                rows = [r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
            else:
                rows = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        db.session.remove()
    return [str(r) for r in rows]


def not_modified(client, counter: QueryCounter, url: str, runs: int) -> Timing:
    """The live board's poll when nothing changed: the fragment's ETag sent back."""
    tag = client.get(url, headers=HTMX).headers["ETag"]
    timing = Timing("304 (live board, unchanged)", url)
    headers = {**HTMX, "If-None-Match": tag}
    for n in range(5 + runs):
        counter.reset()
        started, cpu_started = timer.perf_counter(), timer.process_time()
        response = client.get(url, headers=headers)
        elapsed, cpu = timer.perf_counter() - started, timer.process_time() - cpu_started
        timing.status = 200 if response.status_code == 304 else response.status_code
        if n >= 5:
            timing.samples_ms.append(elapsed * 1000)
            timing.cpu_ms.append(cpu * 1000)
            timing.sql_ms.append(counter.seconds * 1000)
            timing.queries.append(counter.count)
    return timing


def row(t: Timing) -> str:
    if not t.ok:
        return f"  {t.label:<30} answered {t.status}"
    return (f"  {t.label:<30} {t.median:>8.2f} {t.cpu_median:>8.2f} {t.sql_median:>7.2f} {t.query_count!s:>7}"
            f" {t.size / 1024:>6.0f}")


def main(argv=None) -> int:
    args = parse(argv)
    app, url = house_app(args)
    (first_day, first_n), (last_day, last_n), total = busiest_days(app)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print()
    print(f"Treffpunkt benchmark: the live board ({url.split(':')[0]})")
    print(f"house           {total:,} bookings, {args.resources} resources, {args.years:g} years")
    print(f"first year      busiest day {first_day:%a %Y-%m-%d}: {first_n} approved bookings")
    print(f"last year       busiest day {last_day:%a %Y-%m-%d}: {last_n} approved bookings")
    print(f"runs            {args.runs} per page after warm-ups, logged in as the front desk")
    print(f"load average    {load} (before the run)")

    with app.app_context():
        engine = db.engine
    counter = QueryCounter(engine)
    results = {}
    forget = forget_kept(app)

    def never():
        forget()
        present.forget()
    with logged_in(app, DESK_EMAIL) as client:
        anonymous = app.test_client()
        for label, day in (("first", first_day), ("last", last_day)):
            page = f"/board/?date={day.isoformat()}"
            timings = [
                measure(client, counter, f"board page ({label} year)", page, args.runs, warmups=5),
                measure(client, counter, f"board fragment ({label} year)", page, args.runs, warmups=5, headers=HTMX),
                measure(client, counter, "  after a change: page", page, args.runs, warmups=5, before=forget),
                measure(client, counter, "  after a change: fragment", page, args.runs, warmups=5, headers=HTMX,
                        before=forget),
                measure(client, counter, "  never shown before: page", page, args.runs, warmups=5, before=never),
                not_modified(client, counter, page, args.runs),
                measure(anonymous, counter, "login page", "/login", args.runs, warmups=5),
            ]
            results[label] = timings
        plans = {}
        for label, day in (("first", first_day), ("last", last_day)):
            forget()
            plans[label] = plan(app, client, counter, day)
    counter.close()
    with open("/proc/loadavg") as f:
        load_after = " ".join(f.read().split()[:3])

    print()
    print(f"  {'':<30} {'wall ms':>8} {'CPU ms':>8} {'SQL ms':>7} {'queries':>7} {'KiB':>6}")
    for label in ("first", "last"):
        for t in results[label]:
            print(row(t))
    print(f"  (medians; load average after the run {load_after})")
    print()
    first_page, first_fragment, first_cold, first_cold_fragment, first_never, first_304, first_login = results["first"]
    last_page, last_fragment, last_cold, last_cold_fragment, last_never, last_304, last_login = results["last"]
    login_cpu = statistics.median([*first_login.cpu_ms, *last_login.cpu_ms])
    print("Goals: " + GOALS)
    print(f"  board CPU a page            {last_page.cpu_median:.2f} ms (last year), {first_page.cpu_median:.2f} ms (first)")
    print(f"  fragment / page CPU         {last_fragment.cpu_median / last_page.cpu_median:.2f}")
    print(f"  last / first year (CPU)     page {last_page.cpu_median / first_page.cpu_median:.2f},"
          f" fragment {last_fragment.cpu_median / first_fragment.cpu_median:.2f}")
    print(f"  last / first year (wall)    page {last_page.median / first_page.median:.2f}")
    print(f"  board / login (CPU)         {last_page.cpu_median / login_cpu:.2f} (page), "
          f"{last_fragment.cpu_median / login_cpu:.2f} (fragment)")
    print(f"  after a change (CPU)        page {last_cold.cpu_median:.2f} ms, fragment {last_cold_fragment.cpu_median:.2f} ms"
          f" (last year); page {first_cold.cpu_median:.2f} ms (first); last / first {last_cold.cpu_median / first_cold.cpu_median:.2f};"
          f" board / login {last_cold.cpu_median / login_cpu:.2f}")
    print(f"  never shown before (CPU)    page {last_never.cpu_median:.2f} ms (last year), {first_never.cpu_median:.2f} ms"
          f" (first); board / login {last_never.cpu_median / login_cpu:.2f}")
    print(f"  304                         {last_304.median:.2f} ms wall, {last_304.cpu_median:.2f} ms CPU,"
          f" {last_304.query_count} queries")
    print(f"  queries first / last year   {first_page.query_count} / {last_page.query_count};"
          f" after a change {first_cold.query_count} / {last_cold.query_count}")
    print()
    for label, day in (("first", first_day), ("last", last_day)):
        print(f"Plan of the board's query, {label} year ({day}):")
        for line in plans[label]:
            print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
