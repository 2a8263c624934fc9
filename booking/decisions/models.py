"""Counter-offers: another slot the house proposes instead of a request as asked."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import db
from ..models import Booking, Organisation, Resource, Status, StrEnum, User, UTCDateTime, _enum


class OfferState(StrEnum):
    OPEN = "open"  # waits for the group's answer
    ACCEPTED = "accepted"  # the group took it: the request was moved and approved
    DECLINED = "declined"  # the group said no: the request is closed
    EXPIRED = "expired"  # no answer in time: the request is closed
    WITHDRAWN = "withdrawn"  # the house took it back, or decided the request otherwise


class Offer(db.Model):
    """One slot offered for one pending request (its lead booking), answered by the group."""

    __tablename__ = "offer"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="offer_ends_after_start"),
        sa.Index("ix_offer_booking_state", "booking_id", "state"),
        sa.Index("ix_offer_state_expires", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"))
    # The group it is made to (privacy export and erasure find its offers by this).
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[str] = mapped_column(sa.Text, default="")  # the house's reason, for the group
    state: Mapped[OfferState] = mapped_column(_enum(OfferState, "offer_state"), default=OfferState.OPEN)
    made_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship()
    organisation: Mapped[Organisation] = relationship()
    resource: Mapped[Resource] = relationship()
    made_by: Mapped[User | None] = relationship(foreign_keys=[made_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def name(self) -> str:
        """How the record of changes names it: the request's title."""
        return self.booking.title if self.booking is not None else str(self.id)

    def is_open(self, at: datetime) -> bool:
        """Still open for an answer: not answered, not past its time, the request still pending."""
        return self.state == OfferState.OPEN and at < self.expires_at and self.booking.status == Status.PENDING

    def expired(self, at: datetime) -> bool:
        return self.state == OfferState.EXPIRED or (self.state == OfferState.OPEN and at >= self.expires_at)
