"""A house whose every text column holds markup, htmx attributes and template syntax.

Shared by the HTTP walk (tests/http/test_xss.py) and the browser walk. The columns are found in
the models' metadata, so a new model or a new text column is poisoned without anyone adding it
here; a model with no row in the world fails the walk until the world makes one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import time, timedelta

import html5lib
import sqlalchemy as sa

from booking import accounts, workflow
from booking import series as serieswork
from booking.calendar import feeds
from booking.calendar.models import FeedKind
from booking.clock import now, to_utc
from booking.decisions.models import Offer
from booking.extensions import db
from booking.lobby import screens
from booking.lobby.models import LobbyScreen
from booking.desk import attendance, handout, keys
from booking.desk.models import Condition, Key, WalkIn
from booking.models import Booking, Closure, ResourceKind, Role, Status, TokenPurpose, User
from booking.notify import outbox
from booking.notify.messages import unsubscribe_token
from booking.notify.models import Kind, OutboxMessage, State, Topic
from booking.recurrence import Pattern
from booking.reports.models import Purpose
from tests.conftest import future_day

# What an attacker types, in the order a value takes them while the column has room: the first
# closes a textarea or select around it, the second would make htmx send a request on load, the
# third leaves an attribute in either quoting and opens an element with a handler (and a request), the fourth is
# template syntax (shown as 49 if a template ever evaluated it), the last a bare element.
PIECES = ("</textarea></select>", "<b hx-get=/x hx-trigger=load>", "'\"><img src=x onerror=alert(1)>", "{{7*7}}", "<b>")
EVALUATED = re.compile(r"49(?:<b>|&lt;b&gt;)?#\d+")
MARKER = re.compile(r"#(\d+)")

# Text columns that hold no text a person typed, with the reason they keep their value.
NOT_POISONED = {
    "user_account.password_hash": "a hash the app computes; the walk logs in with the password",
    "account_token.token_hash": "a hash the app computes; the link's token must still match it",
    "change_record.subject": "one of the app's own code words, written by the record of changes",
    "change_record.action": "one of the app's own code words, written by the record of changes",
    "series.weekdays": "digits the app writes from the weekdays chosen",
    "lobby_screen.token_hash": "a hash the app computes; the screen's link must still match it",
    "feed_token.token_hash": "a hash the app computes; the feed's address must still match it",
    "login_session.key_hash": "a hash the app computes; the session cookie must still match it",
    "submission.key": "a random key the form carries; compared with the next post's, never shown",
    "submission.location": "the app's own address of what a sent form made, for its second post",
    "outbox_message.dedupe_key": "one of the app's own code words, so that a reminder is written once",
    "outbox_message.claim": "a random name a sending worker gives itself",
    "purpose.key": "one of the app's own code words, naming a built-in purpose",
}


def tag_name(element) -> str | None:
    """An element's name without its namespace (html5lib puts svg and math in theirs); None for a comment."""
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else None


def _elements_of(piece: str) -> list[tuple[str, dict[str, str]]]:
    body = html5lib.parse(f"<body>{piece}", namespaceHTMLElements=False).find("body")
    return [(tag_name(el), dict(el.attrib)) for el in body.iter() if el is not body]


# The elements the pieces make when a browser reads them as markup (b, img with their attributes). Not
# svg: the reports draw their charts as inline SVG, so an svg element proves nothing.
INJECTED = [e for piece in PIECES for e in _elements_of(piece)]
INJECTED_TAGS = {tag for tag, _ in INJECTED}
INJECTED_ATTRIBUTES = {(name, value) for _, attrs in INJECTED for name, value in attrs.items()}


def text_columns() -> list[sa.Column]:
    """Every string or JSON column of every table, but enums (the app's own words) and NOT_POISONED."""
    return [
        column
        for table in db.Model.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, (sa.String, sa.JSON)) and not isinstance(column.type, sa.Enum)
        and f"{table.name}.{column.name}" not in NOT_POISONED
    ]


