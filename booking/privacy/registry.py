"""Every table that holds personal data, and how it is exported and erased: the one list.

A table with a foreign key to an account (`user_account`) or a group (`organisation`), or with a
column named like a name, an e-mail address, a phone number or a contact, must be listed here,
either as `Personal` (exported with the person or group it points to, erased as it says) or as
`NoPersonalData` (with the reason). tests/unit/test_privacy_registry.py reads the models'
metadata and fails for a table that is missing, so a new table cannot be forgotten.

The rows of a person are those whose foreign keys to `user_account` name them; the rows of a
group those whose foreign keys to `organisation` name it (found in the metadata, so a new column
is never left out), and whatever `person_rows`/`organisation_rows` add.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa

from ..extensions import db


class Erase(enum.Enum):
    """What erasing a person does to the rows that point to them."""

    ACCOUNT = "the account itself: deleted, after every row pointing to it is handled"
    DELETE = "deleted"
    PLACEHOLDER = "kept, pointing to the placeholder account '[gelöscht]' instead"
    GROUP = "kept: a group's data; its contact data are erased on the organisation row"


@dataclass(frozen=True)
class Personal:
    """Holds personal data: exported and erased as said (texts quoting the person are scrubbed)."""

    what: str  # what it holds and why (docs/privacy.md lists the same)
    erase: Erase
    secret: tuple[str, ...] = ()  # columns left out of a download (hashes of secrets)
    person_rows: Callable[[sa.Table, int], sa.ColumnElement] | None = None
    organisation_rows: Callable[[sa.Table, int], sa.ColumnElement] | None = None


@dataclass(frozen=True)
class NoPersonalData:
    reason: str


def _table(name: str) -> sa.Table:
    return db.Model.metadata.tables[name]


def _bookings_of_person(table: sa.Table, user_id: int) -> sa.ColumnElement:
    booking = _table("booking")
    return table.c.booking_id.in_(sa.select(booking.c.id).where(booking.c.requested_by_id == user_id))


def _bookings_of_group(table: sa.Table, organisation_id: int) -> sa.ColumnElement:
    booking = _table("booking")
    return table.c.booking_id.in_(sa.select(booking.c.id).where(booking.c.organisation_id == organisation_id))


def _about(subject: str):
    def rows(table: sa.Table, ident: int) -> sa.ColumnElement:
        return sa.and_(table.c.subject == subject, table.c.subject_id == ident)
    return rows


def _own_organisation(table: sa.Table, user_id: int) -> sa.ColumnElement:
    user = _table("user_account")
    return table.c.id.in_(sa.select(user.c.organisation_id).where(user.c.id == user_id))


REGISTRY: dict[str, Personal | NoPersonalData] = {
    "user_account": Personal(
        "name, e-mail address, role, group and language of everyone who logs in: to log in and to "
        "know who asked and who decided", Erase.ACCOUNT, secret=("password_hash",),
        person_rows=lambda t, i: t.c.id == i),
    "organisation": Personal(
        "a group's name, kind and contact person (name, e-mail, phone): to reach the group",
        Erase.GROUP, person_rows=_own_organisation, organisation_rows=lambda t, i: t.c.id == i),
    "booking": Personal(
        "requests and bookings: who asked, for which group, when, what for, the decision and its reason",
        Erase.PLACEHOLDER),
    "series": Personal("repeating requests: who asked, for which group, the pattern", Erase.PLACEHOLDER),
    "audit_event": Personal(
        "each status change of a request: who did it, when, and why", Erase.PLACEHOLDER,
        person_rows=_bookings_of_person, organisation_rows=_bookings_of_group),
    "change_record": Personal(
        "the record of changes to accounts, groups, resources and closures, and of downloads and erasures",
        Erase.PLACEHOLDER, person_rows=_about("user"), organisation_rows=_about("organisation")),
    "closure": Personal("closures of the house or a room, with who entered them", Erase.PLACEHOLDER),
    "account_token": Personal("invitation and password links (only their hash)", Erase.DELETE,
                              secret=("token_hash",)),
    "feed_token": Personal("calendar feeds a person made (only the address's hash)", Erase.DELETE,
                           secret=("token_hash",)),
    "outbox_message": Personal("e-mails to a person: what they said, when they were sent or why not",
                               Erase.DELETE, secret=("claim",)),
    "notification_choice": Personal("a person's e-mail settings", Erase.DELETE),
    "last_visit": Personal("when a partner last looked at their requests", Erase.DELETE),
    "login_session": Personal("live logins (only the cookie key's hash), to log out everywhere",
                              Erase.DELETE, secret=("key_hash",)),
    "submission": Personal("forms sent in the last two days, so that a form sent twice saves once",
                           Erase.DELETE, secret=("key",)),
    "last_login": Personal("the latest login of each account, for the retention rule", Erase.DELETE),
    "lobby_name": Personal("whether a group lets the lobby display show its name", Erase.GROUP),
    "offer": Personal(
        "counter-offers to a group: the slot, the house's message, who offered and who answered",
        Erase.PLACEHOLDER, organisation_rows=_bookings_of_group),
    "desk_walk_in": Personal(
        "a walk-in booked at the counter: the guest's name and phone, and which desk account booked it",
        Erase.PLACEHOLDER, organisation_rows=_bookings_of_group),
    "key_loan": Personal(
        "keys handed out: the holder's name and group, the booking, who handed it out and took it back",
        Erase.PLACEHOLDER),
    "equipment_loan": Personal(
        "lent equipment: who took it (a name), for which booking, who handed it out and took it back, "
        "its condition on return", Erase.PLACEHOLDER, organisation_rows=_bookings_of_group),
    "out_of_service": Personal("units taken out of service, with the desk account that recorded it",
                               Erase.PLACEHOLDER),
    "resource_approver": Personal("which accounts decide the requests for which resource", Erase.DELETE),
    "garden_season": Personal("garden seasons, with the manager who opened them", Erase.PLACEHOLDER),
    "garden_application": Personal(
        "a group's application for a garden plot: who applied, the note, the plot offered or allocated",
        Erase.PLACEHOLDER),
    "resource": NoPersonalData("the name of a room, plot or piece of equipment"),
    "purpose": NoPersonalData("the purposes groups choose from (German course, counselling, ...), named by the managers"),
    "desk_key": NoPersonalData("a key of a room: its name and how many copies there are"),
    "lobby_screen": NoPersonalData("the name of a screen in the entrance"),
}

# Text columns named like these hold personal data unless the registry says otherwise.
PERSONAL_NAMES = re.compile(r"(^|_)(e?mail|phone|name|contact)(_|$)")


def references(table: sa.Table, target: str) -> list[sa.Column]:
    """The columns of `table` that are foreign keys to `target`'s rows."""
    return [fk.parent for fk in table.foreign_keys if fk.column.table.name == target]


