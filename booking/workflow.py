"""A request's life: submitted, then approved, rejected or withdrawn; every step audited.

Plain functions: they take the acting user, change the session and flush; the view
commits once. Refusals are exceptions whose message is shown to the user as it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from .availability import check_booking
from .database import lock_for_decision
from .lazytext import lazy_gettext as _l
from .models import AuditEvent, Booking, Organisation, Status, User
from .notify import outbox
from .notify.models import Kind
from .rules import Ask

# Which status may follow which.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.APPROVED, Status.REJECTED, Status.CANCELLED}),
    Status.APPROVED: frozenset({Status.CANCELLED}),
    Status.REJECTED: frozenset(),
    Status.CANCELLED: frozenset(),
}


class WorkflowError(Exception):
    """A step that is not allowed now; `message` is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class ConflictError(WorkflowError):
    """The step would give one room to two groups at once (answered with 409)."""


def _audit(session: Session, booking: Booking, by: User, old: Status | None, reason: str = "") -> None:
    session.add(
        AuditEvent(actor=by, booking=booking, from_status=old, to_status=booking.status, reason=reason)
    )


def _decide(session: Session, booking: Booking) -> Booking:
    """Lock the request's resources against other decisions, then read the request afresh.

    Every change of an existing request starts here: another decision that committed while
    this request was being read is seen, and none can slip in before this one commits.
    """
    lead = booking.bundle_of or booking
    lock_for_decision(session, [part.resource_id for part in lead.parts])
    session.expire_all()  # what was read before the lock may be out of date
    return lead


def _move(session: Session, booking: Booking, to: Status, by: User, at: datetime, reason: str = ""):
    """Move a request and the items bundled with it to a new status, all together."""
    old = booking.status
    if to not in TRANSITIONS[old]:
        raise WorkflowError(_l("This request is already decided and cannot be changed."))
    for part in booking.parts:
        part.status = to
        part.decided_by = by
        part.decided_at = at
        part.decision_reason = reason
    _audit(session, booking, by, old, reason)
    session.flush()


def submit(
    session: Session,
    ask: Ask,
    *,
    by: User,
    organisation: Organisation,
    title: str,
    note: str = "",
    override_reason: str = "",
    purpose_id: int | None = None,
) -> Booking:
    """Save a new pending request (its first part leads, the others are bundled with it)."""
    lead: Booking | None = None
    for part in ask.parts:
        booking = Booking(
            resource=part.resource,
            organisation=organisation,
            requested_by=by,
            title=title,
            attendees=ask.attendees if lead is None else None,
            note=note if lead is None else "",
            units=part.units,
            starts_at=ask.starts_at,
            ends_at=ask.ends_at,
            status=Status.PENDING,
            override_reason=override_reason,
            bundle_of=lead,
            purpose_id=purpose_id,
        )
        session.add(booking)
        lead = lead or booking
    _audit(session, lead, by, None, override_reason)
    session.flush()
    outbox.request_submitted(session, lead, by)
    return lead


def approve(session: Session, booking: Booking, by: User, at: datetime) -> None:
    """Approve a pending request and its items, unless a house rule or another booking stands
    in the way. The resources are locked first, so no other decision can slip in between."""
    booking = _decide(session, booking)
    if booking.status != Status.PENDING:
        raise WorkflowError(_l("Only pending requests can be approved."))
    verdict = check_booking(session, booking, at)
    if not verdict.ok:
        raise ConflictError(" ".join(str(reason) for reason in verdict.reasons))
    for part in booking.parts:  # the busy span with the buffers in force now, as checked
        part.busy_from, part.busy_until = part.resource.busy_span(part.starts_at, part.ends_at)
    _move(session, booking, Status.APPROVED, by, at)
    outbox.decided(session, Kind.APPROVED, [booking], by)


def reject(session: Session, booking: Booking, by: User, at: datetime, reason: str) -> None:
    """Reject a pending request (with its items); the group is told why."""
    if not reason.strip():
        raise WorkflowError(_l("Please give a reason for the rejection."))
    booking = _decide(session, booking)
    if booking.status != Status.PENDING:
        raise WorkflowError(_l("Only pending requests can be rejected."))
    _move(session, booking, Status.REJECTED, by, at, reason.strip())
    outbox.decided(session, Kind.REJECTED, [booking], by, reason.strip())


def withdraw(session: Session, booking: Booking, by: User, at: datetime) -> None:
    """The group takes back its request, or gives up its approved booking (with its items)."""
    booking = _decide(session, booking)
    _move(session, booking, Status.CANCELLED, by, at)
    outbox.decided(session, Kind.WITHDRAWN if by.organisation_id == booking.organisation_id else Kind.CANCELLED,
                   [booking], by)
