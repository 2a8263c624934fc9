"""Counter-offers: instead of rejecting, the house offers another slot; the group accepts it with
one click (the request is moved and approved at once, if the slot is still free) or declines it.

Plain functions: they take the acting user, change the session and flush; the view commits once.
Refusals are workflow errors whose message is shown as it is (ConflictError: answered with 409).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from .. import workflow
from ..availability import Alternative, alternatives, check_booking
from ..database import lock_for_decision
from ..i18n import local_date, local_time
from ..lazytext import lazy_gettext as _l
from ..models import AuditEvent, Booking, Resource, Status, User
from ..notify import outbox
from ..notify.models import Kind
from ..rules import ask_for
from .models import Offer, OfferState

DEFAULT_DAYS = 3


def open_offer(session: Session, booking: Booking) -> Offer | None:
    """The request's offer still waiting for an answer (whether or not its time has run out)."""
    return session.scalar(
        sa.select(Offer).where(Offer.booking_id == booking.id, Offer.state == OfferState.OPEN).order_by(Offer.id.desc())
    )


def open_offers(session: Session, bookings: Sequence[Booking]) -> dict[int, Offer]:
    """The offers waiting for an answer for a page of requests, in one query."""
    if not bookings:
        return {}
    found = session.scalars(
        sa.select(Offer).options(joinedload(Offer.resource))
        .where(Offer.booking_id.in_([b.id for b in bookings]), Offer.state == OfferState.OPEN)
        .order_by(Offer.id)
    ).all()
    return {offer.booking_id: offer for offer in found}


def suggestions(session: Session, booking: Booking, at: datetime) -> list[Alternative]:
    """Free slots to offer instead: the same search the request form makes (house rules only)."""
    return alternatives(session, ask_for(booking), at)


def _lock(session: Session, booking: Booking, *resource_ids: int) -> Booking:
    """Lock the request's resources and the offered one, then read everything afresh."""
    lead = booking.bundle_of or booking
    lock_for_decision(session, [*(part.resource_id for part in lead.parts), *resource_ids])
    session.expire_all()
    return lead


def _note(session: Session, booking: Booking, by: User, reason: str) -> None:
    """A line in the request's history without a change of status."""
    session.add(AuditEvent(actor=by, booking=booking, from_status=booking.status, to_status=booking.status,
                           reason=reason))


def make(session: Session, booking: Booking, by: User, at: datetime, *, resource: Resource,
         starts_at: datetime, ends_at: datetime, message: str = "", days: int = DEFAULT_DAYS) -> Offer:
    """Offer the group another slot for its pending request; an earlier open offer is replaced.

    The slot must be free by the house rules now; it is not held for the group, so acceptance
    checks it again."""
    lead = _lock(session, booking, resource.id)
    if lead.status != Status.PENDING:
        raise workflow.WorkflowError(_l("Only pending requests can get a counter-offer."))
    if resource.kind != lead.resource.kind:
        raise workflow.WorkflowError(_l("Please offer a resource of the same kind."))
    verdict = check_booking(session, _moved(lead, resource, starts_at, ends_at, apply=False), at)
    if not verdict.ok:
        raise workflow.ConflictError(" ".join(str(r) for r in verdict.reasons))
    for earlier in session.scalars(sa.select(Offer).where(Offer.booking_id == lead.id, Offer.state == OfferState.OPEN)):
        earlier.state = OfferState.EXPIRED if earlier.expired(at) else OfferState.WITHDRAWN
        earlier.answered_by, earlier.answered_at = by, at
    offer = Offer(booking=lead, organisation_id=lead.organisation_id, resource=resource, starts_at=starts_at,
                  ends_at=ends_at, message=message.strip(), made_by=by, made_at=at,
                  expires_at=at + timedelta(days=days))
    session.add(offer)
    slot = f"{resource.name}, {local_date(starts_at)} {local_time(starts_at)}–{local_time(ends_at)}"
    _note(session, lead, by, " ".join(filter(None, (str(_l("Counter-offer: %(slot)s.", slot=slot)), message.strip()))))
    session.flush()
    outbox.offered(session, offer, by)
    return offer


class _Planned:
    """A request as it would be at another slot (for the check), without touching the rows."""

    def __init__(self, lead: Booking, resource: Resource, starts_at: datetime, ends_at: datetime):
        self.id, self.resource, self.units, self.attendees = lead.id, resource, lead.units, lead.attendees
        self.starts_at, self.ends_at = starts_at, ends_at
        self.items = [_Item(item, starts_at, ends_at) for item in lead.items]

    @property
    def parts(self):
        return [self, *self.items]


class _Item:
    def __init__(self, item: Booking, starts_at: datetime, ends_at: datetime):
        self.id, self.resource, self.units = item.id, item.resource, item.units
        self.starts_at, self.ends_at = starts_at, ends_at


