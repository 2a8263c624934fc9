"""Demo data: the house's rooms, its partner groups and a fortnight of bookings around today.

Plain functions over the session; the command commits once. Rows are matched by their
natural keys first (names, e-mail addresses; bookings by resource, start and title), so
seeding twice adds nothing the second time. Times are the house's wall-clock times,
stored as UTC instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .availability import situation
from .clock import now as clock_now
from .clock import to_utc
from .clock import today as clock_today
from .models import (
    AuditEvent,
    Booking,
    Closure,
    Organisation,
    OrganisationKind,
    Resource,
    ResourceKind,
    Role,
    Series,
    Status,
    User,
)
from .reports.models import Purpose
from .rules import Ask, Part, occupancy
from .workflow import TRANSITIONS

DEMO_PASSWORD = "treffpunkt-demo"

MON, TUE, WED, THU, FRI, SAT = range(6)
WORKDAYS = (MON, TUE, WED, THU, FRI)


@dataclass(frozen=True)
class ResourceSpec:
    kind: ResourceKind
    name: str
    description: str = ""
    location: str = ""
    capacity: int | None = None
    quantity: int = 1
    setup_minutes: int = 0
    cleanup_minutes: int = 0
    max_hours: int | None = None


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    kind: OrganisationKind
    contact_name: str
    domain: str  # the group's own addresses live under this example.org domain
    phone: str


@dataclass(frozen=True)
class AccountSpec:
    email: str
    name: str
    role: Role
    organisation: str | None = None


ROOMS = (
    ResourceSpec(ResourceKind.ROOM, "Begegnungscafé", capacity=40, location="Erdgeschoss",
                 description="Offenes Café mit Theke, Tischgruppen und Spielecke für Kinder."),
    ResourceSpec(ResourceKind.ROOM, "Saal", capacity=80, location="Erdgeschoss", setup_minutes=30,
                 description="Großer Veranstaltungsraum mit kleiner Bühne, Bestuhlung für 80 Personen."),
    ResourceSpec(ResourceKind.ROOM, "Seminarraum 1", capacity=20, location="1. OG",
                 description="Tische in U-Form, Whiteboard und Flipchart."),
    ResourceSpec(ResourceKind.ROOM, "Seminarraum 2", capacity=12, location="1. OG",
                 description="Kleiner Gruppenraum mit Whiteboard, gut für Lerngruppen."),
    ResourceSpec(ResourceKind.ROOM, "Lehrküche", capacity=10, location="Erdgeschoss", cleanup_minutes=30,
                 max_hours=6,
                 description="Küche mit vier Kochinseln, Backofen und Geschirr für 40 Personen."),
    ResourceSpec(ResourceKind.ROOM, "Werkstatt", capacity=8, location="Untergeschoss",
                 description="Werkbänke, Handwerkzeug und ein Reparaturstand für Fahrräder."),
    ResourceSpec(ResourceKind.ROOM, "Musikraum", capacity=15, location="2. OG",
                 description="Klavier, Notenständer und Schallschutz."),
)

PLOTS = tuple(
    ResourceSpec(
        ResourceKind.PLOT,
        f"Beet {n}",
        location="Gemeinschaftsgarten",
        description=(
            "Hochbeet, auch im Rollstuhl erreichbar." if n <= 3
            else "Gartenbeet, etwa 4 m², Wasser am Regenfass."
        ),
    )
    for n in range(1, 13)
)

EQUIPMENT = (
    ResourceSpec(ResourceKind.EQUIPMENT, "Beamer", quantity=2, location="Ausgabe am Empfang",
                 description="Full-HD-Beamer mit HDMI-Kabel; Leinwand im Saal und in Seminarraum 1."),
    ResourceSpec(ResourceKind.EQUIPMENT, "Musikanlage", quantity=1, location="Ausgabe am Empfang",
                 description="Mobile Anlage mit zwei Boxen und zwei Funkmikrofonen."),
    ResourceSpec(ResourceKind.EQUIPMENT, "Bierzeltgarnitur", quantity=10, location="Schuppen im Garten",
                 description="Ein Tisch und zwei Bänke für draußen."),
    ResourceSpec(ResourceKind.EQUIPMENT, "Moderationskoffer", quantity=2, location="Ausgabe am Empfang",
                 description="Karten, Stifte, Pinnnadeln und Klebepunkte."),
    ResourceSpec(ResourceKind.EQUIPMENT, "Nähmaschine", quantity=4, location="Werkstatt",
                 description="Haushaltsnähmaschine mit Zubehör."),
)

RESOURCES = ROOMS + PLOTS + EQUIPMENT

ORGANISATIONS = (
    OrganisationSpec("Deutsch für alle e.V.", OrganisationKind.ASSOCIATION,
                     "Claudia Neumann", "deutsch-fuer-alle.example.org", "03741 284110"),
    OrganisationSpec("Frauencafé Plauen", OrganisationKind.INITIATIVE,
                     "Anja Köhler", "frauencafe-plauen.example.org", "0176 41822037"),
    OrganisationSpec("Evangelische Kirchgemeinde", OrganisationKind.CHURCH,
                     "Martin Schubert", "kirchgemeinde.example.org", "03741 225064"),
    OrganisationSpec("ver.di Ortsgruppe Plauen", OrganisationKind.UNION,
                     "Frank Böhm", "verdi-plauen.example.org", "03741 131870"),
    OrganisationSpec("Syrisch-Deutscher Kulturverein", OrganisationKind.MIGRANT_ORGANISATION,
                     "Rami Haddad", "sdkv-plauen.example.org", "0157 39016624"),
    OrganisationSpec("Hausaufgabenhilfe der Diakonie", OrganisationKind.WELFARE,
                     "Ulrike Seidel", "diakonie-hausaufgaben.example.org", "03741 409352"),
    OrganisationSpec("Gartenfreunde Plauen", OrganisationKind.INITIATIVE,
                     "Heike Wolf", "gartenfreunde-plauen.example.org", "0162 7784120"),
)

ACCOUNTS = (
    AccountSpec("admin@example.org", "Katrin Vogel", Role.ADMIN),
    AccountSpec("manager@example.org", "Sabine Richter", Role.MANAGER),
    AccountSpec("desk@example.org", "Tobias Lange", Role.DESK),
    AccountSpec("partner@example.org", "Claudia Neumann", Role.PARTNER, "Deutsch für alle e.V."),
    AccountSpec("partner2@example.org", "Rami Haddad", Role.PARTNER, "Syrisch-Deutscher Kulturverein"),
)

MANAGER_EMAIL = "manager@example.org"


@dataclass(frozen=True)
class Weekly:
    """A group's regular slot on some weekdays."""

    weekdays: tuple[int, ...]
    organisation: str
    resource: str
    start: str
    end: str
    title: str
    attendees: int | None
    note: str = ""
    cancel_last: int | None = None  # the past occurrence on this weekday was called off ...
    cancel_reason: str = ""  # ... for this reason


