"""Messages written with the change that causes them: one small call per event.

Each function writes one row per recipient with one INSERT … SELECT, in the caller's
transaction; the view commits once. Recipients are found when the message is written. A change that is rolled back leaves no message. What the
message will say is kept as it is now (a snapshot in `payload`); the worker renders it in the
recipient's language and sends it later, outside any web request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import content
from ..clock import now
from ..models import Booking, Closure, Organisation, Role, Series, User, UTCDateTime
from .models import Kind, OutboxMessage

MANAGER_ROLES = (Role.MANAGER, Role.ADMIN)  # those who may decide: policy.MANAGERS


def _when(booking: Booking) -> list:
    return [booking.id, booking.starts_at.isoformat(), booking.ends_at.isoformat()]


def snapshot(bookings: Sequence[Booking], *, by: User | None = None, reason: str = "") -> dict:
    """What a message about these bookings (one request, or dates of one series) says."""
    lead = bookings[0]
    return {
        "booking": lead.id,
        "series": lead.series_id,
        "title": lead.title,
        "resource": lead.resource.name,
        "location": lead.resource.location,
        "organisation": lead.organisation.name,
        "items": [[item.resource.name, item.units] for item in lead.items],
        "dates": [_when(b) for b in sorted(bookings, key=lambda b: b.starts_at)],
        "reason": reason,
        "by": by.name if by is not None else "",
    } | _other_languages(resource=lead.resource, location=lead.resource)


def _other_languages(**shown) -> dict:
    """The manager's translations of what a message names, as "<key>_i18n": {"uk": …}, if any."""
    field = {"resource": "name", "location": "location", "closed": "name", "reason": "reason"}
    found = {}
    for key, obj in shown.items():
        if obj:
            texts = content.every_language(obj, field[key])
            if len(texts) > 1:
                found[f"{key}_i18n"] = texts
    return found


# One INSERT … SELECT per event, written as SQL once: an approval pays for one statement, not
# for building and caching a query. Both databases read it alike.
_ROW = "INSERT INTO outbox_message (kind, state, recipient_id, address, payload, created_at, due_at, attempts, last_error) "
_VALUES = "SELECT :kind, 'pending', {recipient}, {address}, :payload, :at, :at, 0, '' "
_MEMBER = "u.organisation_id = :organisation AND u.role = 'partner' AND u.active"
TO_MANAGERS = sa.text(
    _ROW + _VALUES.format(recipient="u.id", address="''")
    + f"FROM user_account u WHERE u.role IN ({', '.join(repr(r.value) for r in MANAGER_ROLES)}) AND u.active "
    "AND u.id <> :by"
)
# The group's active member accounts but the one who did it; a group without any member
# accounts gets its contact address instead (maybe empty: the worker records the skip).
TO_GROUP = sa.text(
    _ROW + _VALUES.format(recipient="u.id", address="''") + f"FROM user_account u WHERE {_MEMBER} AND u.id <> :by "
    "UNION ALL " + _VALUES.format(recipient="NULL", address="o.email")
    + f"FROM organisation o WHERE o.id = :organisation AND NOT EXISTS (SELECT 1 FROM user_account u WHERE {_MEMBER})"
)
TO_MANAGERS = TO_MANAGERS.bindparams(sa.bindparam("at", type_=UTCDateTime()))
TO_GROUP = TO_GROUP.bindparams(sa.bindparam("at", type_=UTCDateTime()))


def group(session: Session, organisation: Organisation) -> list[User | str]:
    """The group's active member accounts; without any, the group's contact address (maybe empty)."""
    members = list(session.scalars(
        sa.select(User)
        .where(User.organisation_id == organisation.id, User.role == Role.PARTNER, User.active.is_(True))
        .order_by(User.id)
    ))
    return members or [organisation.email.strip()]


def _write(session: Session, kind: Kind, statement, payload: dict, by: User | None, **values) -> int:
    """One row per recipient, leaving out the person who did it (they know)."""
    return session.execute(statement, {
        "kind": kind.value, "payload": json.dumps(payload, separators=(",", ":")), "at": now(),
        "by": by.id if by is not None else -1, **values,
    }).rowcount


def _to_account(session: Session, kind: Kind, user: User) -> int:
    """A message to one account, which may not be saved yet (a new account's invitation)."""
    session.add(OutboxMessage(kind=kind, recipient=user, payload="{}"))
    return 1


# Events of a request's life

def request_submitted(session: Session, booking: Booking, by: User) -> int:
    """A new request: the managers are told."""
    return _write(session, Kind.SUBMITTED, TO_MANAGERS, snapshot([booking], by=by), by)


def series_submitted(session: Session, series: Series, bookings: Sequence[Booking], by: User) -> int:
    """A new series: one message with all its dates to each manager."""
    if not bookings:
        return 0
    return _write(session, Kind.SERIES_SUBMITTED, TO_MANAGERS, snapshot(bookings, by=by), by)


def decided(session: Session, kind: Kind, bookings: Sequence[Booking], by: User, reason: str = "") -> int:
    """Approved, rejected, withdrawn, cancelled or changed: the group is told (one message for a
    series' dates). The decision's reason is part of it."""
    if not bookings:
        return 0
    lead = bookings[0]
    return _write(session, kind, TO_GROUP, snapshot(bookings, by=by, reason=reason), by,
                  organisation=lead.organisation_id)


def offered(session: Session, offer, by: User) -> int:
    """A counter-offer: the group is told the slot offered instead, and until when to answer."""
    payload = snapshot([offer.booking], by=by, reason=offer.message) | {
        "resource": offer.resource.name, "location": offer.resource.location,
        "dates": [[offer.booking_id, offer.starts_at.isoformat(), offer.ends_at.isoformat()]],
        "offer": offer.id, "expires_at": offer.expires_at.isoformat(),
    }
    return _write(session, Kind.OFFERED, TO_GROUP, payload, by, organisation=offer.organisation_id)


def closure_created(session: Session, closure: Closure, affected: Sequence[Booking], by: User) -> int:
    """A closure over approved bookings: each group affected gets one message with its bookings."""
    by_group: dict[int, list[Booking]] = {}
    for booking in affected:
        by_group.setdefault(booking.organisation_id, []).append(booking)
    written = 0
    for bookings in by_group.values():
        payload = {
            "closure": closure.id,
            "reason": closure.reason,
            "starts_at": closure.starts_at.isoformat(),
            "ends_at": closure.ends_at.isoformat(),
            "closed": closure.resource.name if closure.resource is not None else "",
            "bookings": [{**snapshot([b]), "dates": [_when(b)]} for b in bookings],
        } | _other_languages(reason=closure, closed=closure.resource)
        written += _write(session, Kind.CLOSURE, TO_GROUP, payload, by, organisation=bookings[0].organisation_id)
    return written


# Accounts: the link itself is made when the message is sent, so no usable link is ever stored.

def invitation(session: Session, user: User) -> int:
    return _to_account(session, Kind.INVITATION, user)


def password_reset(session: Session, user: User) -> int:
    return _to_account(session, Kind.RESET, user)
