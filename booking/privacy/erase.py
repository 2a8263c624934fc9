"""Erasing a person, or a group's contact data, from every table at once.

A person: their pending requests still to come are withdrawn (the group is told, as on any
withdrawal); each table the registry lists handles the rows that point to them (deleted, or kept
pointing to the placeholder account "[gelöscht]", so that bookings stay as the group's anonymous
statistics); every text in the database that quotes their e-mail address or name (a note, a
reason, the record of changes, an e-mail's text) has it replaced by "[gelöscht]"; then the
account row itself is deleted. A group: its contact person, e-mail and phone are emptied and
scrubbed the same way. Both are noted in the record of changes, without the data erased.

Plain functions: they take the session and the acting user, flush but never commit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import workflow
from ..extensions import db
from ..lazytext import lazy_gettext as _l
from ..models import Booking, ChangeRecord, Organisation, Role, Status, User
from ..notify.models import OutboxMessage
from . import PLACEHOLDER_EMAIL, registry
from .registry import Erase

SCRUBBED = "[gelöscht]"
# Shorter texts (a name of two letters) would match inside other words; they are not searched.
SHORTEST = 3
# Texts searched per statement (many ORs make a deep expression on SQLite).
CHUNK = 24
# Never scrubbed: the accounts and groups themselves (handled by name, not by search).
NOT_SCRUBBED = {"user_account", "organisation"}


class EraseRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Erased:
    withdrawn: list[int] = field(default_factory=list)  # booking ids
    needles: list[str] = field(default_factory=list)  # the texts scrubbed (or to scrub)


def is_placeholder(user: User | None) -> bool:
    return user is not None and user.email == PLACEHOLDER_EMAIL


def placeholder(session: Session) -> User:
    """The account that erased people's bookings and history point to (made when first needed)."""
    found = session.scalar(sa.select(User).where(User.email == PLACEHOLDER_EMAIL))
    if found is None:
        found = User(email=PLACEHOLDER_EMAIL, name=SCRUBBED, role=Role.DESK, active=False, password_hash="")
        session.add(found)
        session.flush()
    return found


def pending_requests(session: Session, person: User, at: datetime) -> list[Booking]:
    """The person's requests still waiting for a decision and still to come: withdrawn on erasure."""
    return list(session.scalars(
        sa.select(Booking)
        .where(Booking.requested_by_id == person.id, Booking.status == Status.PENDING,
               Booking.starts_at > at, Booking.bundle_of_id.is_(None))
        .order_by(Booking.starts_at, Booking.id)
    ))


def is_last_admin(session: Session, person: User) -> bool:
    if person.role != Role.ADMIN or not person.active:
        return False
    others = session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != person.id))
    return others == 0


def _record(session: Session, subject: str, subject_id: int, label: str, actor_id: int | None, at: datetime,
            changes: list | None = None) -> None:
    session.execute(sa.insert(ChangeRecord).values(
        at=at, actor_id=actor_id, subject=subject, subject_id=subject_id, action="erased", label=label[:254],
        changes=json.dumps(changes or [], ensure_ascii=False)))


def erase_person(session: Session, person: User, *, by: User | None, at: datetime, scrub_now: bool = True) -> Erased:
    """Erase one person everywhere; EraseRefused for the last administrator or the placeholder."""
    if is_last_admin(session, person):
        raise EraseRefused(_l("This is the last administrator's account. Make another administrator first."))
    return erase_people(session, [person], by=by, at=at, scrub_now=scrub_now)


