"""How fast one availability check, and the search for alternatives, answer in a long-lived house.

Builds SQLite databases with 50 resources (rooms of several sizes, some with set-up and
clean-up buffers, equipment counted by units, two garden plots) and 10,000, 100,000 and
1,000,000 bookings at the density of a busy house, so that more bookings mean more years
of history (about 50,000 a year: the 1M house holds some twenty years). It keeps them under
bench/out/availability/ and reuses them on the next run while the generator and the
migrations are unchanged.

For each size it times, each request in a fresh session as a web request would:

* `availability.check` for random requests (a random resource, a random open day in the
  data's range, 1 to 3 hours within opening hours; a whole day for a plot);
* `check` followed by `availability.alternatives` (the live answer when the slot is taken)
  for requests that are taken, so the search for alternatives has work to do.

It prints median and p95 wall time, median CPU time and the statements each one runs, the
ratio of the 1M figures to the 10k ones, and compares them with the goals: a check under
2 ms and with alternatives under 20 ms at 1M bookings, a ratio of 2 at most. When a goal
is missed it shows the query plans and profiles the slowest figure. It is a report, not a
test: it exits 0 once the databases are built. The generator of these houses lives here, not
in common.py: no other benchmark uses it.

    .venv/bin/python bench/availability.py [--sizes 10000,100000,1000000] [--runs 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import sqlite3
import statistics
import sys
import time as timer
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    NOTES,
    ROOT,
    TITLES,
    QueryCounter,
    bench_config,
    migrated_app,
    percentile,
    profile_calls,
)

import sqlalchemy as sa  # noqa: E402
from flask_migrate import downgrade  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from booking import create_app  # noqa: E402
from booking.availability import alternatives, check  # noqa: E402
from booking.clock import to_utc, today  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import Booking, Closure, OpeningHours, Organisation, OrganisationKind, Resource  # noqa: E402
from booking.models import ResourceKind, Role, Status, User  # noqa: E402
from booking.rules import Ask, Limits, Part  # noqa: E402

CHECK_GOAL_MS = 2.0
ALTERNATIVES_GOAL_MS = 20.0
RATIO_GOAL = 2.0
SIZES = (10_000, 100_000, 1_000_000)
GENERATOR = 1  # change it when the data changes, so cached databases are built again
CACHE = ROOT / "bench" / "out" / "availability"
BATCH = 50_000
LIMITS = Limits()  # the partner rules as configured by default: 48 hours' notice, 180 days ahead
TAKEN = frozenset({"taken", "units"})

# --- the house --------------------------------------------------------------------------------

ROOMS = 44
CAPACITIES = (8, 12, 12, 20, 20, 30, 40, 80)
EQUIPMENT = (("Beamer", 4), ("Musikanlage", 2), ("Bierzeltgarnitur", 10), ("Moderationskoffer", 3))
PLOTS = 2
ORGANISATIONS = 20
DURATIONS = (4, 4, 6, 6, 8, 8, 8, 10, 12, 16)  # quarter hours: 1 to 4 hours, two most often
POPULARITY = (5.5, 4.5, 4.5, 4.0, 3.0, 2.0)  # a room's mean bookings on a weekday
MONTH = (0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 1.0, 1.0, 1.0, 0.8)  # summer holidays are quiet


def house_resources() -> list[dict]:
    """44 rooms (the big ones and every sixth one with buffers), 4 kinds of equipment, 2 plots."""
    rows = []
    for i in range(1, ROOMS + 1):
        capacity = CAPACITIES[(i * 5) % len(CAPACITIES)]
        setup, cleanup = (30, 30) if capacity >= 40 else (0, 30) if i % 6 == 0 else (0, 0)
        rows.append(dict(kind=ResourceKind.ROOM, name=f"Raum {i}", capacity=capacity, quantity=1,
                         setup_minutes=setup, cleanup_minutes=cleanup))
    for name, quantity in EQUIPMENT:
        rows.append(dict(kind=ResourceKind.EQUIPMENT, name=name, capacity=None, quantity=quantity,
                         setup_minutes=0, cleanup_minutes=0))
    for i in range(1, PLOTS + 1):
        rows.append(dict(kind=ResourceKind.PLOT, name=f"Beet {i}", capacity=None, quantity=1,
                         setup_minutes=0, cleanup_minutes=0))
    return [dict(row, description="", location="", active=True) for row in rows]


@dataclass
class Built:
    """What a database holds, kept next to a cached one."""

    size: int
    seed: int
    generator: int
    schema: str
    first_day: str
    last_day: str
    by_status: dict[str, int]
    closures: int
    seconds: float
    built_on: str

    @property
    def days(self) -> tuple[date, date]:
        return date.fromisoformat(self.first_day), date.fromisoformat(self.last_day)

    @property
    def years(self) -> float:
        first, last = self.days
        return (last - first).days / 365.25


COLUMNS = (
    "resource_id", "organisation_id", "requested_by_id", "title", "attendees", "units", "note",
    "starts_at", "ends_at", "busy_from", "busy_until", "exclusive", "override_reason", "status",
    "decided_by_id", "decided_at", "decision_reason", "created_at", "updated_at",
)


class Bookings:
    """Bookings day by day, backwards from half a year ahead, until there are `size` of them.

    Each room's open hours of a day are cut into busy spans (booking plus buffers) that do not
    overlap and fit the opening hours; equipment gets a few lanes of such spans, so approved
    units never exceed the quantity; each plot is booked for the season (March to October).
    About 5 % of approved bookings have a competing request (rejected in the past, pending
    ahead); a few percent are withdrawn. The house closes over Christmas, and two rooms a year
    for a week: nothing is booked then. Instants come out as `instant(aware UTC datetime)` makes
    them: text for SQLite's executemany, datetimes for PostgreSQL's COPY.
    """

    def __init__(self, size: int, seed: int, resources, organisations: list[tuple[int, int]], manager_id: int,
                 hours: dict[int, tuple[int, int]], instant):
        self.size, self.seed, self.instant = size, seed, instant
        self.rng = random.Random(seed)
        self.resources = resources
        self.organisations = organisations  # (organisation id, its partner's user id)
        self.weights = list(itertools.accumulate(self.rng.paretovariate(1.5) for _ in organisations))
        self.manager_id = manager_id
        self.hours = hours  # weekday -> (opens, closes) in quarter hours of the local day
        self.popularity = {r.id: self.rng.choice(POPULARITY) for r in resources}
        self.today = today()
        self.last_day = self.today + timedelta(days=183)
        self.first_day = self.last_day
        self.by_status: Counter = Counter()
        self._quarters: dict[date, list] = {}
        self._stamps: dict[tuple[date, int], object] = {}
        self._years: dict[int, tuple[set, list]] = {}

    # Instants, made once per day and reused.

    def quarters(self, day: date) -> list:
        """The instants of the quarter hours of a local day (08:00-22:00 never meets a clock change)."""
        if day not in self._quarters:
            shift = to_utc(day, time(12)) - datetime.combine(day, time(12), tzinfo=timezone.utc)
            midnight = datetime.combine(day, time(), tzinfo=timezone.utc) + shift
            self._quarters[day] = [self.instant(midnight + timedelta(minutes=15 * q)) for q in range(97)]
        return self._quarters[day]

    def stamp(self, day: date, hour: int):
        key = (day, hour)
        if key not in self._stamps:
            self._stamps[key] = self.instant(datetime.combine(day, time(hour), tzinfo=timezone.utc))
        return self._stamps[key]

    def year(self, year: int) -> tuple[set, list]:
        """Who is closed in a year: (resource id or None, day) pairs, and the closures as rows."""
        if year not in self._years:
            rng = random.Random(f"{self.seed}-{year}")
            closed, rows = set(), []
            start, end = date(year, 12, 24), date(year + 1, 1, 2)
            rows.append((None, start, end, "Weihnachtsschließung"))
            rooms = [r for r in self.resources if r.kind == ResourceKind.ROOM]
            for room in rng.sample(rooms, 2):
                first = date(year, 3, 1) + timedelta(days=rng.randint(0, 200))
                rows.append((room.id, first, first + timedelta(days=7), "Renovierung"))
            for resource_id, first, until in ((r[0], r[1], r[2]) for r in rows):
                for n in range((until - first).days):
                    closed.add((resource_id, first + timedelta(days=n)))
            self._years[year] = (closed, rows)
        return self._years[year]

    def closure_rows(self) -> list[dict]:
        rows = []
        for year in range(self.first_day.year - 1, self.last_day.year + 1):
            for resource_id, first, until, reason in self.year(year)[1]:
                rows.append(dict(resource_id=resource_id, starts_at=to_utc(first, time()),
                                 ends_at=to_utc(until, time()), reason=reason))
        return rows

    # The rows.

    def __iter__(self):
        made, day = 0, self.last_day
        while True:
            for row in self.day(day):
                yield row
                made += 1
                if made == self.size:
                    self.first_day = day
                    return
            day -= timedelta(days=1)

    def closed(self, resource_id: int | None, day: date) -> bool:
        """Closed that day: the Christmas closure runs into the next year."""
        key = (resource_id, day)
        return key in self.year(day.year)[0] or key in self.year(day.year - 1)[0]

    def day(self, day: date):
        if self.closed(None, day):
            return
        for r in self.resources:
            if r.kind == ResourceKind.PLOT:
                if (day.month, day.day) == (3, 1):
                    yield from self.season(r, day)
                continue
            if day.weekday() not in self.hours or self.closed(r.id, day):
                continue
            opens, closes = self.hours[day.weekday()]
            mean = self.popularity[r.id] * MONTH[day.month - 1] * (0.35 if day.weekday() == 5 else 1.0)
            if r.kind == ResourceKind.ROOM:
                count = min(8, max(0, round(self.rng.gauss(mean, 1.3))))
                yield from self.lane(r, day, opens, closes, count, units=1)
            else:
                lanes = min(r.quantity, 3)
                for _ in range(lanes):
                    count = min(4, max(0, round(self.rng.gauss(mean / 2, 1.0))))
                    yield from self.lane(r, day, opens, closes, count, units=r.quantity // lanes)

    def lane(self, r, day: date, opens: int, closes: int, count: int, units: int):
        """`count` bookings whose busy spans do not overlap within [opens, closes) quarter hours."""
        rng = self.rng
        before, after = r.setup_minutes // 15, r.cleanup_minutes // 15
        lengths = [rng.choice(DURATIONS) + before + after for _ in range(count)]
        window = closes - opens
        while sum(lengths) > window:
            lengths.pop()
        slack = window - sum(lengths)
        cuts = sorted(rng.randint(0, slack) for _ in lengths)
        quarters = self.quarters(day)
        position, used = opens, 0
        for length, cut in zip(lengths, cuts):
            position += cut - used
            used = cut
            busy = (position, position + length)
            position += length
            status = self.status(day)
            yield self.row(r, day, quarters, busy, before, after, status, rng.randint(1, units))
            if status == Status.APPROVED and rng.random() < 0.05:  # somebody else wanted it too
                shift = rng.choice((-2, 0, 2))
                start = min(max(busy[0] + shift, opens), closes - length)
                if day >= self.today:
                    other = Status.PENDING
                else:
                    other = rng.choice((Status.REJECTED,) * 4 + (Status.CANCELLED,))
                yield self.row(r, day, quarters, (start, start + length), before, after, other, rng.randint(1, units))

    def season(self, r, day: date):
        starts_at, ends_at = self.instant(to_utc(day, time())), self.instant(to_utc(date(day.year, 11, 1), time()))
        status = Status.APPROVED if day < self.today or self.rng.random() < 0.8 else Status.PENDING
        yield self.plot_row(r, day, starts_at, ends_at, status)
        if self.rng.random() < 0.5:
            yield self.plot_row(r, day, starts_at, ends_at, Status.PENDING if day >= self.today else Status.REJECTED)

    def status(self, day: date) -> Status:
        roll = self.rng.random()
        if day >= self.today:  # requests still wait; some groups have already withdrawn
            table = ((0.86, Status.APPROVED), (0.95, Status.PENDING), (0.97, Status.REJECTED))
        else:  # a stale request or two that nobody answered
            table = ((0.925, Status.APPROVED), (0.93, Status.PENDING), (0.96, Status.REJECTED))
        return next((status for limit, status in table if roll < limit), Status.CANCELLED)

    def row(self, r, day: date, quarters: list, busy: tuple[int, int], before: int, after: int,
            status: Status, units: int) -> tuple:
        attendees = self.rng.randint(2, r.capacity) if r.capacity else None
        return self._row(r, day, quarters[busy[0] + before], quarters[busy[1] - after], quarters[busy[0]],
                         quarters[busy[1]], status, attendees, units)

    def plot_row(self, r, day: date, starts_at, ends_at, status: Status) -> tuple:
        return self._row(r, day, starts_at, ends_at, starts_at, ends_at, status, None, 1)

    def _row(self, r, day, starts_at, ends_at, busy_from, busy_until, status, attendees, units) -> tuple:
        rng = self.rng
        organisation_id, requester = rng.choices(self.organisations, cum_weights=self.weights)[0]
        asked = min(day - timedelta(days=rng.randint(1, 60)), self.today)
        created_at = self.stamp(asked, rng.randint(7, 20))
        decided_by = decided_at = None
        reason = ""
        if status in (Status.APPROVED, Status.REJECTED):
            decided_by = self.manager_id
            decided_at = self.stamp(min(asked + timedelta(days=rng.randint(0, 3)), self.today), rng.randint(7, 20))
            if status == Status.REJECTED:
                reason = "Der Raum ist zu der Zeit schon vergeben."
        elif status == Status.CANCELLED:
            decided_by = requester
            decided_at = self.stamp(min(asked + timedelta(days=rng.randint(1, 20)), self.today), rng.randint(7, 20))
        self.by_status[status.value] += 1
        return (
            r.id, organisation_id, requester, rng.choice(TITLES), attendees, units,
            rng.choice(NOTES) if rng.random() < 0.15 else "",
            starts_at, ends_at, busy_from, busy_until, r.kind != ResourceKind.EQUIPMENT, "", status.value,
            decided_by, decided_at, reason, created_at, decided_at or created_at,
        )


def sqlite_instant(moment: datetime) -> str:
    """A UTC instant as SQLAlchemy stores it in SQLite (checked against the column type in build)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def batches(rows, size: int):
    """Lists of `size` rows (the last one shorter)."""
    rows = iter(rows)
    while batch := list(itertools.islice(rows, size)):
        yield batch


