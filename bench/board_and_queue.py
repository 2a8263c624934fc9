"""How fast the front desk's board and the manager's queue render in a big, busy house.

Builds a scratch database with the real migrations, fills it with years of bookings,
logs in as a manager through the login form and times, through Flask's test client:

* the board (GET /board/?date=...) on the busiest day, as a page and as the htmx fragment,
  on a quiet day, and today's board (GET /board/, what the front desk opens most);
* the queue (GET /manage/queue), pages 1 and 2.

It reports median and p95 wall time, time spent in SQL and the statements each request
runs, and compares them with the goals: board median under 50 ms, and a fixed number of
queries per page (the same on a busy and a quiet day, on page 1 and page 2). When a goal
is missed it profiles the page and shows where the time goes. It always exits 0 once
the database is built: it is a report, not a test.

    .venv/bin/python bench/board_and_queue.py [--bookings 100000] [--years 5] [--resources 60] [--runs 30]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    ROOT,
    House,
    QueryCounter,
    Timing,
    build_house,
    logged_in,
    measure,
    migrated_app,
    profile,
)

from booking.extensions import db  # noqa: E402
from booking.models import Status  # noqa: E402

BOARD_GOAL_MS = 50.0
HTMX = {"HX-Request": "true"}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000, help="bookings in all (default 100,000)")
    parser.add_argument("--years", type=float, default=5, help="years of bookings, centred on today (default 5)")
    parser.add_argument("--resources", type=int, default=60, help="rooms, plots and equipment (default 60)")
    parser.add_argument("--organisations", type=int, default=30, help="partner groups (default 30)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page, after 3 warm-ups (default 30)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed for the data (default 20240601)")
    parser.add_argument(
        "--database-url",
        help="an EMPTY scratch database to use instead of a temporary SQLite file, e.g. postgresql://...",
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database under bench/out/")
    parser.add_argument("--profile", action="store_true", help="profile the pages even when the goals are met")
    return parser.parse_args(argv)


def describe_house(house: House, database: str) -> list[str]:
    s = house.by_status
    return [
        f"database        {database}",
        f"built in        {house.seconds:.1f} s",
        f"bookings        {house.bookings:,}: approved {s[Status.APPROVED]:,}, pending {s[Status.PENDING]:,}"
        f" ({house.open_requests:,} still open), rejected {s[Status.REJECTED]:,}, withdrawn {s[Status.CANCELLED]:,}",
        f"spread over     {house.first_day} to {house.last_day}",
        f"resources       {house.resources}; organisations {house.organisations}",
    ]


def table(timings: list[Timing]) -> list[str]:
    lines = [f"{'page':<34} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'SQL ms':>7} {'queries':>8} {'KiB':>6}"]
    for t in timings:
        if not t.ok:
            lines.append(f"{t.label:<34} answered {t.status}, not 200: not measured")
            continue
        lines.append(
            f"{t.label:<34} {t.median:>10.1f} {t.p95:>8.1f} {t.cpu_median:>7.1f} {t.sql_median:>7.1f}"
            f" {queries(t):>8} {t.size / 1024:>6.0f}"
        )
    lines.append("median, p95: wall time of the whole request through the test client")
    lines.append("CPU ms:      median CPU time of this process (SQLite included); a busy machine inflates it less")
    lines.append("SQL ms:      median time in cursor.execute; SQLite goes on scanning while rows are fetched,")
    lines.append("             so a slow query shows partly here and partly in CPU ms")
    return lines


def queries(t: Timing) -> str:
    if not t.ok:
        return "-"
    return str(t.query_count) if t.query_count is not None else f"{min(t.queries)}-{max(t.queries)}"


def fixed(a: Timing, b: Timing) -> bool:
    return a.query_count is not None and a.query_count == b.query_count


def verdict(a: Timing, b: Timing) -> str:
    if not (a.ok and b.ok):
        return "not measured"
    return "equal, fixed per page: OK" if fixed(a, b) else "NOT equal: MISSED"


def print_statements(*timings: Timing) -> None:
    """Show what each page ran, so a query that depends on the data stands out."""
    for t in timings:
        print(f"  {t.label}: {len(t.statements)} statements")
        for statement in t.statements:
            text = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", " ".join(statement.split()))
            print(f"    {text[:160]}")


def print_profile(client, label: str, url: str, headers: dict | None = None) -> None:
    found = profile(client, url, runs=10, headers=headers)
    print()
    print(f"Where the time goes: {label} ({url}), own time per request under cProfile")
    print(f"  (cProfile slows Python down, so this adds up to more than the wall time above: {found.total_ms:.1f} ms)")
    for area, ms in found.areas:
        print(f"  {area:<36} {ms:>7.1f} ms  {100 * ms / found.total_ms:>4.0f} %")
    print("  the house's code and templates, by cumulative time per request")
    print("  (a template or generator counts a call each time it resumes):")
    print(f"  {'calls':>6} {'own ms':>7} {'cum ms':>7}  function")
    for name, calls, own, cum in found.top:
        print(f"  {calls:>6} {own:>7.2f} {cum:>7.2f}  {name}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.keep:
        folder = ROOT / "bench" / "out" / datetime.now().strftime("board_and_queue-%Y%m%d-%H%M%S")
        folder.mkdir(parents=True)
        scratch = None
    else:
        scratch = tempfile.TemporaryDirectory(prefix="treffpunkt-bench-")
        folder = Path(scratch.name)
    database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite'}"
    database = database_url.split("@")[-1] if "@" in database_url else database_url  # no password in the output

    print(f"Building the house: {args.bookings:,} bookings, {args.resources} resources, {args.years:g} years ...")
    app = migrated_app(database_url, folder / "instance")
    house = build_house(
        app,
        bookings=args.bookings,
        years=args.years,
        resources=args.resources,
        organisations=args.organisations,
        seed=args.seed,
        log=lambda line: None,
    )
    busy_day, busy_count = house.busiest_day()
    quiet_day, quiet_count = house.quietest_day()

    with app.app_context():
        engine = db.engine
    # No app context is held while requests run: each request gets its own session,
    # as in production, so nothing is served from a previous request's identity map.
    counter = QueryCounter(engine)
    board_busy = f"/board/?date={busy_day.isoformat()}"
    board_quiet = f"/board/?date={quiet_day.isoformat()}"
    with logged_in(app, house.manager_email) as client:
        timings = [
            measure(client, counter, "board, busy day", board_busy, args.runs),
            measure(client, counter, "board, busy day (htmx fragment)", board_busy, args.runs, headers=HTMX),
            measure(client, counter, "board, quiet day", board_quiet, args.runs),
            measure(client, counter, "board, today", "/board/", args.runs),
            measure(client, counter, "queue, page 1", "/manage/queue", args.runs),
            measure(client, counter, "queue, page 2", "/manage/queue?page=2", args.runs),
        ]
        counter.close()
        busy, fragment, quiet, _today, queue1, queue2 = timings

        print()
        print("Treffpunkt benchmark: occupancy board and manager's queue")
        print()
        for line in describe_house(house, database):
            print(line)
        print(f"busy day        {busy_day:%a %Y-%m-%d}: {busy_count} approved bookings")
        plural = "s" if quiet_count != 1 else ""
        print(f"quiet day       {quiet_day:%a %Y-%m-%d}: {quiet_count} approved booking{plural}")
        print(f"runs            {args.runs} per page after 3 warm-ups, logged in as a manager")
        print()
        for line in table(timings):
            print(line)
        print()

        board_ok = busy.ok and busy.median < BOARD_GOAL_MS
        board_fixed = fixed(busy, quiet)
        queue_fixed = fixed(queue1, queue2)
        print("Goals")
        if busy.ok:
            print(
                f"  board median {busy.median:.1f} ms (goal < {BOARD_GOAL_MS:.0f} ms): {'OK' if board_ok else 'MISSED'}"
                f"  (CPU {busy.cpu_median:.1f} ms)"
            )
        else:
            print(f"  board median: not measured (the page answered {busy.status})")
        print(
            f"  board queries busy {queries(busy)} / quiet {queries(quiet)}:"
            f" {verdict(busy, quiet)}"
        )
        print(
            f"  queue queries page 1 {queries(queue1)} / page 2 {queries(queue2)}:"
            f" {verdict(queue1, queue2)}"
        )
        if not board_fixed and busy.ok and quiet.ok:
            print()
            print_statements(busy, quiet)
        if not queue_fixed and queue1.ok and queue2.ok:
            print()
            print_statements(queue1, queue2)
        if busy.ok and (not board_ok or args.profile):
            print_profile(client, "board, busy day", board_busy)
        if queue1.ok and (not queue_fixed or args.profile):
            print_profile(client, "queue, page 1", "/manage/queue")

    if scratch is not None:
        with app.app_context():
            db.engine.dispose()
        scratch.cleanup()
    else:
        print(f"\nThe database is kept in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
