"""Check-in on the day: arrived (with the time), no-show, or released for a walk-in.

A booking nobody checked in for `Resource.release_after_minutes` after its start may be
released: it is cancelled (so the rules see the slot free), marked `released`, written into
its history and the group is told through the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..clock import local
from ..database import lock_for_decision
from ..labels import DESK_NOTES
from ..lazytext import lazy_gettext as _l
from ..models import Attendance, AuditEvent, Booking, Status, User
from ..notify import outbox
from ..notify.models import Kind
from ..workflow import ConflictError

# Code words in the booking's history, read in the reader's language (labels.DESK_NOTES).
ARRIVED = "Checked in at the front desk"
NO_SHOW = "No-show noted by the front desk"
RELEASED = "Released by the front desk: no check-in"


def _of_today(booking: Booking, at: datetime) -> Booking:
    """The booking (its lead, for an item of a bundle), if it is approved and today's; else 409."""
    lead = booking.bundle_of or booking
    if lead.status != Status.APPROVED:
        raise ConflictError(_l("Only approved bookings can be checked in."))
    if local(lead.starts_at).date() != local(at).date():
        raise ConflictError(_l("Only today's bookings can be checked in."))
    return lead


def _note(session: Session, booking: Booking, by: User, reason: str) -> None:
    session.add(AuditEvent(actor=by, booking=booking, from_status=Status.APPROVED, to_status=booking.status,
                           reason=reason))
    session.flush()


def arrive(session: Session, booking: Booking, by: User, at: datetime) -> Booking:
    lead = _of_today(booking, at)
    if lead.attendance == Attendance.ARRIVED:
        raise ConflictError(_l("This group has already been checked in."))
    lead.attendance, lead.arrived_at = Attendance.ARRIVED, at
    _note(session, lead, by, ARRIVED)
    return lead


def no_show(session: Session, booking: Booking, by: User, at: datetime) -> Booking:
    lead = _of_today(booking, at)
    if lead.attendance is not None:
        raise ConflictError(_l("Check-in has already been recorded for this booking."))
    if at < lead.starts_at:
        raise ConflictError(_l("A booking can be marked as a no-show once it has started."))
    lead.attendance = Attendance.NO_SHOW
    _note(session, lead, by, NO_SHOW)
    return lead


def release_time(booking: Booking) -> datetime | None:
    """From when the desk may release the booking, or None if its resource never releases."""
    minutes = booking.resource.release_after_minutes
    return None if minutes is None else booking.starts_at + timedelta(minutes=minutes)


def releasable(booking: Booking, at: datetime) -> bool:
    when = release_time(booking)
    return (booking.status == Status.APPROVED and booking.bundle_of_id is None
            and booking.attendance in (None, Attendance.NO_SHOW)
            and when is not None and when <= at < booking.ends_at)


def release(session: Session, booking: Booking, by: User, at: datetime) -> Booking:
    """Give the slot free: the booking (with its items) is cancelled and marked released."""
    lead = booking.bundle_of or booking
    lock_for_decision(session, [part.resource_id for part in lead.parts])
    session.expire_all()
    _of_today(lead, at)
    if not releasable(lead, at):
        raise ConflictError(_l("This booking cannot be released now."))
    for part in lead.parts:
        part.status = Status.CANCELLED
        part.decided_by, part.decided_at = by, at
    lead.attendance = Attendance.RELEASED
    session.add(AuditEvent(actor=by, booking=lead, from_status=Status.APPROVED, to_status=Status.CANCELLED,
                           reason=RELEASED))
    session.flush()
    # The message carries the reason as words, in the desk's language (German in the house).
    outbox.decided(session, Kind.CANCELLED, [lead], by, str(DESK_NOTES[RELEASED]))
    return lead


def history(session: Session, organisation_id: int, at: datetime, days: int = 365) -> dict[Attendance, int]:
    """How often the group arrived, did not come, or was released in the last `days` days."""
    rows = session.execute(
        sa.select(Booking.attendance, sa.func.count())
        .where(Booking.organisation_id == organisation_id, Booking.attendance.is_not(None),
               Booking.starts_at >= at - timedelta(days=days), Booking.starts_at < at)
        .group_by(Booking.attendance)
    ).all()
    return {attendance: count for attendance, count in rows}
