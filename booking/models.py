"""The house's data: organisations, people, resources, bookings and their history."""

from __future__ import annotations

import enum
import re
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import now
from .extensions import db


class UTCDateTime(sa.types.TypeDecorator):
    """A UTC instant: timestamptz on PostgreSQL, naive UTC text on SQLite, aware in Python."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a UTC instant")
        value = value.astimezone(timezone.utc)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return self.value


def natural_key(name: str) -> list[tuple[bool, int | str]]:
    """Sort names as people read them: "Beet 2" before "Beet 10"."""
    return [(not part.isdigit(), int(part) if part.isdigit() else part.casefold())
            for part in re.split(r"(\d+)", name)]


class OrganisationKind(StrEnum):
    ASSOCIATION = "association"
    CHURCH = "church"
    UNION = "union"
    MIGRANT_ORGANISATION = "migrant_organisation"
    PUBLIC_BODY = "public_body"
    WELFARE = "welfare"
    EDUCATION = "education"
    INITIATIVE = "initiative"


class Role(StrEnum):
    PARTNER = "partner"
    DESK = "desk"
    MANAGER = "manager"
    ADMIN = "admin"


class ResourceKind(StrEnum):
    ROOM = "room"
    PLOT = "plot"
    EQUIPMENT = "equipment"


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    """Store an enum as its value in a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(
            "role <> 'partner' OR organisation_id IS NOT NULL", name="partner_has_organisation"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(256), default="")
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(
            sa.select(cls).where(sa.func.lower(cls.email) == cls.normalise_email(email))
        )

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"


# E-mail addresses are unique whatever their case.
sa.Index("ix_user_account_email_lower", sa.func.lower(User.email), unique=True)


class Resource(db.Model):
    __tablename__ = "resource"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ResourceKind] = mapped_column(_enum(ResourceKind, "resource_kind"))
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    capacity: Mapped[int | None] = mapped_column()  # people, for rooms
    quantity: Mapped[int] = mapped_column(default=1)  # units, for equipment
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def sort_key(self) -> tuple:
        """Rooms, plots, equipment; within a kind by name in natural order."""
        return (list(ResourceKind).index(self.kind), natural_key(self.name))

    def __repr__(self) -> str:
        return f"<Resource {self.name!r}>"


class Booking(db.Model):
    __tablename__ = "booking"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("attendees IS NULL OR attendees > 0", name="attendees_positive"),
        sa.CheckConstraint("units > 0", name="units_positive"),
        # The board and the conflict check: bookings of one resource by time.
        sa.Index("ix_booking_resource_time", "resource_id", "starts_at", "ends_at"),
        # The board for a day and the manager's queue: by status and time.
        sa.Index("ix_booking_status_time", "status", "starts_at"),
        # "Meine Anfragen": one organisation's requests by time.
        sa.Index("ix_booking_organisation_time", "organisation_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(sa.String(120))
    attendees: Mapped[int | None] = mapped_column()
    units: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[Status] = mapped_column(_enum(Status, "booking_status"), default=Status.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    resource: Mapped[Resource] = relationship()
    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Half-open intervals: [10:00, 12:00) and [12:00, 14:00) do not overlap."""
        return self.starts_at < ends_at and starts_at < self.ends_at

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.resource_id} {self.starts_at:%Y-%m-%d %H:%M} {self.status}>"


class AuditEvent(db.Model):
    """One status change of a booking: who, when, from what to what, and why."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"), index=True)
    from_status: Mapped[Status | None] = mapped_column(_enum(Status, "audit_from_status"))
    to_status: Mapped[Status] = mapped_column(_enum(Status, "audit_to_status"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()
    booking: Mapped[Booking] = relationship()
