"""How fast the manager's report of a year answers in a big house (100k and 1M bookings).

Builds (once per size; later runs reuse it) a house with `common.build_house()` over five years
around today, gives its bookings purposes (one UPDATE) and the desk's attendance to some past
ones, logs in as the manager and times, through Flask's test client:

* the report page for this year (`/reports/?start=<year>-01-01&end=<year>-12-31`);
* the same for the five years of the data (the queries must not grow with the period);
* one table of the report as CSV (the same queries, no page);

with median and p95 wall time, CPU time, SQL time and the statements each request runs, and the
load average before and after (the machine is shared). A report, not a test: it always exits 0.
Goal: the year's page <= 500 ms with 1M bookings, and the same number of queries for any period.

    .venv/bin/python bench/report.py [--bookings 100000 1000000] [--runs 10] [--database-url postgresql://...]

With --database-url (an empty scratch PostgreSQL database) only the first size is built there.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import MANAGER_EMAIL, ROOT, QueryCounter, bench_config, build_house, logged_in, measure  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from booking import create_app  # noqa: E402
from booking.clock import now, to_utc, today  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Status  # noqa: E402

GOALS = "the year's report <= 500 ms (median wall) at 1M bookings; queries the same for any period"


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--resources", type=int, default=60)
    parser.add_argument("--runs", type=int, default=10, help="timed requests per page after 2 warm-ups")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (built on first use, then reused)")
    return parser.parse_args(argv)


def house_app(args, bookings: int):
    """The app on the cached house of this size: built on first use, reused afterwards."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{out / f'report-{bookings}.sqlite'}"
    app = create_app(bench_config(out / "instance", url))
    with app.app_context():
        upgrade()
        held = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        db.session.remove()
    if not held:
        print(f"Building the house: {bookings:,} bookings, {args.resources} resources, {args.years:g} years ...")
        house = build_house(app, bookings=bookings, years=args.years, resources=args.resources, log=lambda _: None)
        with app.app_context():
            # Purposes in one statement: each of the seven built-ins, and one in eight without
            # (made before purposes existed); the desk's check-in for some past approved bookings.
            db.session.execute(sa.update(Booking).values(
                purpose_id=sa.case((Booking.id % 8 == 0, None), else_=Booking.id % 7 + 1)))
            db.session.execute(sa.update(Booking).where(Booking.status == Status.APPROVED, Booking.id % 10 == 3,
                                                        Booking.starts_at < now())
                               .values(attendance="no_show"))
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            db.session.remove()
        print(f"  built in {house.seconds:.0f} s (and purposes given)")
    return app, url


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def row(t) -> str:
    if not t.ok:
        return f"  {t.label:<34} answered {t.status}"
    return (f"  {t.label:<34} {t.median:>8.1f} {t.p95:>8.1f} {t.cpu_median:>8.1f} {t.sql_median:>8.1f}"
            f" {t.query_count!s:>7}")


def main(argv=None) -> int:
    args = parse(argv)
    sizes = args.bookings[:1] if args.database_url else args.bookings
    year = today().year
    first, last = year - 2, year + 2
    for size in sizes:
        app, url = house_app(args, size)
        with app.app_context():
            in_year = db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
                Booking.starts_at >= to_utc(date(year, 1, 1), time()),
                Booking.starts_at < to_utc(date(year + 1, 1, 1), time())))
            engine = db.engine
            db.session.remove()
        before = load()
        counter = QueryCounter(engine)
        with logged_in(app, MANAGER_EMAIL) as client:
            timings = [
                measure(client, counter, f"report page, year {year}", f"/reports/?start={year}-01-01&end={year}-12-31",
                        args.runs, warmups=2),
                measure(client, counter, f"report page, {first}-{last}",
                        f"/reports/?start={first}-01-01&end={last}-12-31", args.runs, warmups=2),
                measure(client, counter, f"purposes as CSV, year {year}",
                        f"/reports/download?table=purposes&format=csv&start={year}-01-01&end={year}-12-31",
                        args.runs, warmups=2),
            ]
        counter.close()
        print()
        print(f"Treffpunkt benchmark: the year's report ({url.split(':')[0]}, {size:,} bookings, "
              f"{in_year:,} starting in {year})")
        print(f"load average    {before} before, {load()} after")
        print(f"  {'':<34} {'wall ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'SQL ms':>8} {'queries':>7}")
        for t in timings:
            print(row(t))
        print(f"  (medians over {args.runs} runs; queries include the login check and the record of the look)")
    print()
    print("Goals: " + GOALS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
