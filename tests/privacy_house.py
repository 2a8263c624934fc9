"""A house full of one person's data, made through the app's own functions and pages: the test
bed of the privacy export and erasure (tests/http/test_privacy.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import time, timedelta

import sqlalchemy as sa

from booking import accounts, workflow
from booking import series as serieswork
from booking.calendar import feeds
from booking.calendar.models import FeedKind
from booking.clock import now, to_utc, today
from booking.decisions import offers
from booking.desk import handout, keys, walkin
from booking.desk.models import Condition, Key
from booking.extensions import db
from booking.garden import domain as garden
from booking.models import Closure, ResourceKind, Role, Status, TokenPurpose, User
from booking.notify import outbox
from booking.notify.models import Choice, NotificationChoice, Topic
from booking.recurrence import Pattern
from booking.rules import Ask, Part
from booking.sessions import submissions
from tests.conftest import at, future_day

EMAIL = "juergen.voegel_7@verein-sonne.example"
NAME = "Jürgen Vögel-Sonnenschein"
PHONE = "0176 5558 2931"


@dataclass
class House:
    person: User
    group: object
    other: User  # a member of the same group, who stays
    manager: User
    pending_id: int  # a request of the person's, to come: withdrawn by the erasure
    approved_id: int


def fill(make, client, auth) -> House:
    """The person asks, is approved and rejected, made a series, a feed, e-mail settings, logs in,
    sends a form, answers a counter-offer, decides a plot, applies for one, walks in at the desk, holds
    a key and lent equipment, and is quoted by name, e-mail and phone in notes, reasons and the history."""
    group = make.organisation("Verein Sonne", contact_name=NAME, email=EMAIL.upper(), phone=PHONE)
    person = make.user(Role.PARTNER, group, name=NAME, email=EMAIL)
    other = make.user(Role.PARTNER, group, name="Olga Bleibt")
    manager = make.user(Role.MANAGER, name="Maria Leitung")
    room = make.resource("Saal")
    day = future_day(weekday=2, weeks=3)
    quote = f"Rückfragen an {NAME}, {EMAIL}, Tel. {PHONE}"
    pending = make.booking(room, group, day=day, start="09:00", end="10:00", requested_by=person, note=quote)
    approved = make.booking(room, group, day=day, start="11:00", end="12:00", requested_by=person,
                            title=f"Treffen bei {NAME}")
    workflow.approve(db.session, approved, manager, now())
    rejected = make.booking(room, group, day=day, start="13:00", end="14:00", requested_by=person)
    workflow.reject(db.session, rejected, manager, now(), f"Bitte {NAME} unter {PHONE} anrufen")
    outbox.request_submitted(db.session, pending, person)  # the managers hear of it, with the name
    first = future_day(weekday=3, weeks=5)
    pattern = Pattern(first, time(17), time(19), (first.weekday(),), count=2)
    planned = [p for p in serieswork.preview(db.session, pattern, room, 10, now(), None) if p.wanted]
    serieswork.send(db.session, pattern, planned, resource=room, by=person, organisation=group,
                    title="Kurs", attendees=10, note=f"Leitung {NAME}")
    db.session.add(Closure(resource=room, starts_at=to_utc(day + timedelta(days=1), time(8)),
                           ends_at=to_utc(day + timedelta(days=1), time(9)), reason=f"Wunsch von {EMAIL}",
                           created_by=manager))
    feeds.issue(db.session, person, FeedKind.ORGANISATION, organisation_id=group.id, at=now())
    db.session.add(NotificationChoice(user_id=person.id, topic=Topic.REMINDERS, choice=Choice.DIGEST))
    accounts.issue(db.session, person, TokenPurpose.RESET, at=now(), lifetime=timedelta(hours=2))
    submissions.claim(db.session, person.id, submissions.new_key(), at=now())
    person.language = "de"  # a change: the record of changes quotes the account
    db.session.commit()
    _counter_and_garden(make, person, group, manager, room, day, quote)
    _desk(make, person, group, manager, room, approved)
    assert auth.login(person).status_code == 302  # a login session and the latest login
    assert client.get("/requests/").status_code == 200  # the last look at "My requests"
    auth.logout()
    assert auth.login(person).status_code == 302
    client.post("/logout")
    assert auth.login(person).status_code == 302  # a live session, left open
    return House(person, group, other, manager, pending.id, approved.id)


def _counter_and_garden(make, person, group, manager, room, day, quote) -> None:
    """The person answers a counter-offer, decides a plot's requests and applies for one."""
    asked = make.booking(room, group, day=day, start="15:00", end="16:00", requested_by=person)
    offer = offers.make(db.session, asked, manager, now(), resource=room, starts_at=at(day, "16:00"),
                        ends_at=at(day, "17:00"), message=f"Wie mit {NAME} besprochen")
    offers.accept(db.session, offer, person, now())
    plot = make.resource("Beet 1", kind=ResourceKind.PLOT)
    plot.approvers = [person]  # the group's garden coordinator decides the plot's requests
    season = garden.create_season(db.session, by=manager, name="Gartensaison", starts_on=today() + timedelta(days=30),
                                  ends_on=today() + timedelta(days=200), apply_from=today() - timedelta(days=1),
                                  apply_until=today() + timedelta(days=10), offer_days=7)
    garden.apply(db.session, season, by=person, organisation=group, wish=plot, note=quote, at=now())
    db.session.commit()


def _desk(make, person, group, manager, room, approved) -> None:
    """At the counter (the manager): the person as a walk-in guest, holding a key, taking
    equipment that comes back damaged (out of service)."""
    guest_day = future_day(weekday=4, weeks=1)
    walkin.book(db.session, Ask((Part(room, 1),), at(guest_day, "10:00"), at(guest_day, "12:00"), 5), by=manager,
                organisation=walkin.guests(db.session), title="Probe", at=now(), guest_name=NAME, guest_phone=PHONE)
    key = Key(resource_id=room.id, name="Saal Tür", copies=2)
    db.session.add(key)
    db.session.flush()
    keys.hand_out(db.session, key, by=manager, at=now(), holder_name=NAME, organisation=group, booking=approved,
                  copies=1)
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=2)
    lent = make.booking(beamer, group, day=today(), start="00:00", end="23:00", requested_by=person,
                        status=Status.APPROVED, decided_by=manager, decided_at=now())
    loan = handout.hand_out(db.session, lent, by=manager, at=now(), units=1, taken_by=f"{NAME}, {PHONE}")
    handout.take_back(db.session, loan, by=manager, at=now(), units=1, condition=Condition.DAMAGED,
                      out_until=today())
    db.session.commit()


def text_values() -> list[tuple[str, str]]:
    """(table.column, value) of every text in every column of every table, from the metadata."""
    found = []
    for table in db.Model.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)).all():
            for column, value in zip(columns, row):
                if isinstance(value, str) and value:
                    found.append((f"{table.name}.{column.name}", value))
    return found


def quoted(needle: str) -> list[str]:
    """The columns whose text holds the needle, as typed or as JSON writes it, in any case."""
    forms = {needle.casefold(), json.dumps(needle)[1:-1].casefold()}
    return sorted({where for where, value in text_values() if any(f in value.casefold() for f in forms)})
