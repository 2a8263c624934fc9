"""The house's data: organisations, people, resources, bookings and their history."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, time, timedelta, timezone

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


class Attendance(StrEnum):
    """What the front desk saw of an approved booking on its day."""

    ARRIVED = "arrived"  # checked in, at arrived_at
    NO_SHOW = "no_show"  # nobody came
    RELEASED = "released"  # nobody came, and the desk gave the slot free for others


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Quotas (None: none). Hours booked per calendar month, per kind of resource, and requests
    # waiting for a decision at once. They hold for the group's own requests, not the manager's.
    quota_room_hours: Mapped[int | None] = mapped_column()
    quota_plot_hours: Mapped[int | None] = mapped_column()
    quota_equipment_hours: Mapped[int | None] = mapped_column()
    quota_open_requests: Mapped[int | None] = mapped_column()

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
    # Part of the login cookie: raising it ends every session of this account.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    # The resources whose requests this account decides, besides the house's managers.
    approves: Mapped[list[Resource]] = relationship(secondary="resource_approver", back_populates="approvers")

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

    def get_id(self) -> str:
        """What the session cookie holds: the account and its session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Log this account out everywhere; the caller logs the current session in again if it stays."""
        self.session_version += 1

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email!r} {self.role}>"


# E-mail addresses are unique whatever their case.
sa.Index("ix_user_account_email_lower", sa.func.lower(User.email), unique=True)


# Accounts that decide one resource's requests besides the house's managers (the garden group's
# coordinator for the plots, the kitchen team for the teaching kitchen).
resource_approver = sa.Table(
    "resource_approver",
    db.Model.metadata,
    sa.Column("resource_id", sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_resource_approver_user", "user_id"),
)


# The longest a room or equipment is booked (25 hours on the day the clocks go back); a booking
# longer than this is "multi_day" (a garden plot's season).
LONGEST_DAY = timedelta(hours=25)

# Set-up and clean-up buffers are at most this long (minutes) each.
LONGEST_BUFFER = 240


class Resource(db.Model):
    __tablename__ = "resource"
    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(f"setup_minutes BETWEEN 0 AND {LONGEST_BUFFER}", name="setup_in_range"),
        sa.CheckConstraint(f"cleanup_minutes BETWEEN 0 AND {LONGEST_BUFFER}", name="cleanup_in_range"),
        sa.CheckConstraint("max_hours IS NULL OR max_hours > 0", name="max_hours_positive"),
        sa.CheckConstraint("release_after_minutes IS NULL OR release_after_minutes > 0",
                           name="release_after_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ResourceKind] = mapped_column(_enum(ResourceKind, "resource_kind"))
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    capacity: Mapped[int | None] = mapped_column()  # people, for rooms
    quantity: Mapped[int] = mapped_column(default=1)  # units, for equipment
    active: Mapped[bool] = mapped_column(default=True)
    # Time the resource needs before and after each booking (the Lehrküche's clean-up).
    setup_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    cleanup_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    # The longest booking a partner group may request; None: no limit beyond the house's.
    max_hours: Mapped[int | None] = mapped_column()
    # Name, description and location in other languages: {"uk": {"name": "…"}}; German is in the columns.
    translations: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # The front desk may release a booking nobody checked in for this many minutes after its
    # start (the slot goes free for a walk-in); None: never.
    release_after_minutes: Mapped[int | None] = mapped_column()

    approvers: Mapped[list[User]] = relationship(secondary=resource_approver, order_by="User.name",
                                                 back_populates="approves")

    @property
    def exclusive(self) -> bool:
        """Rooms and plots go to one group at a time; equipment is shared out by units."""
        return self.kind != ResourceKind.EQUIPMENT

    @property
    def whole_days(self) -> bool:
        """Garden plots are allocated by whole days."""
        return self.kind == ResourceKind.PLOT

    def busy_span(self, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
        """The time a booking keeps this resource from others: the booking and its buffers."""
        return (starts_at - timedelta(minutes=self.setup_minutes or 0),
                ends_at + timedelta(minutes=self.cleanup_minutes or 0))

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
        sa.CheckConstraint("busy_from <= starts_at AND busy_until >= ends_at", name="busy_covers_booking"),
        # The conflict check: bookings of one resource by the time they keep it busy.
        sa.Index("ix_booking_resource_busy", "resource_id", "busy_from", "busy_until"),
        # The parts of a bundle, the dates of a series.
        sa.Index("ix_booking_bundle", "bundle_of_id"),
        sa.Index("ix_booking_series_time", "series_id", "starts_at"),
        # The board for a day and the manager's queue: by status and time.
        sa.Index("ix_booking_status_time", "status", "starts_at"),
        # "Meine Anfragen": one organisation's requests by time.
        sa.Index("ix_booking_organisation_time", "organisation_id", "starts_at"),
        # Bookings longer than a day (a plot's season), found by their end: the board and the
        # week views find the short ones by their start, within a day of the shown days.
        sa.Index("ix_booking_long_end", "status", "ends_at",
                 sqlite_where=sa.text("multi_day = 1"), postgresql_where=sa.text("multi_day")),
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
    # [busy_from, busy_until) is the booking with the resource's set-up and clean-up buffers,
    # fixed when the request is made. No two approved exclusive bookings' busy spans overlap
    # (on PostgreSQL an exclusion constraint holds this as well).
    busy_from: Mapped[datetime] = mapped_column(UTCDateTime)
    busy_until: Mapped[datetime] = mapped_column(UTCDateTime)
    exclusive: Mapped[bool] = mapped_column(default=True)
    # Longer than LONGEST_DAY: set with the times, so the overlap queries can bound the rest.
    multi_day: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # An equipment item requested together with a room: decided with it, all or nothing.
    bundle_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id"))
    # One date of a series (the weekly course): decided with the series or on its own.
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("series.id"))
    # Why a manager let this request past a partner rule (notice, horizon, length).
    override_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[Status] = mapped_column(_enum(Status, "booking_status"), default=Status.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    # Raised on every change (booking/calendar/models.py): the SEQUENCE of its calendar event.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # The front desk's check-in on the day (None: not yet recorded).
    attendance: Mapped[Attendance | None] = mapped_column(_enum(Attendance, "attendance"))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What it is for (booking/reports/models.py); None for bookings made before purposes existed.
    purpose_id: Mapped[int | None] = mapped_column(sa.ForeignKey("purpose.id"))

    resource: Mapped[Resource] = relationship()
    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    bundle_of: Mapped[Booking | None] = relationship(remote_side=[id], back_populates="items")
    series: Mapped[Series | None] = relationship(back_populates="bookings")
    items: Mapped[list[Booking]] = relationship(back_populates="bundle_of", order_by="Booking.id")
    purpose: Mapped[Purpose | None] = relationship("Purpose")

    @property
    def parts(self) -> list[Booking]:
        """The booking and the items bundled with it."""
        return [self, *self.items]

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Half-open intervals: [10:00, 12:00) and [12:00, 14:00) do not overlap."""
        return self.starts_at < ends_at and starts_at < self.ends_at

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.resource_id} {self.starts_at:%Y-%m-%d %H:%M} {self.status}>"