@dataclass
class Poisoned:
    """The stored values by marker, and what a walk saw of them."""

    values: dict[str, str] = field(default_factory=dict)  # marker -> value
    columns: dict[str, str] = field(default_factory=dict)  # marker -> "table.column"

    def value_for(self, column: sa.Column, n: int) -> str:
        marker = f"#{n}"
        room = getattr(column.type, "length", None) or 10_000
        value = ""
        if column.name == "email":
            # Forms take only addresses that parse (no <, > or "), and mail needs them to:
            # the characters of the pieces an address may hold, then a domain.
            value = f"{{{{7*7}}}}'&{marker}@example.org"
            self.values[marker] = value
            self.columns[marker] = f"{column.table.name}.{column.name}"
            return value
        for piece in PIECES:
            if len(value) + len(piece) + len(marker) <= room:
                value += piece
        value += marker
        self.values[marker] = value
        self.columns[marker] = f"{column.table.name}.{column.name}"
        return value

    def shown_intact(self, text: str) -> set[str]:
        """The columns whose whole value is in `text`, as typed."""
        found = set()
        for number in MARKER.findall(text):
            marker = f"#{number}"
            if marker in self.values and self.values[marker] in text:
                found.add(self.columns[marker])
        return found


def _is_json(text: str | None) -> bool:
    try:
        return isinstance(json.loads(text or ""), (list, dict))
    except ValueError:
        return False


def _leaves(data, value):
    """The same structure with every text in it replaced by `value`."""
    if isinstance(data, dict):
        return {k: _leaves(v, value) for k, v in data.items()}
    if isinstance(data, list):
        return [_leaves(v, value) for v in data]
    return value if isinstance(data, str) else data


def poison_every_text_column() -> Poisoned:
    """Overwrite every poisonable text column of every row with markup and a marker."""
    poisoned = Poisoned()
    n = 0
    by_table: dict[sa.Table, list[sa.Column]] = {}
    for column in text_columns():
        by_table.setdefault(column.table, []).append(column)
    for table, columns in by_table.items():
        (key,) = table.primary_key.columns
        ids = db.session.scalars(sa.select(key)).all()
        assert ids, f"the poisoned world has no row in {table.name}: add one to tests/poison.py"
        for ident in ids:
            stored = db.session.execute(sa.select(*columns).where(key == ident)).one()
            values = {}
            for column, old in zip(columns, stored):
                n += 1
                value = poisoned.value_for(column, n)
                # Structured text the app writes (the record of changes keeps JSON): the texts in it.
                if isinstance(column.type, sa.JSON):  # texts a person typed, per language: each replaced
                    values[column.name] = _leaves(old, value)
                else:
                    values[column.name] = json.dumps(_leaves(json.loads(old), value)) if _is_json(old) else value
            db.session.execute(table.update().where(key == ident).values(**values))
    db.session.commit()  # core statements: the record of changes does not see them
    db.session.expire_all()
    return poisoned


def screens_feeds_and_messages(member: User, booking: Booking, manager: User) -> dict[str, list]:
    """A lobby screen, a group's calendar feed, an undelivered and a skipped message, an
    unsubscribe link and a counter-offer: the ids and secrets their routes take (flushed, not committed)."""
    screen = LobbyScreen(name="Eingang")
    screen_token = screens.issue(screen, now())
    db.session.add(screen)
    feed, feed_token = feeds.issue(db.session, member, FeedKind.ORGANISATION,
                                   organisation_id=member.organisation_id, at=now())
    payload = json.dumps(outbox.snapshot([booking], by=manager, reason="Passt"))
    failed = OutboxMessage(kind=Kind.APPROVED, state=State.FAILED, address="verein@example.org", payload=payload,
                           attempts=5, last_error="550 Postfach unbekannt")
    skipped = OutboxMessage(kind=Kind.APPROVED, state=State.SKIPPED, address="verein@example.org",
                            payload=payload, last_error="Adresse abgelehnt")
    db.session.add_all([failed, skipped])
    offer = Offer(booking=booking, organisation_id=booking.organisation_id, resource=booking.resource,
                  starts_at=booking.starts_at, ends_at=booking.ends_at, message="Anders", made_by=manager,
                  expires_at=now() + timedelta(days=3))
    db.session.add(offer)
    db.session.flush()
    return {
        "offer_id": [offer.id],
        "screen_id": [screen.id], "screen_token": [screen_token],
        "feed_id": [feed.id], "feed_token": [feed_token],
        "message_id": [failed.id],
        "signature": [unsubscribe_token(member.id, [Topic.DECISIONS, Topic.REMINDERS])],
    }