WEEKLY = (
    Weekly((TUE, THU), "Deutsch für alle e.V.", "Seminarraum 1", "18:00", "20:00", "Deutschkurs A2", 16,
           "Ehrenamtlicher Kurs, bitte Tische in U-Form stellen.",
           cancel_last=TUE, cancel_reason="Auf Wunsch der Gruppe: Die Kursleiterin ist erkrankt."),
    Weekly((WED,), "Frauencafé Plauen", "Begegnungscafé", "10:00", "12:00", "Frauencafé", 25,
           "Offenes Treffen mit Kinderbetreuung in der Spielecke."),
    Weekly(WORKDAYS, "Hausaufgabenhilfe der Diakonie", "Seminarraum 2", "14:00", "16:00", "Hausaufgabenhilfe", 10,
           "Für Schulkinder der Klassen 1 bis 6.",
           cancel_last=FRI, cancel_reason="Auf Wunsch der Gruppe: Schulfest an der Grundschule."),
    Weekly((WED,), "Evangelische Kirchgemeinde", "Musikraum", "19:00", "21:00", "Chorprobe Gospelchor", 14,
           "Das Klavier wird gebraucht."),
    Weekly((MON,), "ver.di Ortsgruppe Plauen", "Seminarraum 2", "16:30", "17:30", "Sprechstunde Arbeitsrecht", 6,
           "Beratung auf Deutsch und Englisch, Dolmetscherin für Arabisch nach Absprache."),
    Weekly((FRI,), "Syrisch-Deutscher Kulturverein", "Lehrküche", "17:00", "21:00", "Kochabend: Syrische Küche", 10,
           "Wir kaufen selbst ein und räumen die Küche wieder auf."),
)


