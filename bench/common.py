"""What the benchmarks share: an app on a scratch database, a big realistic house, timers.

`build_house()` fills a freshly migrated database with resources, organisations, their
people and as many bookings as asked for, spread over some years around today:

* bookings last 1 to 4 hours between 08:00 and 22:00 house time (Europe/Berlin), on a
  quarter-hour grid; rooms are busier than equipment, and garden plots are busy in summer;
* approved bookings never overlap on one resource (each resource's day is cut into
  slots that do not overlap); some pending requests compete for an approved slot;
* most bookings are approved, a few percent rejected or withdrawn, and a few thousand
  requests in the future still wait for a decision.

Rows go in with executemany (`session.execute(sa.insert(Model), rows)`) in batches of
10,000 and one commit, so 100,000 bookings take seconds.
"""

from __future__ import annotations

import cProfile
import itertools
import pstats
import random
import statistics
import sys
import time as timer
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from booking import create_app  # noqa: E402
from booking.clock import to_utc, today  # noqa: E402
from booking.extensions import db  # noqa: E402
from booking.models import (  # noqa: E402
    Booking,
    Organisation,
    OrganisationKind,
    Resource,
    ResourceKind,
    Role,
    Status,
    User,
)

MANAGER_EMAIL = "manager@bench.example.org"
DESK_EMAIL = "desk@bench.example.org"
PASSWORD = "bench-passwort-lang-genug"

# The house's day on the grid: quarter hours from 08:00 to 22:00.
OPENS = 8
CLOSES = 22
QUARTERS = (CLOSES - OPENS) * 4
# Durations in quarter hours (1 h to 4 h), two hours most often.
DURATIONS = (4, 4, 6, 6, 8, 8, 8, 10, 12, 16)
MOST_PER_DAY = 6  # bookings of one resource on one day, at most (in a house of up to a few 100,000)
CROWDED_PER_DAY = 14  # at most, when a house needs more (1,000,000 bookings in five years: shorter ones)
BATCH = 10_000

TITLES = (
    "Deutschkurs A1", "Deutschkurs B1", "Chorprobe", "Vorstandssitzung", "Hausaufgabenhilfe",
    "Nähcafé", "Elternabend", "Repair-Café", "Yoga für Anfängerinnen", "Kochabend",
    "Mitgliederversammlung", "Spieleabend", "Beratungssprechstunde", "Seniorentanz",
    "Bewerbungstraining", "Kinderbetreuung", "Plenum", "Workshop Fotografie", "Bibelkreis",
    "Sprachcafé", "Theaterprobe", "Lesekreis", "Gartenarbeit", "Aussaat", "Ernte",
    "Infoabend", "Schulung Ehrenamt", "Filmabend", "Trommelgruppe", "Frauenfrühstück",
)
NOTES = (
    "Bitte Tische in U-Form stellen.",
    "Wir bringen eigenes Geschirr mit.",
    "Schlüssel holen wir am Empfang ab.",
    "Mit Kinderbetreuung im Nebenraum.",
    "Beamer wird separat angefragt.",
)
ORGANISATION_WORDS = (
    ("Deutsch für alle", OrganisationKind.ASSOCIATION),
    ("Frauencafé", OrganisationKind.INITIATIVE),
    ("Kirchgemeinde", OrganisationKind.CHURCH),
    ("Ortsgruppe", OrganisationKind.UNION),
    ("Kulturverein", OrganisationKind.MIGRANT_ORGANISATION),
    ("Hausaufgabenhilfe", OrganisationKind.WELFARE),
    ("Gartenfreunde", OrganisationKind.INITIATIVE),
    ("Volkshochschule", OrganisationKind.EDUCATION),
    ("Seniorenbeirat", OrganisationKind.PUBLIC_BODY),
    ("Chor", OrganisationKind.ASSOCIATION),
)
EQUIPMENT = ("Beamer", "Musikanlage", "Bierzeltgarnitur", "Moderationskoffer", "Nähmaschine", "Leinwand")


def bench_config(instance: Path, database_url: str) -> dict:
    """The settings the benchmarks run with: like the tests, but not in testing mode."""
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench",
        "WTF_CSRF_ENABLED": False,
        "DEVELOPMENT": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def migrated_app(database_url: str, instance: Path):
    """An app on `database_url` whose schema the real migrations built; refuses a used database."""
    app = create_app(bench_config(instance, database_url))
    with app.app_context():
        upgrade()
        used = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        db.session.remove()
    if used:
        raise SystemExit(f"{database_url} already holds accounts; point the benchmark at an empty scratch database")
    return app