def garden_round(group_a, group_b, member_a, member_b, plot, manager) -> dict[str, list]:
    """Two garden seasons: one after its window (A waiting, B offered a plot), one in its window
    (A holding a plot): the ids their routes take (flushed, not committed)."""
    from booking.clock import today
    from booking.garden.models import ApplicationStatus, GardenApplication, GardenSeason

    day = today()
    closed = GardenSeason(name="Saison 1", starts_on=day + timedelta(days=20), ends_on=day + timedelta(days=200),
                          apply_from=day - timedelta(days=30), apply_until=day - timedelta(days=1),
                          offer_days=7, created_by_id=manager.id)
    open_ = GardenSeason(name="Saison 2", starts_on=day + timedelta(days=40), ends_on=day + timedelta(days=220),
                         apply_from=day - timedelta(days=1), apply_until=day + timedelta(days=10), offer_days=7,
                         created_by_id=manager.id)
    waiting = GardenApplication(season=closed, organisation=group_a, applied_by=member_a, wish=plot, note="Tomaten")
    offered = GardenApplication(season=closed, organisation=group_b, applied_by=member_b, note="Bohnen",
                                status=ApplicationStatus.OFFERED, plot=plot, offer_until=now() + timedelta(days=3))
    holding = GardenApplication(season=open_, organisation=group_a, applied_by=member_a, note="Kräuter",
                                status=ApplicationStatus.ALLOCATED, plot=plot)
    db.session.add_all([closed, open_, waiting, offered, holding])
    db.session.flush()
    return {"season_id": [closed.id, open_.id], "application_id": [waiting.id, offered.id, holding.id]}


