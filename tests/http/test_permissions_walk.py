"""Every route, as every kind of visitor: the answers the table in docs/permissions.md promises.

The routes come from the application's own url_map, so a new route cannot slip past: it fails
here until the table has a row for it. Each request runs against a database of its own, with
the objects of one partner group, A, named in the URL, so an allowed POST (an approval, a
withdrawal, a deleted closure) changes nothing the next visitor sees.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from booking import accounts, create_app
from booking import series as serieswork
from booking.clock import now, to_utc
from booking.calendar import feeds as calendar_feeds
from booking.calendar.models import FeedKind
from booking.decisions.models import Offer
from booking.extensions import db
from booking.garden.models import GardenApplication, GardenSeason
from booking.lobby import screens as lobby_screens
from booking.lobby.models import LobbyScreen
from booking.desk.models import EquipmentLoan, Key, KeyLoan
from booking.models import Closure, Resource, ResourceKind, Role, TokenPurpose
from booking.notify.messages import unsubscribe_token
from booking.notify.models import Kind, OutboxMessage, State, Topic
from booking.recurrence import Pattern
from tests.conftest import base_config, future_day

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLES = ("anonymous", "partner A", "partner B", "desk", "manager", "admin")
CELLS = ("yes", "login", "403", "404")
NOT_WALKED = {"HEAD", "OPTIONS"}  # answered by Flask itself for every route
# What `yes` may be: the view did its work (a redirect to the login page is sorted out first).
ALLOWED = {200, 302, 303, 400, 409, 422}


def application_routes() -> list[tuple[str, str]]:
    """(method, rule) of every route but the static files, as the application registers them."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(base_config(Path(folder), "sqlite://"))
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - NOT_WALKED
    )


ROUTES = application_routes()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@cache
def table() -> dict[tuple[str, str], dict[str, str]]:
    """The table of the "Routes" section: (method, rule) -> {visitor: cell}."""
    text = DOC.read_text(encoding="utf-8")
    assert "\n## Routes\n" in text, f"{DOC} has no section '## Routes'"
    section = text.split("\n## Routes\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    assert lines, "the Routes section holds no table"
    header = _cells(lines[0])
    assert header == ["method", "rule", *ROLES], f"the table's columns are {header}"
    assert all(re.fullmatch(r":?-{3,}:?", cell) for cell in _cells(lines[1])), "the second line must be |---|…"
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in lines[2:]:
        method, rule, *answers = _cells(line)
        assert re.fullmatch(r"`[^`]+`", rule), f"write the rule in backticks: {line}"
        rule = rule.strip("`")
        assert method in {"GET", "POST", "PUT", "PATCH", "DELETE"}, f"one method per row: {line}"
        assert len(answers) == len(ROLES), f"{len(ROLES)} answers per row: {line}"
        unknown = [a for a in answers if a not in CELLS]
        assert not unknown, f"{unknown} are not among {CELLS}: {line}"
        assert (method, rule) not in rows, f"{method} {rule} has two rows"
        rows[(method, rule)] = dict(zip(ROLES, answers))
    return rows


def test_the_table_is_well_formed():
    assert table(), "the table has no rows"


def test_every_route_has_a_row_and_every_row_a_route():
    documented, registered = set(table()), set(ROUTES)
    missing = sorted(registered - documented)
    gone = sorted(documented - registered)
    assert not missing and not gone, (
        f"routes without a row in {DOC.name}: {missing}; rows for routes that do not exist: {gone}"
    )


@dataclass
class World:
    """Group A's objects, and one account of each kind of visitor."""

    users: dict[str, object]
    values: dict[str, object]


@pytest.fixture
def world(make) -> World:
    group_a = make.organisation("Verein A")
    group_b = make.organisation("Verein B")
    member_a = make.user(Role.PARTNER, group_a, name="Amal A")
    other_member_a = make.user(Role.PARTNER, group_a, name="Anna A")
    room = make.resource("Seminarraum 1", capacity=20)
    booking = make.booking(room, group_a, day=future_day(weeks=2), requested_by=member_a)
    first = future_day(weekday=3, weeks=4)
    pattern = Pattern(first, time(17), time(19), (first.weekday(),), count=3)
    planned = [p for p in serieswork.preview(db.session, pattern, room, 10, now(), None) if p.wanted]
    series = serieswork.send(db.session, pattern, planned, resource=room, by=member_a, organisation=group_a,
                             title="Kurs A", attendees=10)
    other_member_a.password_hash = ""  # invited, no password chosen yet
    token, _link = accounts.issue(db.session, other_member_a, TokenPurpose.INVITATION, at=now(),
                                  lifetime=timedelta(days=7))
    closure_day = future_day(weekday=5, weeks=6)
    closure = Closure(resource=room, starts_at=to_utc(closure_day, time()),
                      ends_at=to_utc(closure_day + timedelta(days=1), time()), reason="Renovierung")
    db.session.add(closure)
    undelivered = OutboxMessage(kind=Kind.APPROVED, recipient=member_a, state=State.FAILED, attempts=1,
                                last_error="550 No such user", payload="{}")
    db.session.add(undelivered)
    screen = LobbyScreen(name="Eingang")
    screen_token = lobby_screens.issue(screen, now())
    db.session.add(screen)
    feed, feed_token = calendar_feeds.issue(db.session, member_a, FeedKind.ORGANISATION,
                                            organisation_id=group_a.id, at=now())
    offer = Offer(booking=booking, organisation_id=group_a.id, resource=room, starts_at=booking.starts_at,
                  ends_at=booking.ends_at, expires_at=now() + timedelta(days=3))
    db.session.add(offer)
    key = Key(resource_id=room.id, name="Seminarraum 1", copies=2)
    key_loan = KeyLoan(key=key, organisation=group_a, holder_name="Amal A", copies=1)
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    lent = make.booking(beamer, group_a, day=future_day(weeks=2), requested_by=member_a, attendees=None)
    equipment_loan = EquipmentLoan(booking=lent, resource_id=beamer.id, units=1, taken_by="Amal A",
                                   due_at=lent.ends_at)
    db.session.add_all([key, key_loan, equipment_loan])
    season = GardenSeason(name="Saison", starts_on=future_day(weeks=8), ends_on=future_day(weeks=30),
                          apply_from=future_day(weeks=-2), apply_until=future_day(weeks=2), offer_days=7)
    application = GardenApplication(season=season, organisation=group_a, applied_by=member_a, note="Beet")
    db.session.add_all([season, application])
    db.session.commit()
    users = {
        "partner A": member_a,
        "partner B": make.user(Role.PARTNER, group_b, name="Bernd B"),
        "desk": make.user(Role.DESK),
        "manager": make.user(Role.MANAGER),
        "admin": make.user(Role.ADMIN),
    }
    values = {
        "booking_id": booking.id,
        "series_id": series.id,
        "resource_id": room.id,
        "organisation_id": group_a.id,
        "user_id": other_member_a.id,
        "closure_id": closure.id,
        "token": token,
        "message_id": undelivered.id,
        "signature": unsubscribe_token(member_a.id, [Topic.REMINDERS]),
        "screen_token": screen_token,
        "screen_id": screen.id,
        "feed_id": feed.id,
        "feed_token": feed_token,
        "offer_id": offer.id,
        "key_id": key.id,
        "key_loan_id": key_loan.id,
        "equipment_loan_id": equipment_loan.id,
        "season_id": season.id,
        "application_id": application.id,
        "purpose_id": 1,  # a built-in purpose, seeded by the migrations
    }
    return World(users, values)


def url_of(rule: str, values: dict[str, object]) -> str:
    """The rule with A's objects filled in."""
    def fill(match: re.Match) -> str:
        name = match["name"]
        assert name in values, f"the walk does not know which object of A to put in <{name}> of {rule}"
        return str(values[name])

    return re.sub(r"<(?:[^:<>]+:)?(?P<name>\w+)>", fill, rule)


def answer(response, logged_in: bool, asked: str) -> str:
    """The table's word for a response."""
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response.headers["Location"])
        if location.path == "/login" and not location.netloc:
            back = parse_qs(location.query).get("next")
            if logged_in and back is None:
                return "yes"  # logging out ends on the login page
            assert back in (None, [asked]), f"the login page would lead back to {back}, not to {asked}"
            return "login" if response.status_code == 302 else f"{response.status_code} to the login page"
    if response.status_code in ALLOWED:
        return "yes"
    return str(response.status_code)