@dataclass
class House:
    """What build_house() made, for picking days and logging in."""

    resources: int
    organisations: int
    bookings: int
    by_status: Counter
    approved_per_day: Counter  # house-local date -> approved bookings starting that day
    first_day: date
    last_day: date
    seconds: float
    open_requests: int  # pending and not yet over: what the manager's queue lists
    manager_email: str = MANAGER_EMAIL
    desk_email: str = DESK_EMAIL
    password: str = PASSWORD

    def busiest_day(self) -> tuple[date, int]:
        return max(self.approved_per_day.items(), key=lambda kv: (kv[1], kv[0]))

    def quietest_day(self) -> tuple[date, int]:
        """The day with the fewest approved bookings that still has one (an empty day proves little)."""
        return min(self.approved_per_day.items(), key=lambda kv: (kv[1], kv[0]))


@dataclass
class _Kind:
    kind: ResourceKind
    share: float  # of all resources
    weight: float  # how busy, compared with the others


KINDS = (
    _Kind(ResourceKind.ROOM, 0.30, 3.0),
    _Kind(ResourceKind.PLOT, 0.50, 0.6),
    _Kind(ResourceKind.EQUIPMENT, 0.20, 1.5),
)
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 0.8, 0.55, 0.25)  # Monday .. Sunday
# Garden plots: busy from April to September, hardly used in winter.
PLOT_MONTH = (0.1, 0.1, 0.4, 1.0, 1.6, 1.8, 1.8, 1.8, 1.4, 0.7, 0.2, 0.1)


@dataclass
class _ResourceRow:
    id: int
    kind: ResourceKind
    quantity: int
    capacity: int | None
    weight: float


def _resources(count: int, rng: random.Random) -> list[dict]:
    rows = []
    counts = [round(count * k.share) for k in KINDS]
    counts[0] += count - sum(counts)
    for spec, n in zip(KINDS, counts):
        for i in range(1, n + 1):
            if spec.kind == ResourceKind.ROOM:
                name, capacity, quantity = f"Raum {i}", rng.choice((8, 12, 20, 20, 40, 80)), 1
            elif spec.kind == ResourceKind.PLOT:
                name, capacity, quantity = f"Beet {i}", None, 1
            else:
                base = EQUIPMENT[(i - 1) % len(EQUIPMENT)]
                name, capacity, quantity = f"{base} {(i - 1) // len(EQUIPMENT) + 1}", None, rng.choice((1, 2, 4, 10))
            rows.append(
                dict(
                    kind=spec.kind,
                    name=name,
                    description="",
                    location="",
                    capacity=capacity,
                    quantity=quantity,
                    active=True,
                )
            )
    return rows


def _organisations(count: int) -> list[dict]:
    rows = []
    for i in range(count):
        word, kind = ORGANISATION_WORDS[i % len(ORGANISATION_WORDS)]
        rows.append(
            dict(
                name=f"{word} {i + 1}",
                kind=kind,
                contact_name="Erika Muster",
                email=f"kontakt{i + 1}@verein.example.org",
                phone="03741 123456",
                active=True,
            )
        )
    return rows


def _slots(count: int, rng: random.Random) -> list[tuple[int, int]]:
    """`count` non-overlapping [start, end) quarter-hour slots within the house's day."""
    durations = [rng.choice(DURATIONS) for _ in range(count)]
    while sum(durations) > QUARTERS:
        durations[durations.index(max(durations))] -= 2
    slack = QUARTERS - sum(durations)
    cuts = sorted(rng.randint(0, slack) for _ in range(count))
    slots, position, used = [], 0, 0
    for duration, cut in zip(durations, cuts):
        position += cut - used
        used = cut
        slots.append((position, position + duration))
        position += duration
    return slots


def _status(future: bool, rng: random.Random) -> Status:
    roll = rng.random()
    if future:  # requests still wait; some groups have already withdrawn
        table = ((0.86, Status.APPROVED), (0.95, Status.PENDING), (0.97, Status.REJECTED))
    else:  # a stale request or two that nobody answered
        table = ((0.925, Status.APPROVED), (0.93, Status.PENDING), (0.96, Status.REJECTED))
    return next((status for limit, status in table if roll < limit), Status.CANCELLED)