def erase_people(session: Session, people: list[User], *, by: User | None, at: datetime,
                 scrub_now: bool = True) -> Erased:
    """Erase these people everywhere, with a statement per table for all of them (the retention
    run erases many at once). The caller has checked they are not the last administrator."""
    if any(is_placeholder(person) for person in people):
        raise EraseRefused(_l("This account stands for erased people and cannot be erased."))
    done = Erased()
    if not people:
        return done
    stand_in = placeholder(session)
    ids = [person.id for person in people]
    emails = [person.email.lower() for person in people]
    accounts = User.__table__
    # PostgreSQL: a row that points to an account (a request sent this moment) waits for the
    # erasure and then fails, instead of slipping in between and blocking the account's deletion.
    session.execute(sa.select(accounts.c.id).where(accounts.c.id.in_(ids)).with_for_update())
    for person in people:
        done.needles += [person.email, person.name]
        withdrawn = []
        for booking in pending_requests(session, person, at):
            workflow.withdraw(session, booking, by or stand_in, at)
            withdrawn.append(booking.id)
        done.withdrawn += withdrawn
        _record(session, "user", person.id, f"#{person.id}", by.id if by is not None and by.id not in ids else None,
                at, [{"field": "withdrawn", "old": None, "new": len(withdrawn)}] if withdrawn else [])
    session.flush()
    for table, entry in registry.personal_tables():
        columns = registry.references(table, "user_account")
        if not columns or entry.erase is Erase.ACCOUNT:
            continue
        if entry.erase is Erase.DELETE:
            session.execute(sa.delete(table).where(sa.or_(*(c.in_(ids) for c in columns))))
        elif entry.erase is Erase.PLACEHOLDER:
            for column in columns:
                session.execute(sa.update(table).where(column.in_(ids)).values({column.name: stand_in.id}))
        else:
            raise ValueError(f"{table.name} points to accounts but says it is erased as {entry.erase}")
    outbox = OutboxMessage.__table__
    session.execute(sa.delete(outbox).where(sa.func.lower(outbox.c.address).in_(emails)))
    # A group whose contact address was one of these people's: its contact data were theirs.
    organisation = Organisation.__table__
    theirs = sa.func.lower(organisation.c.email).in_(emails)
    for contact_name, phone in session.execute(sa.select(organisation.c.contact_name, organisation.c.phone)
                                               .where(theirs)).all():
        done.needles += [contact_name, phone]
    session.execute(sa.update(organisation).where(theirs).values(contact_name="", email="", phone=""))
    for person in people:
        session.expunge(person)
    session.execute(sa.delete(accounts).where(accounts.c.id.in_(ids)))
    if scrub_now:
        scrub(session, done.needles)
    session.expire_all()
    return done


def erase_contact(session: Session, organisation: Organisation, *, by: User | None, at: datetime,
                  scrub_now: bool = True) -> list[str]:
    """Empty a group's contact person, e-mail and phone, and scrub them from every text."""
    needles = [organisation.contact_name, organisation.email, organisation.phone]
    table = Organisation.__table__
    if organisation.email.strip():
        outbox = OutboxMessage.__table__
        session.execute(sa.delete(outbox).where(sa.func.lower(outbox.c.address) == organisation.email.lower()))
    session.execute(sa.update(table).where(table.c.id == organisation.id).values(contact_name="", email="", phone=""))
    if scrub_now:
        scrub(session, needles)
    _record(session, "organisation", organisation.id, organisation.name, by.id if by is not None else None, at)
    session.expire_all()
    return needles


def _forms(needles) -> list[str]:
    """Each text as typed and as JSON writes it (an e-mail's text keeps "J\\u00fcrgen")."""
    forms = set()
    for needle in needles:
        needle = (needle or "").strip()
        if len(needle) >= SHORTEST:
            forms |= {needle, json.dumps(needle)[1:-1]}
    return sorted(forms, key=len, reverse=True)


def scrubbed_columns() -> list[sa.Column]:
    """Every text column the scrub searches: all but enums, unique ones and the accounts and groups."""
    unique = {c for t in db.Model.metadata.tables.values() for con in t.constraints
              if isinstance(con, sa.UniqueConstraint) for c in con.columns}
    return [c for t in db.Model.metadata.sorted_tables if t.name not in NOT_SCRUBBED for c in t.columns
            if isinstance(c.type, sa.String) and not isinstance(c.type, sa.Enum) and not c.unique
            and c not in unique and not c.primary_key]


def scrub(session: Session, needles) -> int:
    """Replace every quote of these texts in every text column by "[gelöscht]"; return the rows changed."""
    forms = _forms(needles)
    if not forms:
        return 0
    changed = 0
    by_table: dict[sa.Table, list[sa.Column]] = {}
    for column in scrubbed_columns():
        by_table.setdefault(column.table, []).append(column)
    for start in range(0, len(forms), CHUNK):
        chunk = forms[start:start + CHUNK]
        pattern = re.compile("|".join(rf"(?<!\w){re.escape(f)}(?!\w)" for f in chunk), re.IGNORECASE)
        for table, columns in by_table.items():
            key = list(table.primary_key.columns)
            found = sa.or_(*(sa.func.lower(c).contains(f.lower(), autoescape=True) for c in columns for f in chunk))
            for row in session.execute(sa.select(*key, *columns).where(found)).all():
                values = {c.name: pattern.sub(SCRUBBED, v) for c, v in zip(columns, row[len(key):])
                          if isinstance(v, str) and pattern.search(v)}
                if values:
                    session.execute(sa.update(table).where(*(k == v for k, v in zip(key, row))).values(values))
                    changed += 1
    return changed
