"""Calendar feeds: one secret address per account and feed, stored only as its SHA-256."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import db
from ..models import Booking, Organisation, Resource, StrEnum, User, UTCDateTime, _enum


class FeedKind(StrEnum):
    ORGANISATION = "organisation"  # one group's bookings, with their status
    RESOURCE = "resource"  # one resource's approved bookings (busy only for partner groups)
    PENDING = "pending"  # every request waiting for the house's decision


class FeedToken(db.Model):
    """A calendar feed's address, made by one account; revoked feeds answer 404."""

    __tablename__ = "feed_token"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'organisation' AND organisation_id IS NOT NULL AND resource_id IS NULL)"
            " OR (kind = 'resource' AND resource_id IS NOT NULL AND organisation_id IS NULL)"
            " OR (kind = 'pending' AND organisation_id IS NULL AND resource_id IS NULL)",
            name="feed_target_fits_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    kind: Mapped[FeedKind] = mapped_column(_enum(FeedKind, "feed_kind"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resource.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    resource: Mapped[Resource | None] = relationship()


@sa.event.listens_for(Booking, "before_update")
def _count_revision(mapper, connection, booking: Booking) -> None:
    """Every change of a booking raises its revision: a calendar's SEQUENCE for that event."""
    session = sa.orm.object_session(booking)
    if session is not None and session.is_modified(booking, include_collections=False):
        booking.revision = (booking.revision or 0) + 1
