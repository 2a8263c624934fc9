"""Equipment out and back: units of an approved booking handed out, returned, and the units
that came back damaged or were lost taken out of service (the rules count them as taken).

Hand-outs take the same lock as an approval (the equipment's resource row), so two desks
handing out the last unit at once cannot both succeed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..clock import local, to_utc
from ..database import lock_for_decision
from ..lazytext import lazy_gettext as _l
from ..models import Booking, ResourceKind, Status, User
from ..workflow import ConflictError, WorkflowError
from .models import Condition, EquipmentLoan, OutOfService


def _sum(session: Session, *where) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.sum(EquipmentLoan.units), 0)).where(*where))


def out_of_service_now(session: Session, resource_id: int, at: datetime) -> int:
    return session.scalar(sa.select(sa.func.coalesce(sa.func.sum(OutOfService.units), 0)).where(
        OutOfService.resource_id == resource_id, OutOfService.starts_at <= at, OutOfService.ends_at > at))


def hand_out(session: Session, booking: Booking, *, by: User, at: datetime, units: int, taken_by: str) -> EquipmentLoan:
    """Hand out units of an approved equipment booking of today; never more than it holds,
    nor more than the house has at the desk."""
    lock_for_decision(session, [booking.resource_id])
    session.expire_all()
    if booking.resource.kind != ResourceKind.EQUIPMENT:
        raise WorkflowError(_l("Only equipment is handed out here."))
    if booking.status != Status.APPROVED:
        raise ConflictError(_l("Only approved bookings can be handed out."))
    if local(booking.starts_at).date() != local(at).date():
        raise ConflictError(_l("Only today's bookings can be handed out."))
    booked_left = booking.units - _sum(session, EquipmentLoan.booking_id == booking.id,
                                       EquipmentLoan.back_at.is_(None))
    at_desk = (booking.resource.quantity - out_of_service_now(session, booking.resource_id, at)
               - _sum(session, EquipmentLoan.resource_id == booking.resource_id, EquipmentLoan.back_at.is_(None)))
    left = min(booked_left, at_desk)
    if units > left:
        raise ConflictError(_l("Only %(n)s of %(name)s can be handed out for this booking now.",
                               n=max(left, 0), name=booking.resource.name))
    loan = EquipmentLoan(booking=booking, resource_id=booking.resource_id, units=units, taken_by=taken_by,
                         out_at=at, out_by_id=by.id, due_at=booking.ends_at)
    session.add(loan)
    session.flush()
    return loan


def take_back(session: Session, loan: EquipmentLoan, *, by: User, at: datetime, units: int, condition: Condition,
              out_until: date | None = None) -> tuple[EquipmentLoan, OutOfService | None]:
    """Units come back; a partial return splits the loan. Damaged or lost units go out of
    service until `out_until` (the end of that day)."""
    lock_for_decision(session, [loan.resource_id])
    session.expire_all()
    if loan.back_at is not None:
        raise ConflictError(_l("These units have already been returned."))
    if units > loan.units:
        raise ConflictError(_l("Only %(n)s units were handed out.", n=loan.units))
    if condition != Condition.GOOD and (out_until is None or out_until < local(at).date()):
        raise WorkflowError(_l("Please say until when the units are out of service."))
    returned = loan
    if units < loan.units:
        loan.units -= units
        returned = EquipmentLoan(booking_id=loan.booking_id, resource_id=loan.resource_id, units=units,
                                 taken_by=loan.taken_by, out_at=loan.out_at, out_by_id=loan.out_by_id,
                                 due_at=loan.due_at)
        session.add(returned)
    returned.back_at, returned.back_by_id, returned.condition = at, by.id, condition
    session.flush()
    gone = None
    if condition != Condition.GOOD:
        reason = "damaged" if condition == Condition.DAMAGED else "lost"
        gone = OutOfService(resource_id=loan.resource_id, units=units, starts_at=at,
                            ends_at=to_utc(out_until + timedelta(days=1), time()),
                            reason=reason, loan_id=returned.id, created_by_id=by.id)
        session.add(gone)
        session.flush()
    return returned, gone


def affected(session: Session, gone: OutOfService) -> list[Booking]:
    """Approved bookings of the resource in the out-of-service span that now ask for more
    units than are left: the manager must find a way."""
    from ..availability import check_booking  # noqa: PLC0415 (availability imports this module's models)

    bookings = session.scalars(
        sa.select(Booking).where(Booking.resource_id == gone.resource_id, Booking.status == Status.APPROVED,
                                 Booking.ends_at > gone.starts_at, Booking.starts_at < gone.ends_at)
        .order_by(Booking.starts_at)
    ).all()
    return [b for b in bookings
            if any(r.code == "units" for r in check_booking(session, b, b.starts_at).reasons)]