def must_be_listed(table: sa.Table) -> bool:
    """A table the registry must name: it points to a person or a group, or names someone."""
    return bool(references(table, "user_account") or references(table, "organisation")
                or any(PERSONAL_NAMES.search(column.name) for column in table.columns))


def personal_tables() -> list[tuple[sa.Table, Personal]]:
    """The tables holding personal data, in the metadata's order (parents before children)."""
    return [(table, REGISTRY[table.name]) for table in db.Model.metadata.sorted_tables
            if isinstance(REGISTRY.get(table.name), Personal)]


def rows_of_person(table: sa.Table, entry: Personal, user_id: int) -> sa.ColumnElement | None:
    """Which rows of the table are the person's (None: none can be)."""
    conditions = [column == user_id for column in references(table, "user_account")]
    if entry.person_rows is not None:
        conditions.append(entry.person_rows(table, user_id))
    return sa.or_(*conditions) if conditions else None


def rows_of_organisation(table: sa.Table, entry: Personal, organisation_id: int) -> sa.ColumnElement | None:
    """Which rows of the table are the group's (None: none can be)."""
    conditions = [column == organisation_id for column in references(table, "organisation")]
    if entry.organisation_rows is not None:
        conditions.append(entry.organisation_rows(table, organisation_id))
    return sa.or_(*conditions) if conditions else None