@dataclass(frozen=True)
class Season:
    """A garden plot for the coming season, 1 March to 31 October."""

    organisation: str
    resource: str
    title: str
    outcome: Status = Status.APPROVED
    note: str = ""


SEASONS = (
    Season("Gartenfreunde Plauen", "Beet 1", "Gemüse für den Mittagstisch"),
    Season("Gartenfreunde Plauen", "Beet 2", "Kräuter und Blumen"),
    Season("Hausaufgabenhilfe der Diakonie", "Beet 3", "Schulgarten für die Hausaufgabenkinder",
           note="Ein Hochbeet, damit alle Kinder gut herankommen."),
    Season("Syrisch-Deutscher Kulturverein", "Beet 7", "Kräuter aus der Heimat", outcome=Status.PENDING,
           note="Minze, Petersilie und Sumach zum Ausprobieren."),
)


@dataclass(frozen=True)
class ClosureSpec:
    """A closure of the house (resource None) from one local day and time to another."""

    resource: str | None
    first: date
    start: str
    last: date
    end: str
    reason: str


def closures_around(today: date) -> tuple[ClosureSpec, ...]:
    """The Christmas break ahead and a short closure within the fortnight."""
    christmas = date(today.year if today.month < 12 or today.day < 24 else today.year + 1, 12, 24)
    return (
        ClosureSpec(None, christmas, "00:00", christmas + timedelta(days=9), "24:00", "Weihnachtspause"),
        ClosureSpec("Musikraum", _next(today, THU), "08:00", _next(today, THU), "13:00",
                    "Das Klavier wird gestimmt"),
    )


@dataclass(frozen=True)
class Once:
    """One booking on the coming (`ahead`) or the past occurrence of a weekday."""

    weekday: int
    ahead: bool
    organisation: str
    resource: str
    start: str
    end: str
    title: str
    attendees: int | None
    note: str = ""
    units: int = 1
    outcome: Status = Status.APPROVED
    reason: str = ""
    asked_hours_ago: int = 30  # pending requests only
    bundle_with: str | None = None  # requested together with the group's booking of this resource