def _moved(lead: Booking, resource: Resource, starts_at: datetime, ends_at: datetime, *, apply: bool):
    """The request at the offered slot: planned only, or applied to the rows (items move along)."""
    if not apply:
        return _Planned(lead, resource, starts_at, ends_at)
    lead.resource = resource
    for part in lead.parts:
        part.starts_at, part.ends_at = starts_at, ends_at
        part.busy_from, part.busy_until = part.resource.busy_span(starts_at, ends_at)
        part.exclusive = part.resource.exclusive
    return lead


def _answerable(offer: Offer, at: datetime) -> None:
    if offer.state == OfferState.WITHDRAWN or (offer.state == OfferState.OPEN
                                                and offer.booking.status != Status.PENDING):
        raise workflow.ConflictError(_l("The house has withdrawn this offer."))
    if offer.expired(at):
        raise workflow.ConflictError(_l("This offer has expired."))
    if offer.state != OfferState.OPEN:
        raise workflow.ConflictError(_l("This offer has already been answered."))


def accept(session: Session, offer: Offer, by: User, at: datetime) -> Booking:
    """The group takes the offer: its request moves to the offered slot and is approved, in one
    step under the same lock as an approval; refused (ConflictError) when the slot is taken."""
    lead = _lock(session, offer.booking, offer.resource_id)
    _answerable(offer, at)
    _moved(lead, offer.resource, offer.starts_at, offer.ends_at, apply=True)
    session.flush()
    verdict = check_booking(session, lead, at)
    if not verdict.ok:
        raise workflow.ConflictError(_l("Sorry, this time is no longer free."))
    for part in lead.parts:
        part.status, part.decided_by, part.decided_at = Status.APPROVED, offer.made_by, at
        part.decision_reason = ""
    offer.state, offer.answered_by, offer.answered_at = OfferState.ACCEPTED, by, at
    session.add(AuditEvent(actor=by, booking=lead, from_status=Status.PENDING, to_status=Status.APPROVED,
                           reason=str(_l("Counter-offer accepted."))))
    session.flush()
    outbox.decided(session, Kind.APPROVED, [lead], by)
    return lead


def _close(session: Session, offer: Offer, lead: Booking, by: User | None, at: datetime, state: OfferState,
           to: Status, reason: str) -> None:
    offer.state, offer.answered_by, offer.answered_at = state, by, at
    for part in lead.parts:
        part.status, part.decided_at, part.decision_reason = to, at, reason
        part.decided_by = by if by is not None else offer.made_by
    session.add(AuditEvent(actor=by, booking=lead, from_status=Status.PENDING, to_status=to, reason=reason))
    session.flush()


def decline(session: Session, offer: Offer, by: User, at: datetime) -> None:
    """The group says no: the request is closed with that reason, and the house is told."""
    lead = _lock(session, offer.booking)
    _answerable(offer, at)
    reason = str(_l("The group declined the counter-offer."))
    _close(session, offer, lead, by, at, OfferState.DECLINED, Status.CANCELLED, reason)
    outbox.decided(session, Kind.WITHDRAWN, [lead], by, reason)


def withdraw(session: Session, offer: Offer, by: User, at: datetime) -> None:
    """The house takes its offer back; the request stays pending."""
    lead = _lock(session, offer.booking)
    if offer.state != OfferState.OPEN:
        raise workflow.ConflictError(_l("This offer has already been answered."))
    offer.state, offer.answered_by, offer.answered_at = OfferState.WITHDRAWN, by, at
    _note(session, lead, by, str(_l("Counter-offer withdrawn.")))
    session.flush()


def expire_due(session: Session, at: datetime) -> int:
    """Close every request whose offer ran out unanswered; offers of requests decided otherwise
    are marked withdrawn. Doing it twice changes nothing the second time."""
    due = session.scalars(
        sa.select(Offer).where(Offer.state == OfferState.OPEN).order_by(Offer.id)
    ).all()
    if not due:
        return 0
    # the offered resources and the requests' own: no decision on them can slip in meanwhile
    lock_for_decision(session, {offer.resource_id for offer in due}
                      | {part.resource_id for offer in due for part in offer.booking.parts})
    session.expire_all()
    closed = 0
    reason = str(_l("The counter-offer expired without an answer."))
    for offer in session.scalars(sa.select(Offer).where(Offer.state == OfferState.OPEN).order_by(Offer.id)):
        lead = offer.booking
        if lead.status != Status.PENDING:
            offer.state, offer.answered_at = OfferState.WITHDRAWN, at
        elif at >= offer.expires_at:
            _close(session, offer, lead, None, at, OfferState.EXPIRED, Status.REJECTED, reason)
            outbox.decided(session, Kind.REJECTED, [lead], offer.made_by, reason)
            closed += 1
    session.flush()
    return closed
