"""A request's life: submitted, then approved, rejected or withdrawn; every step audited.

Plain functions: they take the acting user, change the session and flush; the view
commits once. Refusals are exceptions whose message is shown to the user as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from .availability import LONGEST_BOOKING, check_slot
from .models import AuditEvent, Booking, Organisation, Resource, ResourceKind, Status, User

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


@dataclass
class Problem:
    field: str
    message: object


def request_problems(
    resource: Resource | None,
    starts_at: datetime,
    ends_at: datetime,
    attendees: int | None,
    units: int,
    at: datetime,
) -> list[Problem]:
    """What is wrong with a request for this resource and time, field by field."""
    problems: list[Problem] = []
    if resource is None or not resource.active:
        return [Problem("resource_id", _l("This resource cannot be booked. Please choose another."))]
    if ends_at <= starts_at:
        problems.append(Problem("end", _l("The end must be after the start.")))
    elif ends_at - starts_at > LONGEST_BOOKING:
        problems.append(Problem("end", _l("A booking lasts one day at most.")))
    if starts_at < at:
        problems.append(Problem("start", _l("The start lies in the past.")))
    if resource.capacity is not None and attendees is not None and attendees > resource.capacity:
        problems.append(
            Problem(
                "attendees",
                _l("%(name)s holds at most %(n)s people.", name=resource.name, n=resource.capacity),
            )
        )
    if resource.kind == ResourceKind.EQUIPMENT and units > resource.quantity:
        problems.append(
            Problem("units", _l("The house has %(n)s of these in all.", n=resource.quantity))
        )
    elif resource.kind != ResourceKind.EQUIPMENT and units != 1:
        problems.append(Problem("units", _l("Rooms and plots are booked as one unit.")))
    return problems


def _audit(session: Session, booking: Booking, by: User, old: Status | None, reason: str = "") -> None:
    session.add(
        AuditEvent(actor=by, booking=booking, from_status=old, to_status=booking.status, reason=reason)
    )


def _move(session: Session, booking: Booking, to: Status, by: User, at: datetime, reason: str = ""):
    old = booking.status
    if to not in TRANSITIONS[old]:
        raise WorkflowError(_l("This request is already decided and cannot be changed."))
    booking.status = to
    booking.decided_by = by
    booking.decided_at = at
    booking.decision_reason = reason
    _audit(session, booking, by, old, reason)
    session.flush()


def submit(
    session: Session,
    *,
    by: User,
    organisation: Organisation,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    attendees: int | None,
    note: str,
    units: int = 1,
) -> Booking:
    """Save a new pending request and its first audit entry."""
    booking = Booking(
        resource=resource,
        organisation=organisation,
        requested_by=by,
        title=title,
        attendees=attendees,
        note=note,
        units=units,
        starts_at=starts_at,
        ends_at=ends_at,
        status=Status.PENDING,
    )
    session.add(booking)
    _audit(session, booking, by, None)
    session.flush()
    return booking


def approve(session: Session, booking: Booking, by: User, at: datetime) -> None:
    """Approve a pending request unless an approved booking already holds the slot."""
    if booking.status != Status.PENDING:
        raise WorkflowError(_l("Only pending requests can be approved."))
    report = check_slot(
        session, booking.resource, booking.starts_at, booking.ends_at, booking.units, booking.id
    )
    if report.blocked:
        if report.units_free is not None:
            raise ConflictError(
                _l(
                    "Only %(n)s units are free at that time.",
                    n=max(0, report.units_free + booking.units),
                )
            )
        raise ConflictError(
            _l("An approved booking already holds %(name)s at that time.", name=booking.resource.name)
        )
    _move(session, booking, Status.APPROVED, by, at)


def reject(session: Session, booking: Booking, by: User, at: datetime, reason: str) -> None:
    """Reject a pending request; the group is told why."""
    if not reason.strip():
        raise WorkflowError(_l("Please give a reason for the rejection."))
    if booking.status != Status.PENDING:
        raise WorkflowError(_l("Only pending requests can be rejected."))
    _move(session, booking, Status.REJECTED, by, at, reason.strip())


def withdraw(session: Session, booking: Booking, by: User, at: datetime) -> None:
    """The group takes back its request, or gives up its approved booking."""
    _move(session, booking, Status.CANCELLED, by, at)