ONCE = (
    # Done and dusted.
    Once(SAT, False, "Syrisch-Deutscher Kulturverein", "Saal", "14:00", "18:00", "Kindernachmittag", 60,
         "Mit Kuchenbasar, Erlös für die Vereinsarbeit."),
    Once(SAT, False, "Syrisch-Deutscher Kulturverein", "Musikanlage", "14:00", "18:00", "Kindernachmittag", None),
    Once(MON, False, "ver.di Ortsgruppe Plauen", "Beamer", "16:30", "17:30", "Sprechstunde Arbeitsrecht", None,
         "Für die Präsentation zum Mindestlohn."),
    Once(TUE, False, "Frauencafé Plauen", "Nähmaschine", "09:00", "13:00", "Nähtreff", None, units=3),
    Once(THU, False, "Frauencafé Plauen", "Werkstatt", "10:00", "12:00", "Fahrradkurs für Frauen: Reparatur", 8),
    # Approved and coming up.
    Once(THU, True, "Deutsch für alle e.V.", "Beamer", "18:00", "20:00", "Deutschkurs A2", None,
         "Wir schauen gemeinsam einen kurzen Film."),
    Once(SAT, True, "Gartenfreunde Plauen", "Bierzeltgarnitur", "10:00", "18:00", "Nachbarschaftsfest", None,
         "Aufbau im Gemeinschaftsgarten.", units=6),
    Once(SAT, True, "Gartenfreunde Plauen", "Musikanlage", "13:00", "18:00", "Nachbarschaftsfest", None),
    Once(TUE, True, "Hausaufgabenhilfe der Diakonie", "Moderationskoffer", "14:00", "16:00", "Elternnachmittag", None),
    Once(TUE, True, "Evangelische Kirchgemeinde", "Begegnungscafé", "15:00", "17:00", "Seniorenkaffee", 30,
         "Wir bringen Kuchen mit."),
    # Declined, with the reason the group sees.
    Once(WED, True, "Deutsch für alle e.V.", "Begegnungscafé", "10:00", "12:00", "Sprachcafé", 20,
         "Zum Üben im Gespräch.", outcome=Status.REJECTED,
         reason="Mittwochvormittag ist das Frauencafé im Begegnungscafé. Donnerstagvormittag wäre frei."),
    # The manager's queue: two groups want the Saal at the same time ...
    Once(SAT, True, "Syrisch-Deutscher Kulturverein", "Saal", "14:00", "18:00", "Kulturnachmittag mit Musik und Tanz", 70,
         "Mit Buffet aus der Lehrküche.", outcome=Status.PENDING, asked_hours_ago=52),
    Once(SAT, True, "Frauencafé Plauen", "Saal", "14:00", "18:00", "Internationales Frauenfest", 50,
         "Mit Kinderbetreuung.", outcome=Status.PENDING, asked_hours_ago=20),
    # ... one asks for a room an approved course already holds ...
    Once(THU, True, "ver.di Ortsgruppe Plauen", "Seminarraum 1", "18:30", "20:00", "Infoabend: Rechte im Minijob", 18,
         "Mit Dolmetscherin für Arabisch.", outcome=Status.PENDING, asked_hours_ago=6),
    # ... one wants more benches than are left ...
    Once(SAT, True, "Evangelische Kirchgemeinde", "Bierzeltgarnitur", "12:00", "18:00", "Gemeindefest", None,
         "Für den Kirchhof; wir holen sie selbst ab.", units=6, outcome=Status.PENDING, asked_hours_ago=28),
    # ... and some that fit.
    Once(SAT, True, "Deutsch für alle e.V.", "Seminarraum 1", "10:00", "13:00", "Prüfungsvorbereitung B1", 12,
         "Übungstest mit Hörverstehen.", outcome=Status.PENDING, asked_hours_ago=44),
    Once(SAT, True, "Syrisch-Deutscher Kulturverein", "Beamer", "14:00", "18:00", "Kulturnachmittag mit Musik und Tanz", None,
         outcome=Status.PENDING, asked_hours_ago=52, bundle_with="Saal"),
    Once(WED, True, "Gartenfreunde Plauen", "Werkstatt", "16:00", "19:00", "Nistkästen bauen mit Kindern", 8,
         outcome=Status.PENDING, asked_hours_ago=3),
)


@dataclass(frozen=True)
class Planned:
    organisation: str
    resource: str
    starts_at: datetime
    ends_at: datetime
    title: str
    attendees: int | None
    note: str
    units: int
    outcome: Status
    reason: str = ""
    asked_hours_ago: int = 30
    bundle_with: str | None = None


@dataclass
class SeedReport:
    """How many rows of each kind the seeding added."""

    resources: int = 0
    organisations: int = 0
    users: int = 0
    bookings: int = 0
    closures: int = 0
    keys: int = 0
    skipped: int = 0  # planned approvals left out because the slot was already taken

    @property
    def added(self) -> int:
        return self.resources + self.organisations + self.users + self.bookings + self.closures + self.keys


def _hhmm(value: str) -> time:
    hours, minutes = map(int, value.split(":"))
    return time(hours, minutes)