class Series(db.Model):
    """A repeating request: the pattern it was made from. Each date is a Booking of its own."""

    __tablename__ = "series"
    __table_args__ = (
        sa.CheckConstraint("every BETWEEN 1 AND 4", name="every_in_range"),
        sa.CheckConstraint("ordinal IS NULL OR ordinal IN (-1, 1, 2, 3, 4)", name="ordinal_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resource.id"))
    title: Mapped[str] = mapped_column(sa.String(120))
    weekdays: Mapped[str] = mapped_column(sa.String(13))  # "1,3": Tuesday and Thursday
    every: Mapped[int] = mapped_column(default=1)  # weeks
    ordinal: Mapped[int | None] = mapped_column()  # monthly: 1-4, or -1 for the last
    first_day: Mapped[date] = mapped_column()
    until: Mapped[date | None] = mapped_column()
    count: Mapped[int | None] = mapped_column()
    start: Mapped[time] = mapped_column()  # local wall-clock time
    end: Mapped[time] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User] = relationship()
    resource: Mapped[Resource] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="series", order_by="Booking.starts_at")

    @property
    def weekday_numbers(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.weekdays.split(",") if d)


@sa.event.listens_for(Booking, "before_insert")
def _fix_busy_span(mapper, connection, booking: Booking) -> None:
    """A new booking keeps its resource busy for the booking and the buffers in force now."""
    if booking.busy_from is None or booking.busy_until is None:
        booking.busy_from, booking.busy_until = booking.resource.busy_span(booking.starts_at, booking.ends_at)
    booking.exclusive = booking.resource.exclusive
    booking.multi_day = booking.ends_at - booking.starts_at > LONGEST_DAY