def build_house(
    app,
    *,
    bookings: int = 100_000,
    years: float = 5,
    resources: int = 60,
    organisations: int = 30,
    seed: int = 20240601,
    log=print,
) -> House:
    """Fill the migrated, empty database of `app` with a busy house; insert in batches, commit once."""
    started = timer.perf_counter()
    rng = random.Random(seed)
    middle = today()
    half = int(years * 365.25 / 2)
    days = [middle + timedelta(days=n) for n in range(-half, half + 1)]
    moment = datetime.now(timezone.utc)

    with app.app_context():
        session = db.session
        session.execute(sa.insert(Resource), _resources(resources, rng))
        session.execute(sa.insert(Organisation), _organisations(organisations))
        session.flush()
        resource_rows = [
            _ResourceRow(r.id, r.kind, r.quantity, r.capacity, 0.0)
            for r in session.scalars(sa.select(Resource).order_by(Resource.id))
        ]
        organisation_ids = list(session.scalars(sa.select(Organisation.id).order_by(Organisation.id)))

        people = []
        for org_id in organisation_ids:
            for _ in range(rng.choice((1, 2, 3))):
                n = len(people) + 1
                people.append(
                    dict(
                        email=f"person{n}@verein.example.org",
                        name=f"Person {n}",
                        role=Role.PARTNER,
                        organisation_id=org_id,
                        password_hash="",  # partners do not log in here
                        active=True,
                    )
                )
        session.execute(sa.insert(User), people)
        staff = ((MANAGER_EMAIL, "Sabine Richter", Role.MANAGER), (DESK_EMAIL, "Tobias Lange", Role.DESK))
        for email, name, role in staff:
            user = User(email=email, name=name, role=role)
            user.set_password(PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
            session.add(user)
        session.flush()
        manager_id = session.scalar(sa.select(User.id).where(User.email == MANAGER_EMAIL))
        members: dict[int, list[int]] = {}
        partners = sa.select(User.id, User.organisation_id).where(User.role == Role.PARTNER)
        for user_id, org_id in session.execute(partners):
            members.setdefault(org_id, []).append(user_id)
        # A few big groups book much more than the many small ones.
        org_cumulative = list(itertools.accumulate(rng.paretovariate(1.5) for _ in organisation_ids))

        # How many bookings each (resource, day) gets: draw N cells by weight, at most a few per cell.
        kind_weight = {k.kind: k.weight for k in KINDS}
        for r in resource_rows:
            r.weight = kind_weight[r.kind] * rng.uniform(0.5, 1.5)
        cells, weights = [], []
        for d_index, day in enumerate(days):
            day_weight = WEEKDAY[day.weekday()]
            for r_index, r in enumerate(resource_rows):
                season = PLOT_MONTH[day.month - 1] if r.kind == ResourceKind.PLOT else 1.0
                cells.append((d_index, r_index))
                weights.append(r.weight * day_weight * season)
        cumulative = list(itertools.accumulate(weights))
        # As many a day as the house needs: the usual few, or (a million in five years) up to 14 shorter ones.
        most = MOST_PER_DAY if bookings <= len(cells) * MOST_PER_DAY // 2 else CROWDED_PER_DAY
        if bookings > len(cells) * most * 0.8:
            raise ValueError(f"{bookings:,} bookings do not fit {len(resource_rows)} resources"
                             f" over {years:g} years: at most about {int(len(cells) * most * 0.8):,}")
        per_cell: Counter = Counter()
        missing = bookings
        while missing:
            for cell in rng.choices(range(len(cells)), cum_weights=cumulative, k=missing):
                if per_cell[cell] < most:
                    per_cell[cell] += 1
            missing = bookings - sum(per_cell.values())

        by_status: Counter = Counter()
        approved_per_day: Counter = Counter()
        batch: list[dict] = []
        to_house: dict[date, timedelta] = {}  # add to a wall-clock time read as UTC to get the instant
        made = open_requests = 0
        for cell in sorted(per_cell):
            d_index, r_index = cells[cell]
            day, resource = days[d_index], resource_rows[r_index]
            if day not in to_house:  # 08:00-22:00 never meets a clock change, so one shift a day
                to_house[day] = to_utc(day, time(12)) - datetime.combine(day, time(12), tzinfo=timezone.utc)
            opening = datetime.combine(day, time(OPENS), tzinfo=timezone.utc) + to_house[day]
            slots = _slots(per_cell[cell], rng)
            for start, end in slots:
                starts_at = opening + timedelta(minutes=15 * start)
                ends_at = opening + timedelta(minutes=15 * end)
                status = _status(ends_at > moment, rng)
                if status == Status.PENDING and len(slots) > 1 and rng.random() < 0.3:
                    # A request that competes with another booking of the same resource.
                    other_start, other_end = rng.choice(slots)
                    shift = rng.choice((-2, 0, 2))
                    starts_at = opening + timedelta(minutes=15 * max(other_start + shift, 0))
                    ends_at = opening + timedelta(minutes=15 * min(other_end + shift, QUARTERS))
                org_id = rng.choices(organisation_ids, cum_weights=org_cumulative)[0]
                requester = rng.choice(members[org_id])
                created_at = min(starts_at - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 12)), moment)
                decided_by, decided_at, reason = None, None, ""
                if status in (Status.APPROVED, Status.REJECTED):
                    decided_by = manager_id
                    decided_at = min(created_at + timedelta(hours=rng.randint(2, 72)), moment)
                    if status == Status.REJECTED:
                        reason = "Der Raum ist zu der Zeit schon vergeben."
                elif status == Status.CANCELLED:
                    decided_by, decided_at = requester, min(created_at + timedelta(days=rng.randint(1, 20)), moment)
                batch.append(
                    dict(
                        resource_id=resource.id,
                        organisation_id=org_id,
                        requested_by_id=requester,
                        title=rng.choice(TITLES),
                        attendees=rng.randint(3, resource.capacity) if resource.capacity else None,
                        units=rng.randint(1, resource.quantity) if resource.kind == ResourceKind.EQUIPMENT else 1,
                        note=rng.choice(NOTES) if rng.random() < 0.15 else "",
                        starts_at=starts_at,
                        ends_at=ends_at,
                        # A Core insert skips the ORM's before_insert hook: fill what it would.
                        # These resources have no set-up or clean-up buffers.
                        busy_from=starts_at,
                        busy_until=ends_at,
                        exclusive=resource.kind != ResourceKind.EQUIPMENT,
                        status=status,
                        decided_by_id=decided_by,
                        decided_at=decided_at,
                        decision_reason=reason,
                        created_at=created_at,
                        updated_at=decided_at or created_at,
                    )
                )
                by_status[status] += 1
                if status == Status.APPROVED:
                    approved_per_day[day] += 1
                elif status == Status.PENDING and ends_at > moment:
                    open_requests += 1
                made += 1
            if len(batch) >= BATCH:
                session.execute(sa.insert(Booking), batch)
                batch.clear()
                log(f"  {made:,} bookings inserted")
        if batch:
            session.execute(sa.insert(Booking), batch)
        session.commit()
        session.remove()

    return House(
        resources=len(resource_rows),
        organisations=len(organisation_ids),
        bookings=made,
        by_status=by_status,
        approved_per_day=approved_per_day,
        first_day=days[0],
        last_day=days[-1],
        seconds=timer.perf_counter() - started,
        open_requests=open_requests,
    )