def _last(today: date, weekday: int) -> date:
    """The occurrence of a weekday in the seven days before today."""
    return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def _next(today: date, weekday: int) -> date:
    """The occurrence of a weekday in the seven days after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


# What each demo title is for: the built-in purposes' keys (booking/reports/purposes.py).
PURPOSES = {
    "Deutschkurs A2": "german_course", "Prüfungsvorbereitung B1": "german_course", "Sprachcafé": "german_course",
    "Sprechstunde Arbeitsrecht": "counselling", "Infoabend: Rechte im Minijob": "counselling",
    "Hausaufgabenhilfe": "counselling", "Elternnachmittag": "meeting",
    "Chorprobe Gospelchor": "culture", "Kulturnachmittag mit Musik und Tanz": "culture", "Kindernachmittag": "culture",
    "Frauencafé": "meeting", "Seniorenkaffee": "meeting", "Nähtreff": "meeting",
    "Kochabend: Syrische Küche": "culture",
    "Nachbarschaftsfest": "celebration", "Internationales Frauenfest": "celebration", "Gemeindefest": "celebration",
}


def purpose_key(plan) -> str:
    """The purpose of a demo booking: by its title, a plot's season is the garden, else "other"."""
    if plan.ends_at - plan.starts_at > timedelta(days=2):
        return "garden"
    return PURPOSES.get(plan.title, "other")


def plan_bookings(today: date) -> list[Planned]:
    """The fortnight from seven days ago to seven days ahead, as the house would have it."""
    planned: list[Planned] = []
    for series in WEEKLY:
        for offset in range(-7, 8):
            day = today + timedelta(days=offset)
            if day.weekday() not in series.weekdays:
                continue
            called_off = offset < 0 and day.weekday() == series.cancel_last
            planned.append(
                Planned(
                    series.organisation, series.resource,
                    to_utc(day, _hhmm(series.start)), to_utc(day, _hhmm(series.end)),
                    series.title, series.attendees, series.note, 1,
                    Status.CANCELLED if called_off else Status.APPROVED,
                    series.cancel_reason if called_off else "",
                )
            )
    for one in ONCE:
        day = _next(today, one.weekday) if one.ahead else _last(today, one.weekday)
        planned.append(
            Planned(
                one.organisation, one.resource,
                to_utc(day, _hhmm(one.start)), to_utc(day, _hhmm(one.end)),
                one.title, one.attendees, one.note, one.units, one.outcome, one.reason, one.asked_hours_ago,
                one.bundle_with,
            )
        )
    year = today.year if today.month < 3 else today.year + 1  # the next season that has not begun
    for season in SEASONS:
        planned.append(
            Planned(
                season.organisation, season.resource,
                to_utc(date(year, 3, 1), time()), to_utc(date(year, 11, 1), time()),
                season.title, None, season.note, 1, season.outcome, asked_hours_ago=72,
            )
        )
    # Approved bookings first, so that the conflict check sees them before the requests;
    # bundled items after the request they belong to.
    order = {Status.APPROVED: 0, Status.CANCELLED: 1, Status.REJECTED: 2, Status.PENDING: 3}
    planned.sort(key=lambda p: (order[p.outcome], p.bundle_with is not None, p.starts_at))
    return planned


def has_users(session: Session) -> bool:
    """Does the database hold any account at all?"""
    return session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def seed(
    session: Session,
    password_method: str = "scrypt",
    today: date | None = None,
    now: datetime | None = None,
) -> SeedReport:
    """Add whatever of the demo data is missing; flush, never commit."""
    today = today or clock_today()
    now = now or clock_now()
    report = SeedReport()
    resources = {spec.name: _ensure_resource(session, spec, report) for spec in RESOURCES}
    session.flush()
    for spec in ROOMS:
        _ensure_key(session, resources[spec.name], report)
    organisations = {spec.name: _ensure_organisation(session, spec, report) for spec in ORGANISATIONS}
    users = {
        spec.email: _ensure_user(session, spec, organisations, password_method, report)
        for spec in ACCOUNTS
    }
    requesters = _requesters(session, organisations, password_method, report)
    manager = users[MANAGER_EMAIL]
    for plan in plan_bookings(today):
        requester = requesters.get(plan.organisation)
        if requester is None:
            continue
        _ensure_booking(session, plan, resources[plan.resource], requester, manager, now, report)
    session.flush()
    for spec in WEEKLY:
        requester = requesters.get(spec.organisation)
        if requester is not None:
            _ensure_series(session, spec, resources[spec.resource], requester, today)
    for spec in closures_around(today):
        _ensure_closure(session, spec, resources, manager, report)
    session.flush()
    return report