@sa.event.listens_for(Booking, "before_update")
def _move_busy_span(mapper, connection, booking: Booking) -> None:
    """A booking moved to another time keeps its resource busy around the new time."""
    state = sa.inspect(booking)
    if state.attrs.starts_at.history.has_changes() or state.attrs.ends_at.history.has_changes():
        booking.busy_from, booking.busy_until = booking.resource.busy_span(booking.starts_at, booking.ends_at)
        booking.multi_day = booking.ends_at - booking.starts_at > LONGEST_DAY


class OpeningHours(db.Model):
    """When bookings may take place on a weekday: house-wide, or overriding it for one resource.

    Minutes after local midnight; 1440 is midnight at the end of the day. A weekday without a
    house-wide row is closed; a resource row with no times closes that resource on that day.
    """

    __tablename__ = "opening_hours"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_in_range"),
        sa.CheckConstraint(
            "(opens IS NULL AND closes IS NULL) OR (opens >= 0 AND opens < closes AND closes <= 1440)",
            name="opens_before_closes",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resource.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column()  # 0 = Monday
    opens: Mapped[int | None] = mapped_column()
    closes: Mapped[int | None] = mapped_column()

    resource: Mapped[Resource | None] = relationship()


# One row per weekday for the house, and one per weekday and resource.
sa.Index(
    "ix_opening_hours_unique",
    sa.func.coalesce(OpeningHours.resource_id, 0),
    OpeningHours.weekday,
    unique=True,
)


class Closure(db.Model):
    """The whole house (resource None) or one resource is closed for [starts_at, ends_at).

    Garden plots are outdoors and booked for seasons: only their own closures apply to them.
    """

    __tablename__ = "closure"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="closure_ends_after_start"),
        sa.Index("ix_closure_time", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resource.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(200))
    # The reason in other languages: {"ar": {"reason": "…"}}; German is in `reason`.
    translations: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    resource: Mapped[Resource | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def applies_to(self, resource: Resource) -> bool:
        """A resource's own closure, or the house's: the house closing leaves the garden open."""
        if self.resource_id is not None:
            return self.resource_id == resource.id
        return not resource.whole_days

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.starts_at < ends_at and starts_at < self.ends_at


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


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    RESET = "reset"


class AccountToken(db.Model):
    """A single-use link sent by e-mail: only its SHA-256 is stored, never the token itself."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ChangeRecord(db.Model):
    """One change to an account, a resource, an organisation or a closure: who, when, what."""

    __tablename__ = "change_record"
    __table_args__ = (
        # The record filtered by who made the changes, or by what was changed, newest first.
        sa.Index("ix_change_record_actor_at", "actor_id", "at"),
        sa.Index("ix_change_record_subject_at", "subject", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(sa.String(20))  # user, resource, organisation, closure
    subject_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(20))  # created, changed, deleted
    label: Mapped[str] = mapped_column(sa.String(254))  # the name it had, readable after a deletion
    changes: Mapped[str] = mapped_column(sa.Text, default="")  # one "field: old → new" per line

    actor: Mapped[User | None] = relationship()
from .sessions import models as _sessions_models  # noqa: E402,F401  (login sessions, sent forms)
from .notify import models as _notify_models  # noqa: E402,F401  (the outbox's tables)
from .freshness import HouseVersion  # noqa: E402,F401  (the house's change counter)
from .lobby.models import LobbyName, LobbyScreen  # noqa: E402,F401

from .calendar import models as _calendar_models  # noqa: E402,F401  (calendar feeds)
from .reports import models as _reports_models  # noqa: E402,F401  (purposes of bookings)
from .privacy import models as _privacy_models  # noqa: E402,F401  (the latest login per account)
from .decisions import models as _decisions_models  # noqa: E402,F401  (counter-offers)
from .desk import models as _desk_models  # noqa: E402,F401  (walk-ins, keys, lent equipment)
from .garden import models as _garden_models  # noqa: E402,F401  (garden seasons and applications)
