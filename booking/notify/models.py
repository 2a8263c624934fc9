"""The outbox's rows, each person's choices about messages, and when they last looked."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import db
from ..models import StrEnum, User, UTCDateTime, _enum


class Kind(StrEnum):
    """What a message is about; the preferences are chosen per `Topic`."""

    SUBMITTED = "submitted"  # a new request → managers
    SERIES_SUBMITTED = "series_submitted"
    APPROVED = "approved"  # → the group
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    CHANGED = "changed"
    CLOSURE = "closure"  # a closure over the group's approved bookings
    REMINDER = "reminder"
    DIGEST = "digest"
    INVITATION = "invitation"
    RESET = "reset"
    OFFERED = "offered"  # the house offers another slot instead of the one asked for → the group
    MOVED = "moved"  # the house changed the time, room or equipment of a booking → the group


class Topic(StrEnum):
    """What a person chooses about: new requests, decisions, closures, reminders."""

    REQUESTS = "requests"
    DECISIONS = "decisions"
    CLOSURES = "closures"
    REMINDERS = "reminders"


class Choice(StrEnum):
    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    OFF = "off"


class State(StrEnum):
    PENDING = "pending"  # waits for the worker (or for its next attempt)
    HELD = "held"  # the person reads it in the daily digest
    DIGESTED = "digested"  # went out in a digest
    SENT = "sent"
    FAILED = "failed"  # given up: shown to the managers, who may send it again
    SKIPPED = "skipped"  # not sent on purpose (no address, switched off, no longer true)


class OutboxMessage(db.Model):
    """One message to one person, written in the same transaction as the change it tells of.

    `payload` (JSON) holds what the message says as it was at that moment; the worker renders it
    in the recipient's language when it sends it.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        # What the worker asks for: due messages, oldest first.
        sa.Index("ix_outbox_message_due", "state", "due_at"),
        sa.Index("ix_outbox_message_recipient", "recipient_id", "state"),
        sa.CheckConstraint("attempts >= 0", name="outbox_attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Kind] = mapped_column(_enum(Kind, "outbox_kind"))
    state: Mapped[State] = mapped_column(_enum(State, "outbox_state"), default=State.PENDING)
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # For a group's contact address without an account; else the account's address at sending.
    address: Mapped[str] = mapped_column(sa.String(254), default="")
    payload: Mapped[str] = mapped_column(sa.Text, default="{}")
    # Reminders and digests: written once only, whichever worker gets there first.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    attempts: Mapped[int] = mapped_column(default=0)
    # A worker that claimed the message holds it until then; after that another may try.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id", ondelete="SET NULL"))

    recipient: Mapped[User | None] = relationship(foreign_keys=[recipient_id])


class NotificationChoice(db.Model):
    """A person's choice for one topic; without a row, messages come immediately."""

    __tablename__ = "notification_choice"
    __table_args__ = (sa.UniqueConstraint("user_id", "topic", name="uq_notification_choice_user_topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    topic: Mapped[Topic] = mapped_column(_enum(Topic, "notification_topic"))
    choice: Mapped[Choice] = mapped_column(_enum(Choice, "notification_choice_value"))


class LastVisit(db.Model):
    """When a partner last looked at "My requests": decisions after it are marked new."""

    __tablename__ = "last_visit"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    requests_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