def _ensure_series(session: Session, spec: Weekly, resource: Resource, requester: User, today: date) -> None:
    """The regular groups' dates of the fortnight belong to one series each, as if requested so."""
    series = session.scalar(sa.select(Series).where(
        Series.organisation_id == requester.organisation_id, Series.title == spec.title))
    if series is None:
        series = Series(
            organisation_id=requester.organisation_id, requested_by=requester, resource=resource,
            title=spec.title, weekdays=",".join(str(d) for d in sorted(spec.weekdays)), every=1,
            first_day=today - timedelta(days=7), until=today + timedelta(days=7),
            start=_hhmm(spec.start), end=_hhmm(spec.end),
        )
        session.add(series)
        session.flush()
    session.execute(
        sa.update(Booking)
        .where(Booking.organisation_id == requester.organisation_id, Booking.title == spec.title,
               Booking.resource_id == resource.id, Booking.series_id.is_(None))
        .values(series_id=series.id)
    )


def _ensure_closure(session: Session, spec: ClosureSpec, resources: dict[str, Resource], manager: User,
                    report: SeedReport) -> None:
    starts_at = to_utc(spec.first, _hhmm(spec.start))
    ends_at = (to_utc(spec.last + timedelta(days=1), time()) if spec.end == "24:00"
               else to_utc(spec.last, _hhmm(spec.end)))
    if session.scalar(sa.select(Closure.id).where(Closure.starts_at == starts_at, Closure.reason == spec.reason)):
        return
    resource = resources[spec.resource] if spec.resource else None
    session.add(Closure(resource=resource, starts_at=starts_at, ends_at=ends_at, reason=spec.reason,
                        created_by=manager))
    report.closures += 1


def _ensure_key(session: Session, room: Resource, report: SeedReport) -> None:
    """Each room's key at the desk, two copies of it."""
    from .desk.models import Key  # noqa: PLC0415

    if session.scalar(sa.select(Key.id).where(Key.resource_id == room.id)) is None:
        session.add(Key(resource_id=room.id, name=room.name, copies=2))
        report.keys += 1


def _ensure_resource(session: Session, spec: ResourceSpec, report: SeedReport) -> Resource:
    resource = session.scalar(sa.select(Resource).where(Resource.name == spec.name))
    if resource is None:
        resource = Resource(
            kind=spec.kind,
            name=spec.name,
            description=spec.description,
            location=spec.location,
            capacity=spec.capacity,
            quantity=spec.quantity,
            setup_minutes=spec.setup_minutes,
            cleanup_minutes=spec.cleanup_minutes,
            max_hours=spec.max_hours,
        )
        session.add(resource)
        report.resources += 1
    return resource


def _ensure_organisation(session: Session, spec: OrganisationSpec, report: SeedReport) -> Organisation:
    organisation = session.scalar(sa.select(Organisation).where(Organisation.name == spec.name))
    if organisation is None:
        organisation = Organisation(
            name=spec.name,
            kind=spec.kind,
            contact_name=spec.contact_name,
            email=f"info@{spec.domain}",
            phone=spec.phone,
        )
        session.add(organisation)
        report.organisations += 1
    return organisation


def _ensure_user(
    session: Session,
    spec: AccountSpec,
    organisations: dict[str, Organisation],
    password_method: str,
    report: SeedReport,
) -> User:
    email = User.normalise_email(spec.email)
    user = session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if user is None:
        user = User(
            email=email,
            name=spec.name,
            role=spec.role,
            organisation=organisations[spec.organisation] if spec.organisation else None,
            language=None,  # follow the browser
        )
        user.set_password(DEMO_PASSWORD, method=password_method)
        session.add(user)
        report.users += 1
    return user