class QueryCounter:
    """Count the SQL statements an engine runs, and the time they take, between resets."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.seconds = 0.0
        self.statements: list[str] = []
        self.parameters: list = []  # of each statement, to EXPLAIN it afterwards
        self._started: list[float] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append(statement)
        self.parameters.append(parameters)
        self._started.append(timer.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self._started:
            self.seconds += timer.perf_counter() - self._started.pop()

    def reset(self) -> None:
        self.count, self.seconds, self.statements, self.parameters = 0, 0.0, [], []

    def close(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


@dataclass
class Timing:
    """Wall times of one page over several runs, with its queries per request."""

    label: str
    url: str
    samples_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU time: steadier on a busy machine
    sql_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)  # of the last run
    status: int = 0
    size: int = 0

    @property
    def ok(self) -> bool:
        """Every request answered 200."""
        return self.status == 200 and bool(self.samples_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def sql_median(self) -> float:
        return statistics.median(self.sql_ms)

    @property
    def query_count(self) -> int | None:
        """Queries per request, or None if runs disagreed (which itself would be a finding)."""
        return self.queries[0] if self.ok and len(set(self.queries)) == 1 else None


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def measure(
    client, counter: QueryCounter, label: str, url: str, runs: int, warmups: int = 3, headers: dict | None = None,
    before=None,
) -> Timing:
    """GET `url` warmups + runs times; keep the wall time, SQL time and query count of the runs.
    `before` (untimed) runs before each request: `forget_kept(app)` times a render as after a change."""
    timing = Timing(label, url)
    for n in range(warmups + runs):
        if before is not None:
            before()
        counter.reset()
        started, cpu_started = timer.perf_counter(), timer.process_time()
        response = client.get(url, headers=headers)
        elapsed, cpu = timer.perf_counter() - started, timer.process_time() - cpu_started
        timing.status = response.status_code
        if response.status_code != 200:
            return timing  # a report, not a test: the caller says so and goes on with the other pages
        if n >= warmups:
            timing.samples_ms.append(elapsed * 1000)
            timing.cpu_ms.append(cpu * 1000)
            timing.sql_ms.append(counter.seconds * 1000)
            timing.queries.append(counter.count)
        timing.size = len(response.data)
        timing.statements = list(counter.statements)
    return timing


def forget_kept(app):
    """Drop the pages the app keeps per version of the house: the next request renders as the
    first one after a change does."""
    return lambda: app.extensions.get("freshness.kept") and app.extensions["freshness.kept"].clear()


@contextmanager
def logged_in(app, email: str, password: str = PASSWORD):
    """A test client logged in through the real login form."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"logging in as {email} failed ({response.status_code})")
    yield client