@cache
def approver_table() -> dict[tuple[str, str], str]:
    """The table of the "Approvers of a resource" section: (method, rule) -> cell."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Approvers of a resource\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")][2:]
    rows = {}
    for line in lines:
        method, rule, cell = _cells(line)
        assert cell in CELLS, f"{cell} is not among {CELLS}: {line}"
        rows[(method, rule.strip("`"))] = cell
    assert set(rows) <= set(table()), f"approver rows for routes not in the table: {set(rows) - set(table())}"
    return rows


@pytest.mark.parametrize("method, rule", ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_route_answers_an_approver_as_the_table_says(client, auth, world, make, method, rule):
    """A member of group C, named approver of A's room: partner B's answer, but where the table differs."""
    expected = approver_table().get((method, rule)) or table()[(method, rule)]["partner B"]
    coordinator = make.user(Role.PARTNER, make.organisation("Verein C"), name="Carla C")
    room = db.session.get(Resource, world.values["resource_id"])
    room.approvers = [coordinator]
    db.session.commit()
    assert auth.login(coordinator).status_code == 302
    url = url_of(rule, world.values)
    response = client.open(url, method=method, data={} if method != "GET" else None)
    got = answer(response, True, url)
    assert got == expected, (
        f"{method} {url} as approver: HTTP {response.status_code} "
        f"{response.headers.get('Location', '')} is '{got}', the table says '{expected}'"
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, rule", ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_route_answers_as_the_table_says(client, auth, world, method, rule, role):
    rows = table()
    assert (method, rule) in rows, f"{method} {rule} has no row in the table of {DOC.name}"
    expected = rows[(method, rule)][role]
    if role != "anonymous":
        logged_in = auth.login(world.users[role])
        assert logged_in.status_code == 302, f"{role} could not log in"
    url = url_of(rule, world.values)
    response = client.open(url, method=method, data={} if method != "GET" else None)
    got = answer(response, role != "anonymous", url)
    assert got == expected, (
        f"{method} {url} as {role}: HTTP {response.status_code} "
        f"{response.headers.get('Location', '')} is '{got}', the table says '{expected}'"
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_link_that_was_never_given_out_answers_410(client, world, method):
    """The token is the permission on /password/<token>: without a real one there is nothing to see."""
    response = client.open("/password/" + "x" * 43, method=method, data={} if method == "POST" else None)
    assert response.status_code == 410


def test_a_lobby_link_that_was_never_given_out_answers_404(client, world):
    assert client.get("/lobby/" + "x" * 43).status_code == 404