def _requesters(
    session: Session,
    organisations: dict[str, Organisation],
    password_method: str,
    report: SeedReport,
) -> dict[str, User]:
    """One partner account per organisation who asks for its bookings."""
    requesters: dict[str, User] = {}
    session.flush()  # the organisations' ids are needed below
    for spec in ORGANISATIONS:
        organisation = organisations[spec.name]
        member = session.scalar(
            sa.select(User)
            .where(User.organisation_id == organisation.id, User.role == Role.PARTNER)
            .order_by(User.id)
        )
        if member is None:
            contact = AccountSpec(f"kontakt@{spec.domain}", spec.contact_name, Role.PARTNER, spec.name)
            member = _ensure_user(session, contact, organisations, password_method, report)
            if member.organisation is not organisation or member.role != Role.PARTNER:
                continue  # the address belongs to someone else now; leave that group out
        requesters[spec.name] = member
    return requesters


def _ensure_booking(
    session: Session,
    plan: Planned,
    resource: Resource,
    requester: User,
    manager: User,
    now: datetime,
    report: SeedReport,
) -> None:
    existing = session.scalar(
        sa.select(Booking.id).where(
            Booking.resource_id == resource.id,
            Booking.starts_at == plan.starts_at,
            Booking.title == plan.title,
        )
    )
    if existing is not None:
        return
    if plan.outcome in (Status.APPROVED, Status.CANCELLED):
        # Never promise a slot twice, even when the data already holds other bookings.
        part = Part(resource, plan.units)
        found = situation(session, [resource], *resource.busy_span(plan.starts_at, plan.ends_at))
        if occupancy(part, Ask((part,), plan.starts_at, plan.ends_at), found.bookings).reasons:
            report.skipped += 1
            return
    lead = None
    if plan.bundle_with:
        lead = session.scalar(
            sa.select(Booking).join(Booking.resource).where(
                Resource.name == plan.bundle_with,
                Booking.organisation_id == requester.organisation_id,
                Booking.starts_at == plan.starts_at,
                Booking.title == plan.title,
            )
        )
    booking = Booking(
        bundle_of=lead,
        resource=resource,
        organisation=requester.organisation,
        requested_by=requester,
        title=plan.title,
        attendees=plan.attendees,
        note=plan.note,
        units=plan.units,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        status=Status.PENDING,
        purpose_id=session.scalar(sa.select(Purpose.id).where(Purpose.key == purpose_key(plan))),
    )
    session.add(booking)
    for status, by, at, reason in _history(plan, requester, manager, now):
        _step(session, booking, status, by, at, reason)
    session.flush()
    report.bookings += 1


def _history(plan: Planned, requester: User, manager: User, now: datetime):
    """The status steps of one booking: who took each step, when, and why."""
    if plan.outcome == Status.PENDING:
        yield Status.PENDING, requester, now - timedelta(hours=plan.asked_hours_ago), ""
        return
    asked = min(plan.starts_at - timedelta(days=12), now - timedelta(days=2))
    decided = asked + timedelta(days=1, hours=2)
    yield Status.PENDING, requester, asked, ""
    if plan.outcome == Status.REJECTED:
        yield Status.REJECTED, manager, decided, plan.reason
        return
    yield Status.APPROVED, manager, decided, ""
    if plan.outcome == Status.CANCELLED:
        called_off = max(decided, min(plan.starts_at - timedelta(days=2), now - timedelta(hours=1)))
        yield Status.CANCELLED, manager, called_off, plan.reason


def _step(session: Session, booking: Booking, to: Status, by: User, at: datetime, reason: str) -> None:
    """Move a booking to `to` and audit it, as the workflow does, at a time in the past."""
    old = None if to == Status.PENDING else booking.status
    if old is not None:
        if to not in TRANSITIONS[old]:
            raise ValueError(f"demo data asks for {old} -> {to}")
        booking.decided_by = by
        booking.decided_at = at
        booking.decision_reason = reason
    else:
        booking.created_at = at
    booking.status = to
    booking.updated_at = at
    session.add(AuditEvent(at=at, actor=by, booking=booking, from_status=old, to_status=to, reason=reason))
