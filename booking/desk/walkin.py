"""Walk-in bookings at the counter: the same rules and the same lock as an approval.

A free slot from today to WINDOW_DAYS ahead, no longer than the resource's longest booking,
is approved at once and recorded as made by the desk; anything longer or later is saved as a
request for the manager's queue. Guests without a registered group are booked under the
house's built-in guests' group, their name and phone kept in `WalkIn` beside the booking.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..availability import check
from ..clock import local
from ..database import lock_for_decision
from ..lazytext import lazy_gettext as _l
from ..models import AuditEvent, Booking, Organisation, OrganisationKind, Status, User
from ..notify import outbox
from ..notify.models import Kind
from ..rules import Ask, Verdict
from ..workflow import WorkflowError
from .models import WalkIn

WINDOW_DAYS = 7  # today and the next seven days
GUESTS = "Gäste / Walk-in"  # the built-in group that guests are booked under
WALK_IN = "Walk-in at the front desk"  # stored in the history as a code word (labels.DESK_NOTES)


class Refused(WorkflowError):
    """The house rules or another booking stand in the way; `verdict` says which."""

    def __init__(self, verdict: Verdict):
        super().__init__(" ".join(str(r) for r in verdict.reasons))
        self.verdict = verdict

    @property
    def conflict(self) -> bool:
        return any(r.code in ("taken", "units") for r in self.verdict.reasons)


def guests(session: Session) -> Organisation:
    """The house's own group for walk-in guests, made the first time it is needed."""
    found = session.scalar(sa.select(Organisation).where(Organisation.name == GUESTS))
    if found is None:
        found = Organisation(name=GUESTS, kind=OrganisationKind.INITIATIVE, contact_name="", email="", phone="")
        session.add(found)
        session.flush()
    return found


def at_once(ask: Ask, at: datetime) -> bool:
    """Within the desk's days and no longer than each resource's longest booking: approved now."""
    last_day = local(at).date() + timedelta(days=WINDOW_DAYS)
    if local(ask.starts_at).date() > last_day:
        return False
    return all(p.resource.max_hours is None or ask.length <= timedelta(hours=p.resource.max_hours)
               for p in ask.parts)


def book(session: Session, ask: Ask, *, by: User, organisation: Organisation, title: str, at: datetime,
         attendees: int | None = None, guest_name: str = "", guest_phone: str = "") -> Booking:
    """Book a walk-in (approved at once, or a request for the queue); raise Refused if the
    rules say no. The resources are locked before the check, as `workflow.approve` does."""
    lock_for_decision(session, [p.resource.id for p in ask.parts])
    session.expire_all()  # what was read before the lock may be out of date
    verdict = check(session, ask, at)
    if not verdict.ok:
        raise Refused(verdict)
    if local(ask.starts_at).date() < local(at).date():
        raise WorkflowError(_l("The start lies in the past."))
    approved = at_once(ask, at)
    status = Status.APPROVED if approved else Status.PENDING
    lead: Booking | None = None
    for part in ask.parts:
        booking = Booking(
            resource=part.resource, organisation=organisation, requested_by=by, title=title,
            attendees=attendees if lead is None else None, units=part.units,
            starts_at=ask.starts_at, ends_at=ask.ends_at, status=status, bundle_of=lead,
            decided_by=by if approved else None, decided_at=at if approved else None,
        )
        session.add(booking)
        lead = lead or booking
    session.add(AuditEvent(actor=by, booking=lead, from_status=None, to_status=status, reason=WALK_IN))
    session.add(WalkIn(booking=lead, guest_name=guest_name, guest_phone=guest_phone, made_by=by, made_at=at))
    session.flush()
    if approved:
        outbox.decided(session, Kind.APPROVED, [lead], by)
    else:
        outbox.request_submitted(session, lead, by)
    return lead


def walk_in_of(session: Session, booking: Booking) -> WalkIn | None:
    return session.scalar(sa.select(WalkIn).where(WalkIn.booking_id == (booking.bundle_of_id or booking.id)))