def build_world(make) -> dict:
    """Two groups (and an inactive one), every role, every kind of resource and every status."""
    group_a = make.organisation("Verein A")
    group_b = make.organisation("Verein B")
    make.organisation("Verein C", active=False)
    member_a = make.user(Role.PARTNER, group_a, name="Amal A")
    invited_a = make.user(Role.PARTNER, group_a, name="Anna A")
    member_b = make.user(Role.PARTNER, group_b, name="Bernd B")
    desk = make.user(Role.DESK)
    manager = make.user(Role.MANAGER)
    admin = make.user(Role.ADMIN)
    room = make.resource("Seminarraum 1", capacity=20, description="Hell", location="1. OG")
    plot = make.resource("Beet 1", kind=ResourceKind.PLOT)
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    day = future_day(weekday=1, weeks=3)
    course = db.session.scalar(sa.select(Purpose).where(Purpose.key == "german_course"))
    added = Purpose(name="Sprachtreff", position=70)  # one typed by the manager
    db.session.add(added)
    db.session.flush()
    pending = make.booking(room, group_a, day=day, start="10:00", end="12:00", requested_by=member_a,
                           purpose_id=course.id)
    rival = make.booking(room, group_b, day=day, start="11:00", end="13:00", requested_by=member_b)
    approved = make.booking(room, group_a, day=day, start="14:00", end="16:00", requested_by=member_a,
                            purpose_id=added.id)
    workflow.approve(db.session, approved, manager, now())
    item = make.booking(beamer, group_a, day=day, start="14:00", end="16:00", requested_by=member_a,
                        bundle_of=approved)
    rejected = make.booking(room, group_a, day=day, start="17:00", end="18:00", requested_by=member_a)
    workflow.reject(db.session, rejected, manager, now(), "Belegt")
    withdrawn = make.booking(room, group_a, day=day, start="18:00", end="19:00", requested_by=member_a)
    workflow.withdraw(db.session, withdrawn, member_a, now())
    other_approved = make.booking(room, group_b, day=day, start="08:00", end="09:30", requested_by=member_b)
    workflow.approve(db.session, other_approved, manager, now())
    garden = make.booking(plot, group_a, day=day, start="00:00", end="23:59", requested_by=member_a,
                          override_reason="Saison")
    first = future_day(weekday=3, weeks=4)
    pattern = Pattern(first, time(17), time(19), (first.weekday(),), count=3)
    planned = [p for p in serieswork.preview(db.session, pattern, room, 10, now(), None) if p.wanted]
    series = serieswork.send(db.session, pattern, planned, resource=room, by=member_a, organisation=group_a,
                             title="Kurs A", attendees=10, note="Bitte lüften")
    invited_a.password_hash = ""
    token, _link = accounts.issue(db.session, invited_a, TokenPurpose.INVITATION, at=now(),
                                  lifetime=timedelta(days=7))
    closure_day = day + timedelta(days=1)
    closure = Closure(resource=room, starts_at=to_utc(closure_day, time(8)), ends_at=to_utc(closure_day, time(20)),
                      reason="Renovierung", created_by=manager)
    house_closure = Closure(resource=None, starts_at=to_utc(closure_day, time(8)),
                            ends_at=to_utc(closure_day, time(9)), reason="Reinigung", created_by=manager)
    db.session.add_all([closure, house_closure])
    # What the manager wrote in other languages (a partner reading Ukrainian sees it).
    room.translations = {"uk": {"name": "Семінарська кімната", "description": "Світла", "location": "1 поверх"},
                         "ar": {"name": "قاعة الندوات"}}
    closure.translations = {"uk": {"reason": "Ремонт"}}
    group_a.contact_name = "Erika A"  # a change, so the record of changes holds one of each kind
    newer = screens_feeds_and_messages(member_a, approved, manager)
    offer = Offer(booking=pending, organisation_id=group_a.id, resource=room, starts_at=to_utc(day, time(16)),
                  ends_at=to_utc(day, time(18)), message="Bitte nachmittags", made_by=manager,
                  expires_at=now() + timedelta(days=3))
    db.session.add(offer)
    newer.update(garden_round(group_a, group_b, member_a, member_b, plot, manager))
    db.session.commit()
    desk_values = desk_world(make, group_a, room, beamer, member_a, desk)
    return {
        "users": {"partner": member_a, "desk": desk, "manager": manager, "admin": admin},
        "day": day, "closure_day": closure_day,
        "values": {
            "booking_id": [pending.id, approved.id, rejected.id, withdrawn.id, item.id, garden.id, rival.id,
                           series.bookings[0].id],
            "series_id": [series.id],
            "resource_id": [room.id, plot.id, beamer.id],
            "organisation_id": [group_a.id],
            "user_id": [member_a.id, invited_a.id],
            "closure_id": [closure.id],
            "offer_id": [offer.id, *newer.pop("offer_id")],
            "purpose_id": [course.id, added.id],
            "token": [token],
            **newer,
            **desk_values,
        },
        "room": room.id, "beamer": beamer.id,
    }


def desk_world(make, group_a, room, beamer, member_a, desk) -> dict[str, list]:
    """Today at the desk: a walk-in guest checked in, a key out, units lent and one back damaged."""
    from booking.clock import today  # noqa: PLC0415

    at = now()
    day = today()
    lead = make.booking(room, group_a, day=day, start="00:05", end="00:30", requested_by=member_a,
                        status=Status.APPROVED)
    attendance.arrive(db.session, lead, desk, at)
    db.session.add(WalkIn(booking=lead, guest_name="Jamal", guest_phone="0176 1", made_by=desk, made_at=at))
    lent = make.booking(beamer, group_a, day=day, start="00:05", end="23:55", requested_by=member_a, units=2,
                        attendees=None, status=Status.APPROVED)
    key = Key(resource_id=room.id, name="Seminarraum 1", copies=3)
    db.session.add(key)
    db.session.flush()
    key_loan = keys.hand_out(db.session, key, by=desk, at=at, holder_name="Amal A", organisation=group_a,
                             booking=lead, copies=1)
    loan = handout.hand_out(db.session, lent, by=desk, at=at, units=2, taken_by="Amal A")
    handout.take_back(db.session, loan, by=desk, at=at, units=1, condition=Condition.DAMAGED,
                      out_until=day + timedelta(days=3))
    db.session.commit()
    return {"key_id": [key.id], "key_loan_id": [key_loan.id], "equipment_loan_id": [loan.id]}
