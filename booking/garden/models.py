"""A garden season and the groups' applications for its plots."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import db
from ..models import Booking, Organisation, Resource, StrEnum, User, UTCDateTime, _enum


class ApplicationStatus(StrEnum):
    WAITING = "waiting"  # applied; after the window, on the waiting list in order of application
    OFFERED = "offered"  # a plot given back is offered: the group has until offer_until to accept
    ALLOCATED = "allocated"  # holds a plot for the season (an approved booking)
    DECLINED = "declined"  # said no to an offer
    LAPSED = "lapsed"  # let an offer run out
    GIVEN_BACK = "given_back"  # gave its plot back during the season


class GardenSeason(db.Model):
    """A season of the garden plots (e.g. 1 March – 31 October) and when groups may apply."""

    __tablename__ = "garden_season"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="season_in_order"),
        sa.CheckConstraint("apply_until >= apply_from", name="window_in_order"),
        sa.CheckConstraint("offer_days BETWEEN 1 AND 60", name="offer_days_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()  # the last day of the season
    apply_from: Mapped[date] = mapped_column()
    apply_until: Mapped[date] = mapped_column()  # the last day to apply
    offer_days: Mapped[int] = mapped_column(default=7)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    applications: Mapped[list[GardenApplication]] = relationship(
        back_populates="season", order_by=lambda: (GardenApplication.created_at, GardenApplication.id))

    def window_open(self, day: date) -> bool:
        return self.apply_from <= day <= self.apply_until

    def window_closed(self, day: date) -> bool:
        return day > self.apply_until

    def __repr__(self) -> str:
        return f"<GardenSeason {self.name!r}>"


class GardenApplication(db.Model):
    """A group's application for a plot of a season, or for any plot; at most one per group."""

    __tablename__ = "garden_application"
    __table_args__ = (
        sa.UniqueConstraint("season_id", "organisation_id", name="one_application_per_group"),
        sa.Index("ix_garden_application_order", "season_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(sa.ForeignKey("garden_season.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    applied_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    wish_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resource.id"))  # None: any plot
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ApplicationStatus] = mapped_column(_enum(ApplicationStatus, "application_status"),
                                                      default=ApplicationStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    plot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resource.id"))  # offered or allocated
    offer_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id"))

    season: Mapped[GardenSeason] = relationship(back_populates="applications")
    organisation: Mapped[Organisation] = relationship()
    applied_by: Mapped[User] = relationship()
    wish: Mapped[Resource | None] = relationship(foreign_keys=[wish_id])
    plot: Mapped[Resource | None] = relationship(foreign_keys=[plot_id])
    booking: Mapped[Booking | None] = relationship()

    @property
    def name(self) -> str:
        """How the record of changes names it."""
        return f"{self.organisation.name if self.organisation else self.organisation_id}: " \
               f"{self.season.name if self.season else self.season_id}"

    def __repr__(self) -> str:
        return f"<GardenApplication {self.id} {self.status}>"