def schema_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def fill_small_tables(app) -> tuple[list, list[tuple[int, int]], int, dict[int, tuple[int, int]]]:
    """Resources, organisations, a partner for each and a manager, through the ORM; commit."""
    with app.app_context():
        session = db.session
        session.execute(sa.insert(Resource), house_resources())
        words = list(OrganisationKind)
        session.execute(sa.insert(Organisation), [
            dict(name=f"Verein {n}", kind=words[n % len(words)], contact_name="Erika Muster",
                 email=f"kontakt{n}@verein.example.org", phone="03741 123456", active=True)
            for n in range(1, ORGANISATIONS + 1)
        ])
        organisation_ids = session.scalars(sa.select(Organisation.id).order_by(Organisation.id)).all()
        session.execute(sa.insert(User), [
            dict(email=f"person{n}@verein.example.org", name=f"Person {n}", role=Role.PARTNER,
                 organisation_id=org_id, password_hash="", active=True)
            for n, org_id in enumerate(organisation_ids, 1)
        ])
        session.execute(sa.insert(User), [dict(email="manager@bench.example.org", name="Sabine Richter",
                                               role=Role.MANAGER, password_hash="", active=True)])
        manager_id = session.scalar(sa.select(User.id).where(User.role == Role.MANAGER))
        partners = session.execute(sa.select(User.organisation_id, User.id).where(User.role == Role.PARTNER)
                                   .order_by(User.organisation_id)).all()
        resources = session.scalars(sa.select(Resource).order_by(Resource.id)).all()
        session.expunge_all()
        hours = {
            row.weekday: (row.opens // 15, row.closes // 15)
            for row in session.scalars(sa.select(OpeningHours).where(OpeningHours.resource_id.is_(None)))
            if row.opens is not None
        }
        session.commit()
        session.remove()
    return resources, [tuple(p) for p in partners], manager_id, hours


def insert_closures(app, rows: list[dict]) -> None:
    with app.app_context():
        db.session.execute(sa.insert(Closure), rows)
        db.session.commit()
        db.session.remove()


def build(url: str, size: int, seed: int, instance: Path, log) -> Built:
    """Migrate an empty database at `url` and fill it with `size` bookings."""
    started = timer.perf_counter()
    app = migrated_app(url, instance)
    resources, partners, manager_id, hours = fill_small_tables(app)
    with app.app_context():
        engine = db.engine
        column = Booking.__table__.c.starts_at.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        sample = datetime(2024, 3, 31, 6, 15, tzinfo=timezone.utc)
        if column(sample) != sqlite_instant(sample):
            raise SystemExit(f"SQLite stores instants as {column(sample)!r}, not {sqlite_instant(sample)!r}")
    rows = Bookings(size, seed, resources, partners, manager_id, hours, sqlite_instant if sqlite else lambda m: m)
    if sqlite:
        engine.dispose()
        # One big transaction without a journal or syncing: a crash only loses the scratch file.
        path = url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA cache_size = -262144")  # 256 MiB
        connection.execute("BEGIN")
        statement = f"INSERT INTO booking ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        for made, batch in enumerate(batches(rows, BATCH), 1):
            connection.executemany(statement, batch)
            if made % 4 == 0:
                log(f"    {made * BATCH:,} bookings ...")
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode = WAL")  # as the app runs it
        connection.close()
    else:
        with engine.connect() as connection:
            cursor = connection.connection.cursor()
            with cursor.copy(f"COPY booking ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for made, row in enumerate(rows, 1):
                    copy.write_row(row)
                    if made % (4 * BATCH) == 0:
                        log(f"    {made:,} bookings ...")
            connection.connection.commit()
        # A house that grew for years has been vacuumed and analysed by autovacuum.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    insert_closures(app, rows.closure_rows())
    with app.app_context():
        db.engine.dispose()
    return Built(size, seed, GENERATOR, schema_fingerprint(), rows.first_day.isoformat(), rows.last_day.isoformat(),
                 dict(rows.by_status), len(rows.closure_rows()), timer.perf_counter() - started,
                 today().isoformat())


def sqlite_house(size: int, seed: int, rebuild: bool, log) -> tuple[str, Built, bool]:
    """The cached SQLite database for `size`, built if it is missing or out of date."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stem = CACHE / f"bookings-{size}-seed{seed}"
    database, about = stem.with_suffix(".sqlite"), stem.with_suffix(".json")
    if database.exists() and about.exists() and not rebuild:
        built = Built(**json.loads(about.read_text()))
        if (built.generator, built.schema) == (GENERATOR, schema_fingerprint()):
            return f"sqlite:///{database}", built, True
    scratch = stem.with_suffix(".building.sqlite")
    for path in (database, about, scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm")):
        path.unlink(missing_ok=True)
    built = build(f"sqlite:///{scratch}", size, seed, CACHE / "instance", log)
    scratch.rename(database)
    about.write_text(json.dumps(asdict(built), indent=2))
    return f"sqlite:///{database}", built, False


# --- the requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What a partner group asks for, and when it asks."""

    parts: tuple[tuple[int, int], ...]  # (resource id, units)
    starts_at: datetime
    ends_at: datetime
    attendees: int | None
    at: datetime


def requests(resources: list, first: date, last: date, hours: dict[int, tuple[int, int]], seed: int):
    """Endless random requests: a random resource, a random open day in [first, last], 1-3 hours."""
    rng = random.Random(seed)
    equipment = [r for r in resources if r.kind == ResourceKind.EQUIPMENT]
    while True:
        r = rng.choice(resources)
        day = first + timedelta(days=rng.randint(1, (last - first).days - 1))
        if r.kind == ResourceKind.PLOT:
            starts_at = to_utc(day, time())
            ends_at = to_utc(day + timedelta(days=rng.choice((1, 1, 7))), time())
            parts, attendees = ((r.id, 1),), None
        else:
            if day.weekday() not in hours:
                continue
            opens, closes = hours[day.weekday()]
            length = rng.choice((4, 6, 8, 8, 10, 12))
            start = opens + 2 * rng.randint(0, (closes - opens - length) // 2)
            starts_at = to_utc(day, time(start // 4, start % 4 * 15))
            ends_at = starts_at + timedelta(minutes=15 * length)
            if r.kind == ResourceKind.ROOM:
                parts, attendees = ((r.id, 1),), rng.randint(2, r.capacity)
                if rng.random() < 0.15:  # a projector with the room
                    parts += ((rng.choice(equipment).id, 1),)
            else:
                parts, attendees = ((r.id, rng.randint(1, r.quantity)),), None
        at = starts_at - timedelta(days=rng.randint(3, 120), hours=rng.randint(0, 10))
        yield Request(parts, starts_at, ends_at, attendees, at)


def ask_in(session: Session, request: Request) -> Ask:
    """The request as the view makes it: the active resources loaded first, as the form does."""
    resources = {r.id: r for r in session.scalars(sa.select(Resource).where(Resource.active))}
    parts = tuple(Part(resources[resource_id], units) for resource_id, units in request.parts)
    return Ask(parts, request.starts_at, request.ends_at, request.attendees)


def is_taken(engine, request: Request) -> bool:
    with Session(engine) as session:
        verdict = check(session, ask_in(session, request), request.at, LIMITS)
    return any(reason.code in TAKEN for reason in verdict.reasons)


@dataclass
class Figure:
    """Times of one kind of answer over many requests."""

    label: str
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    queries: Counter = field(default_factory=Counter)
    taken: int = 0
    found: Counter = field(default_factory=Counter)  # alternatives found per request

    @property
    def median(self) -> float:
        return statistics.median(self.wall_ms)

    @property
    def p95(self) -> float:
        return percentile(self.wall_ms, 95)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_ms)

    def query_text(self) -> str:
        counts = sorted(self.queries)
        return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def answer(engine, counter: QueryCounter, request: Request, with_alternatives: bool, figure: Figure | None) -> None:
    """One live answer in a fresh session: the check, and the alternatives if asked for."""
    with Session(engine) as session:
        ask = ask_in(session, request)
        counter.reset()
        started, cpu_started = timer.perf_counter(), timer.process_time()
        verdict = check(session, ask, request.at, LIMITS)
        found = alternatives(session, ask, request.at, LIMITS) if with_alternatives else []
        elapsed, cpu = timer.perf_counter() - started, timer.process_time() - cpu_started
    if figure is not None:
        figure.wall_ms.append(elapsed * 1000)
        figure.cpu_ms.append(cpu * 1000)
        figure.queries[counter.count] += 1
        figure.taken += any(reason.code in TAKEN for reason in verdict.reasons)
        figure.found[len(found)] += 1


@dataclass
class Result:
    size: int
    built: Built
    reused: bool
    check: Figure
    with_alternatives: Figure
    engine: object = None
    taken: list[Request] = field(default_factory=list)


def measure(url: str, built: Built, reused: bool, runs: int, warmups: int, seed: int, log) -> Result:
    app = create_app(bench_config(CACHE / "instance", url))
    with app.app_context():
        engine = db.engine
        resources = db.session.scalars(sa.select(Resource).order_by(Resource.id)).all()
        hours = {row.weekday: (row.opens // 15, row.closes // 15)
                 for row in db.session.scalars(sa.select(OpeningHours).where(OpeningHours.resource_id.is_(None)))
                 if row.opens is not None}
        db.session.remove()
    first, last = built.days
    source = requests(resources, first, last, hours, seed)
    mixed = list(itertools.islice(source, warmups + runs))
    log(f"  looking for {warmups + runs} requests whose slot is taken ...")
    taken = list(itertools.islice((r for r in source if is_taken(engine, r)), warmups + runs))
    counter = QueryCounter(engine)
    result = Result(built.size, built, reused, Figure("check"), Figure("check + alternatives"), engine, taken)
    for n, request in enumerate(mixed):
        answer(engine, counter, request, False, result.check if n >= warmups else None)
    for n, request in enumerate(taken):
        answer(engine, counter, request, True, result.with_alternatives if n >= warmups else None)
    counter.close()
    return result


# --- the report -------------------------------------------------------------------------------


def table(results: list[Result]) -> list[str]:
    lines = [
        f"{'bookings':>10} {'years':>6} | {'check median':>12} {'p95':>6} {'CPU':>6} {'queries':>7} {'taken':>6}"
        f" | {'+ alternatives median':>21} {'p95':>6} {'CPU':>6} {'queries':>7} {'found':>5}",
    ]
    for r in results:
        c, a = r.check, r.with_alternatives
        found = sum(n * k for n, k in a.found.items()) / max(1, len(a.wall_ms))
        lines.append(
            f"{r.size:>10,} {r.built.years:>6.1f} | {c.median:>12.2f} {c.p95:>6.2f} {c.cpu:>6.2f} {c.query_text():>7}"
            f" {100 * c.taken / len(c.wall_ms):>5.0f}%"
            f" | {a.median:>21.2f} {a.p95:>6.2f} {a.cpu:>6.2f} {a.query_text():>7} {found:>5.1f}"
        )
    lines += [
        "times in ms: median and p95 wall time, median CPU time of this process (steadier on a busy machine)",
        "taken:   share of the random requests whose slot is taken (the rest are free or break a rule)",
        "+ alternatives: check and alternatives() for requests whose slot is taken; found: suggestions on average",
    ]
    return lines


def verdicts(results: list[Result]) -> list[tuple[str, bool]]:
    """The goals, judged at the largest size measured, the ratio against the smallest."""
    small, big = results[0], results[-1]
    at = "1M" if big.size == 1_000_000 else f"{big.size:,} (1M not measured)"
    checks = [
        (f"check median {big.check.median:.2f} ms at {at} (goal < {CHECK_GOAL_MS:g} ms)",
         big.check.median < CHECK_GOAL_MS),
        (f"check + alternatives median {big.with_alternatives.median:.2f} ms at {at} "
         f"(goal < {ALTERNATIVES_GOAL_MS:g} ms)", big.with_alternatives.median < ALTERNATIVES_GOAL_MS),
    ]
    if len(results) > 1:
        name = f"{big.size // 1000:,}k/{small.size // 1000:,}k".replace("1,000k", "1M")
        for label, a, b in (("check", small.check, big.check),
                            ("check + alternatives", small.with_alternatives, big.with_alternatives)):
            ratio = b.median / a.median
            checks.append((f"ratio {name} {label}: {ratio:.2f} (CPU {b.cpu / a.cpu:.2f}; goal <= {RATIO_GOAL:g})",
                           ratio <= RATIO_GOAL))
    return checks


def explain(result: Result) -> None:
    """The statements of one answer with alternatives, and how the database runs each."""
    counter = QueryCounter(result.engine)
    answer(result.engine, counter, result.taken[0], True, None)
    counter.close()
    print(f"\nQuery plans at {result.size:,} bookings (one check with alternatives):")
    seen = set()
    with result.engine.connect() as connection:
        for statement, parameters in zip(counter.statements, counter.parameters):
            if statement in seen or not statement.lstrip().upper().startswith("SELECT"):
                continue
            seen.add(statement)
            short = " ".join(statement.split())
            print(f"  {short[:200]}{' …' if len(short) > 200 else ''}")
            prefix = "EXPLAIN QUERY PLAN " if result.engine.dialect.name == "sqlite" else "EXPLAIN "
            for row in connection.exec_driver_sql(prefix + statement, parameters):
                print(f"      {' '.join(str(v) for v in row[-1:])}")


AREAS = (
    ("database (SQLAlchemy ORM, driver)", ("sqlalchemy", "sqlite3", "psycopg")),
    ("rules (booking/rules.py)", ("booking/rules.py",)),
    ("alternatives and loading (booking/availability.py)", ("booking/availability.py",)),
    ("time zones (clock, zoneinfo)", ("booking/clock.py", "zoneinfo")),
    ("messages (Babel, lazy strings)", ("babel", "speaklater")),
    ("the benchmark", ("bench/",)),
)


def print_profile(result: Result, runs: int = 40) -> None:
    counter = QueryCounter(result.engine)
    requests_ = result.taken
    found = profile_calls(lambda n: answer(result.engine, counter, requests_[n % len(requests_)], True, None),
                          runs, areas=AREAS)
    counter.close()
    print(f"\nWhere the time goes: check + alternatives at {result.size:,} bookings, own time per request")
    print(f"  (under cProfile, so more than the wall time above: {found.total_ms:.1f} ms)")
    for area, ms in found.areas:
        print(f"  {area:<52} {ms:>7.2f} ms  {100 * ms / found.total_ms:>4.0f} %")
    print(f"  {'calls':>6} {'own ms':>7} {'cum ms':>7}  function")
    for name, calls, own, cum in found.top:
        print(f"  {calls:>6} {own:>7.2f} {cum:>7.2f}  {name}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="numbers of bookings, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--runs", type=int, default=200, help="timed requests per figure and size (default 200)")
    parser.add_argument("--warmups", type=int, default=20, help="untimed requests first (default 20)")
    parser.add_argument("--seed", type=int, default=20240601, help="random seed for data and requests")
    parser.add_argument("--rebuild", action="store_true", help="build the SQLite databases again, even if cached")
    parser.add_argument("--postgres", metavar="URL",
                        help="an EMPTY scratch PostgreSQL database to run on instead of SQLite; "
                             "it is filled and emptied again for each size")
    parser.add_argument("--explain", action="store_true", help="show the query plans even when the goals are met")
    parser.add_argument("--profile", action="store_true", help="profile even when the goals are met")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    log = print
    results: list[Result] = []
    for size in args.sizes:
        if args.postgres:
            print(f"{size:,} bookings on PostgreSQL: building ...")
            built = build(args.postgres, size, args.seed, CACHE / "instance", log)
            url, reused = args.postgres, False
        else:
            print(f"{size:,} bookings on SQLite ...")
            url, built, reused = sqlite_house(size, args.seed, args.rebuild, log)
        how = f"built in {built.seconds:.1f} s" + (f" on {built.built_on}, reused" if reused else "")
        print(f"  {built.first_day} to {built.last_day} ({built.years:.1f} years), {how}")
        results.append(measure(url, built, reused, args.runs, args.warmups, args.seed + 1, log))
        if args.postgres and size != args.sizes[-1]:
            empty_postgres(args.postgres)

    database = "PostgreSQL" if args.postgres else f"SQLite {sqlite3.sqlite_version}"
    print()
    print("Treffpunkt benchmark: availability check and alternatives")
    print()
    print(f"database        {database}; 50 resources: {ROOMS} rooms, {len(EQUIPMENT)} kinds of equipment,"
          f" {PLOTS} plots")
    print(f"runs            {args.runs} per figure after {args.warmups} warm-ups, a fresh session each")
    for r in results:
        s = r.built.by_status
        print(f"{r.size:>13,}   approved {s.get('approved', 0):,}, pending {s.get('pending', 0):,}, "
              f"rejected {s.get('rejected', 0):,}, withdrawn {s.get('cancelled', 0):,}; "
              f"{r.built.closures} closures; built in {r.built.seconds:.1f} s{' (cached)' if r.reused else ''}")
    print()
    for line in table(results):
        print(line)
    print()
    print("Goals" + (" (set for SQLite)" if args.postgres else ""))
    goals = verdicts(results)
    for text, ok in goals:
        print(f"  {text}: {'OK' if ok else 'MISSED'}")
    if args.explain or not all(ok for _, ok in goals):
        explain(results[-1])
    if args.profile or not all(ok for _, ok in goals):
        print_profile(results[-1])
    for r in results:
        r.engine.dispose()
    if args.postgres:
        empty_postgres(args.postgres)
    return 0


def empty_postgres(url: str) -> None:
    """Leave the scratch database as empty as it was given."""
    app = create_app(bench_config(CACHE / "instance", url))
    with app.app_context():
        downgrade(revision="base")
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
