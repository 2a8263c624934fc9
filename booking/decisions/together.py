"""Competing requests decided together: one is approved, the others rejected or offered another
slot with one reason, all in one transaction or not at all.

The page carries a fingerprint of the set it showed (each request's id, status and revision);
if the set changed meanwhile (a new request, a decision, a change) the decision is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from .. import labels, workflow
from ..availability import check_booking
from ..database import lock_for_decision
from ..lazytext import lazy_gettext as _l
from ..models import Attendance, Booking, Status, User
from . import offers

REJECT, OFFER = "reject", "offer"


def competitors(session: Session, booking: Booking, at: datetime) -> list[Booking]:
    """The request and every pending request it competes with (their lead bookings), soonest first."""
    lead = booking.bundle_of or booking
    verdict = check_booking(session, lead, at)
    ids = {lead.id} | {(b.bundle_of_id or b.id) for b in verdict.pending}
    return list(session.scalars(
        sa.select(Booking).where(Booking.id.in_(sorted(ids)), Booking.status == Status.PENDING)
        .options(joinedload(Booking.organisation), joinedload(Booking.resource), joinedload(Booking.requested_by),
                 selectinload(Booking.items).joinedload(Booking.resource))
        .order_by(Booking.starts_at, Booking.id)
    ).unique())


def fingerprint(bookings: list[Booking]) -> str:
    """What the page showed: each request and item with its status and revision."""
    ordered = sorted(bookings, key=lambda b: b.id)
    text = ";".join(f"{p.id}:{p.status}:{p.revision}" for b in ordered for p in b.parts)
    return ".".join(str(b.id) for b in ordered) + "-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def _what_changed(session: Session, seen: str, current: list[Booking]) -> str:
    """The requests the page showed that are no longer waiting, by title and group."""
    try:
        ids = {int(i) for i in seen.partition("-")[0].split(".") if i}
    except ValueError:
        ids = set()
    gone = session.scalars(sa.select(Booking).where(Booking.id.in_(sorted(ids - {b.id for b in current})))).all()
    return " ".join(str(_l("%(title)s (%(group)s) is now: %(status)s.", title=b.title, group=b.organisation.name,
                           status=labels.STATUS[b.status])) for b in gone)


@dataclass
class Record:
    """What the house knows of a group: its bookings so far, and how many it did not come to."""

    approved: int = 0
    no_shows: int = 0
    rejected: int = 0
    cancelled: int = 0


def records(session: Session, organisation_ids: list[int], at: datetime) -> dict[int, Record]:
    """Each group's past record in one query: approved bookings held, no-shows, rejections."""
    found = {oid: Record() for oid in organisation_ids}
    rows = session.execute(
        sa.select(Booking.organisation_id, Booking.status, Booking.attendance, sa.func.count())
        .where(Booking.organisation_id.in_(organisation_ids), Booking.bundle_of_id.is_(None), Booking.starts_at < at)
        .group_by(Booking.organisation_id, Booking.status, Booking.attendance)
    ).all()
    for oid, status, attendance, n in rows:
        record = found[oid]
        if status == Status.APPROVED:
            record.approved += n
            if attendance in (Attendance.NO_SHOW, Attendance.RELEASED):
                record.no_shows += n
        elif status == Status.REJECTED:
            record.rejected += n
        elif status == Status.CANCELLED:
            record.cancelled += n
    return found


def decide(session: Session, booking: Booking, by: User, at: datetime, *, chosen_id: int, seen: str,
           others: str, reason: str, may_decide) -> Booking:
    """Approve the chosen request and reject (or counter-offer) the others, or refuse it all.

    `seen` is the fingerprint of the set the manager looked at; `may_decide(booking)` is the
    policy's answer for each. Offers go to the first free slot for each request after the
    approval; a request with none is rejected."""
    shown = competitors(session, booking, at)
    lock_for_decision(session, [part.resource_id for b in shown for part in b.parts])
    session.expire_all()
    current = competitors(session, booking, at)
    if fingerprint(current) != seen:
        message = _l("The competing requests changed meanwhile (a decision, a change or a new request). "
                     "Nothing was saved: please look at them again.")
        raise workflow.ConflictError(" ".join(filter(None, (str(message), _what_changed(session, seen, current)))))
    if not all(may_decide(b) for b in current):
        raise PermissionError
    chosen = next((b for b in current if b.id == chosen_id), None)
    if chosen is None:
        raise workflow.WorkflowError(_l("Please choose the request to approve."))
    if not reason.strip():
        raise workflow.WorkflowError(_l("Please give a reason for the others."))
    workflow.approve(session, chosen, by, at)
    for other in current:
        if other.id == chosen.id:
            continue
        slot = offers.suggestions(session, other, at)[:1] if others == OFFER else []
        if slot:
            offers.make(session, other, by, at, resource=slot[0].resource, starts_at=slot[0].starts_at,
                        ends_at=slot[0].ends_at, message=reason)
        else:
            workflow.reject(session, other, by, at, reason)
    return chosen