# Where a request spends its own time, by the file a function lives in (first match wins).
AREAS = (
    ("database (SQLAlchemy ORM, driver)", ("sqlalchemy", "sqlite3", "psycopg", "flask_sqlalchemy")),
    ("dates and numbers (Babel)", ("babel", "booking/i18n.py")),
    ("template rendering (Jinja)", ("jinja2", "markupsafe", ".html")),
    (
        "board layout and policy",
        ("booking/board", "booking/policy.py", "booking/availability.py", "booking/clock.py", "zoneinfo"),
    ),
    ("forms (WTForms)", ("wtforms", "flask_wtf")),
    ("Flask, Werkzeug, login", ("flask", "werkzeug", "flask_login", "itsdangerous")),
)


def _area(filename: str, areas=AREAS) -> str:
    path = filename.replace("\\", "/")
    for name, needles in areas:
        if any(n in path for n in needles):
            return name
    return "other"


def _template_line(app, filename: str, code_line: int) -> int:
    """The template line that a line of Jinja's compiled code comes from (0 if unknown)."""
    try:
        name = str(Path(filename).relative_to(Path(app.template_folder)))
        return app.jinja_env.get_template(name).get_corresponding_lineno(code_line)
    except Exception:  # a report helper: an unknown line is no reason to stop
        return 0


@dataclass
class Profile:
    """Self time per area (C built-ins charged to the area of their caller) and the top functions."""

    runs: int
    total_ms: float
    areas: list[tuple[str, float]]
    top: list[tuple[str, int, float, float]]  # function, calls per request, own ms, cumulative ms


def profile(client, url: str, runs: int = 10, headers: dict | None = None, top: int = 15) -> Profile:
    """Profile `runs` GETs of `url` with cProfile; figures are per request."""
    client.get(url, headers=headers)  # warm
    return profile_calls(lambda _run: client.get(url, headers=headers), runs, top=top, app=client.application)


def profile_calls(call, runs: int, *, top: int = 15, areas=AREAS, app=None) -> Profile:
    """Profile `call(0)` .. `call(runs - 1)` with cProfile; figures are per call.

    The run's number lets `call` vary its input; `areas` says where time goes by file, as
    AREAS does; `app` maps the compiled code of templates back to template lines.
    """
    profiler = cProfile.Profile()
    profiler.enable()
    for run in range(runs):
        call(run)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    by_area: Counter = Counter()
    for (filename, _line, _name), (_cc, _nc, own, _cum, callers) in stats.items():
        if filename == "~" and callers:  # a built-in: charge its time to whoever called it
            for (caller_file, _l, _n), caller_figures in callers.items():
                by_area[_area(caller_file, areas)] += caller_figures[2]
        else:
            by_area[_area(filename, areas)] += own
    total = sum(by_area.values())
    ranked = sorted(stats.items(), key=lambda kv: kv[1][3], reverse=True)
    top_rows = []
    for (filename, line, name), (_cc, calls, own, cum, _callers) in ranked:
        if not any(part in filename for part in ("/booking/", "/templates/")):
            continue  # the house's own code and templates: where a fix would go
        short = str(Path(filename).relative_to(ROOT)) if filename.startswith(str(ROOT)) else filename
        if filename.endswith(".html") and app is not None:  # name the template line, not the compiled code's
            line = _template_line(app, filename, line)
        top_rows.append((f"{short}:{line} {name}", calls // runs, own * 1000 / runs, cum * 1000 / runs))
        if len(top_rows) == top:
            break
    return Profile(
        runs,
        total * 1000 / runs,
        [(name, seconds * 1000 / runs) for name, seconds in by_area.most_common()],
        top_rows,
    )
