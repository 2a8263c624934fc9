"""What the desk sees of a day: the bookings with their check-in, keys and equipment out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from ..availability import overlapping
from ..clock import day_bounds
from ..models import Attendance, Booking, ResourceKind, Status
from .models import EquipmentLoan, KeyLoan, WalkIn


@dataclass
class Day:
    """Today's approved bookings (leads, with their items) and everything lent out."""

    bookings: list[Booking]
    walk_ins: dict[int, WalkIn]
    equipment_loans: dict[int, list[EquipmentLoan]] = field(default_factory=dict)  # by booking, open and back
    keys_out: list[KeyLoan] = field(default_factory=list)
    equipment_out: list[EquipmentLoan] = field(default_factory=list)

    def still_in(self, at: datetime) -> list[Booking]:
        return [b for b in self.bookings if b.attendance == Attendance.ARRIVED and b.ends_at > at]

    def no_check_in(self, at: datetime) -> list[Booking]:
        return [b for b in self.bookings if b.attendance is None and b.starts_at <= at
                and b.resource.kind != ResourceKind.PLOT]

    def units_out(self, booking: Booking) -> int:
        return sum(loan.units for loan in self.equipment_loans.get(booking.id, []) if loan.back_at is None)


def load(session: Session, day: date) -> Day:
    """Five queries, however many bookings the day has."""
    start, end = day_bounds(day)
    bookings = session.scalars(
        sa.select(Booking)
        .where(overlapping(start, end, Status.APPROVED), Booking.bundle_of_id.is_(None),
               Booking.starts_at >= start)
        .options(joinedload(Booking.resource), joinedload(Booking.organisation),
                 selectinload(Booking.items).joinedload(Booking.resource))
        .order_by(Booking.starts_at, Booking.id)
    ).unique().all()
    ids = [b.id for b in bookings]
    walk_ins = {w.booking_id: w for w in session.scalars(sa.select(WalkIn).where(WalkIn.booking_id.in_(ids)))}
    item_ids = [i.id for b in bookings for i in b.parts]
    loans: dict[int, list[EquipmentLoan]] = {}
    for loan in session.scalars(sa.select(EquipmentLoan).where(EquipmentLoan.booking_id.in_(item_ids))
                                .order_by(EquipmentLoan.out_at, EquipmentLoan.id)):
        loans.setdefault(loan.booking_id, []).append(loan)
    return Day(list(bookings), walk_ins, loans, keys_out(session), equipment_out(session))


def keys_out(session: Session) -> list[KeyLoan]:
    return list(session.scalars(
        sa.select(KeyLoan).where(KeyLoan.back_at.is_(None), KeyLoan.lost_at.is_(None))
        .options(joinedload(KeyLoan.key), joinedload(KeyLoan.organisation))
        .order_by(KeyLoan.out_at, KeyLoan.id)
    ))


def equipment_out(session: Session) -> list[EquipmentLoan]:
    return list(session.scalars(
        sa.select(EquipmentLoan).where(EquipmentLoan.back_at.is_(None))
        .options(joinedload(EquipmentLoan.resource),
                 joinedload(EquipmentLoan.booking).joinedload(Booking.organisation))
        .order_by(EquipmentLoan.due_at, EquipmentLoan.id)
    ))


def desk_facts(session: Session, booking: Booking, at: datetime) -> dict:
    """What the house's staff see beside a booking: whom to call, and the group's record."""
    from .attendance import history  # noqa: PLC0415 (attendance imports the workflow)

    lead = booking.bundle_of or booking
    walk_in = session.scalar(sa.select(WalkIn).where(WalkIn.booking_id == lead.id))
    return {"walk_in": walk_in, "history": history(session, lead.organisation_id, at)}

