"""What the front desk keeps: walk-ins (with a guest's name and phone), keys, and what was lent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import db
from ..models import Booking, Organisation, Resource, StrEnum, User, UTCDateTime, _enum


class WalkIn(db.Model):
    """A booking made at the counter by the desk.

    Personal data: for a guest without a registered group (booked under the built-in guests'
    group), `guest_name` and `guest_phone` are the guest's; they belong to the booking
    (`booking_id`) and go with it on export or erasure.
    """

    __tablename__ = "desk_walk_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    guest_name: Mapped[str] = mapped_column(sa.String(120), default="")
    guest_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    made_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    booking: Mapped[Booking] = relationship()
    made_by: Mapped[User | None] = relationship()


class Key(db.Model):
    """A key (or a set of keys on one ring) to a room, and how many copies the house has."""

    __tablename__ = "desk_key"
    __table_args__ = (sa.CheckConstraint("copies > 0", name="key_copies_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    copies: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)

    resource: Mapped[Resource] = relationship()

    @property
    def record_label(self) -> str:
        return self.name


class KeyLoan(db.Model):
    """Copies of a key handed to a person of a group, for a booking or standing (no booking).

    Personal data: `holder_name` is the person's; it belongs to the group (`organisation_id`).
    """

    __tablename__ = "key_loan"
    __table_args__ = (
        sa.CheckConstraint("copies > 0", name="key_loan_copies_positive"),
        sa.Index("ix_key_loan_open", "key_id", "back_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("desk_key.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id", ondelete="SET NULL"))
    holder_name: Mapped[str] = mapped_column(sa.String(120))
    copies: Mapped[int] = mapped_column(default=1)
    out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the booking's end; None: standing
    back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    back_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # reported lost: no longer out

    key: Mapped[Key] = relationship()
    organisation: Mapped[Organisation] = relationship()
    booking: Mapped[Booking | None] = relationship()

    @property
    def out(self) -> bool:
        return self.back_at is None and self.lost_at is None

    def overdue(self, at: datetime) -> bool:
        return self.out and self.due_at is not None and self.due_at <= at

    @property
    def record_label(self) -> str:
        return self.holder_name


class Condition(StrEnum):
    """How lent equipment came back."""

    GOOD = "good"
    DAMAGED = "damaged"
    LOST = "lost"


class EquipmentLoan(db.Model):
    """Units of an approved equipment booking handed out; returned all at once (a partial
    return splits the row: the returned units get a row of their own).

    Personal data: `taken_by` is the person's name; it belongs to the booking (`booking_id`).
    """

    __tablename__ = "equipment_loan"
    __table_args__ = (
        sa.CheckConstraint("units > 0", name="equipment_loan_units_positive"),
        sa.Index("ix_equipment_loan_open", "resource_id", "back_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id"))
    units: Mapped[int] = mapped_column()
    taken_by: Mapped[str] = mapped_column(sa.String(120))
    out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    back_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    condition: Mapped[Condition | None] = mapped_column(_enum(Condition, "loan_condition"))

    booking: Mapped[Booking] = relationship()
    resource: Mapped[Resource] = relationship()

    def overdue(self, at: datetime) -> bool:
        return self.back_at is None and self.due_at <= at

    @property
    def record_label(self) -> str:
        return self.taken_by


class OutOfService(db.Model):
    """Units of equipment that cannot be lent for [starts_at, ends_at): damaged or lost.

    The booking rules count them as taken (availability.situation loads them)."""

    __tablename__ = "out_of_service"
    __table_args__ = (
        sa.CheckConstraint("units > 0", name="out_of_service_units_positive"),
        sa.CheckConstraint("ends_at > starts_at", name="out_of_service_ends_after_start"),
        sa.Index("ix_out_of_service_time", "resource_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id", ondelete="CASCADE"))
    units: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    loan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("equipment_loan.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    resource: Mapped[Resource] = relationship()

    # As the booking rules read a span of time that units are taken (rules.occupancy).
    @property
    def busy_from(self) -> datetime:
        return self.starts_at

    @property
    def busy_until(self) -> datetime:
        return self.ends_at

    @property
    def record_label(self) -> str:
        return self.reason
