"""Messages written with the change that causes them: one small call per event.

Each function adds one row per recipient to the session, in the caller's transaction, and
flushes; the view commits once. A change that is rolled back leaves no message. What the
message will say is kept as it is now (a snapshot in `payload`); the worker renders it in the
recipient's language and sends it later, outside any web request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Booking, Closure, Organisation, Role, Series, User
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
    }


def managers(session: Session) -> list[User]:
    """Everyone who decides requests."""
    return list(session.scalars(
        sa.select(User).where(User.role.in_(MANAGER_ROLES), User.active.is_(True)).order_by(User.id)
    ))


def group(session: Session, organisation: Organisation) -> list[User | str]:
    """The group's active member accounts; without any, the group's contact address (maybe empty)."""
    members = list(session.scalars(
        sa.select(User)
        .where(User.organisation_id == organisation.id, User.role == Role.PARTNER, User.active.is_(True))
        .order_by(User.id)
    ))
    return members or [organisation.email.strip()]


def _write(session: Session, kind: Kind, recipients: Iterable[User | str], payload: dict,
           by: User | None = None) -> int:
    """One row per recipient, leaving out the person who did it (they know)."""
    data = json.dumps(payload, separators=(",", ":"))
    rows = [
        OutboxMessage(kind=kind, recipient=r, payload=data) if isinstance(r, User)
        else OutboxMessage(kind=kind, address=r, payload=data)
        for r in recipients
        if not (isinstance(r, User) and by is not None and r.id == by.id)
    ]
    session.add_all(rows)  # flushed with the change, or by the commit
    return len(rows)


# Events of a request's life

def request_submitted(session: Session, booking: Booking, by: User) -> int:
    """A new request: the managers are told."""
    return _write(session, Kind.SUBMITTED, managers(session), snapshot([booking], by=by), by)


def series_submitted(session: Session, series: Series, bookings: Sequence[Booking], by: User) -> int:
    """A new series: one message with all its dates to each manager."""
    if not bookings:
        return 0
    return _write(session, Kind.SERIES_SUBMITTED, managers(session), snapshot(bookings, by=by), by)


def decided(session: Session, kind: Kind, bookings: Sequence[Booking], by: User, reason: str = "") -> int:
    """Approved, rejected, withdrawn, cancelled or changed: the group is told (one message for a
    series' dates). The decision's reason is part of it."""
    if not bookings:
        return 0
    lead = bookings[0]
    return _write(session, kind, group(session, lead.organisation), snapshot(bookings, by=by, reason=reason), by)


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
        }
        written += _write(session, Kind.CLOSURE, group(session, bookings[0].organisation), payload, by)
    return written


# Accounts: the link itself is made when the message is sent, so no usable link is ever stored.

def invitation(session: Session, user: User) -> int:
    return _write(session, Kind.INVITATION, [user], {})


def password_reset(session: Session, user: User) -> int:
    return _write(session, Kind.RESET, [user], {})
