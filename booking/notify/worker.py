"""The worker: makes the day's reminders and digests, claims due messages and sends them.

Claiming is one UPDATE of a batch of due rows, stamped with this worker's claim and a lease;
on PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so several workers never take
the same message; on SQLite the claim runs under the database's write lock (and the command
lets one worker run at a time). The SMTP conversation happens with no transaction open. A
message the server refuses for good (5xx) fails at once; other errors are tried again later,
each time waiting twice as long, until OUTBOX_MAX_ATTEMPTS. If a worker dies after the server
took a message but before it was marked sent, the message goes out again once its lease ends:
it carries the same Message-ID both times.
"""

from __future__ import annotations

import json
import secrets
import time as wallclock
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session, selectinload

from .. import accounts
from ..clock import HOUSE_TZ, local, now
from ..database import take_write_lock
from ..extensions import db
from ..labels import STATUS
from ..mail import MailError, Transport, language_of, one_line
from ..models import AuditEvent, Booking, Status, TokenPurpose, User
from . import outbox
from .messages import ALWAYS, TOPIC, Unsendable, compose, in_language, page_link, site_url, subject
from .models import Choice, Kind, NotificationChoice, OutboxMessage, State, Topic

LEASE = timedelta(minutes=10)


@dataclass
class Report:
    """What one pass did."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    held: int = 0
    scheduled: int = 0

    def __iadd__(self, other: Report) -> Report:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def __str__(self) -> str:
        return ", ".join(f"{name} {getattr(self, name)}" for name in self.__dataclass_fields__)


def _session() -> Session:
    return Session(db.engine, expire_on_commit=False)


def _insert(session: Session):
    """INSERT … ON CONFLICT DO NOTHING in the database's own words."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(OutboxMessage)


def choice_of(choices: dict[tuple[int, Topic], Choice], user_id: int, topic: Topic) -> Choice:
    choice = choices.get((user_id, topic), Choice.IMMEDIATELY)
    if choice == Choice.OFF and topic in ALWAYS:
        return Choice.IMMEDIATELY
    return choice


# Reminders and digests

def schedule_reminders(session: Session, at: datetime) -> int:
    """A reminder to the group before each approved booking starts, written once only."""
    window = timedelta(hours=current_app.config["REMINDER_HOURS"])
    bookings = session.scalars(
        sa.select(Booking)
        .where(Booking.status == Status.APPROVED, Booking.bundle_of_id.is_(None),
               Booking.starts_at > at, Booking.starts_at <= at + window)
        .options(selectinload(Booking.items).joinedload(Booking.resource))
    ).all()
    rows = []
    for booking in bookings:
        if booking.decided_at is not None and booking.decided_at > booking.starts_at - window:
            continue  # approved so late that the approval itself is the reminder
        data = json.dumps(outbox.snapshot([booking]), separators=(",", ":"))
        for recipient in outbox.group(session, booking.organisation):
            who = recipient.id if isinstance(recipient, User) else "contact"
            rows.append({
                "kind": Kind.REMINDER, "state": State.PENDING, "payload": data, "created_at": at, "due_at": at,
                "recipient_id": recipient.id if isinstance(recipient, User) else None,
                "address": "" if isinstance(recipient, User) else recipient,
                "dedupe_key": f"reminder:{booking.id}:{booking.starts_at:%Y%m%dT%H%M}:{who}",
                "attempts": 0, "last_error": "",
            })
    if not rows:
        return 0
    written = session.scalars(
        _insert(session).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.id), rows
    ).all()
    return len(written)


def schedule_digests(session: Session, at: datetime) -> int:
    """From DIGEST_HOUR on, one digest a day for each person with messages held for it until that
    hour, and for each manager who chose the digest for new requests. What comes later waits for
    the next day's."""
    hour = current_app.config["DIGEST_HOUR"]
    moment = local(at)
    if moment.hour < hour:
        return 0
    day = moment.date()
    cutoff = datetime.combine(day, time(hour), tzinfo=HOUSE_TZ).astimezone(timezone.utc)
    held = sa.select(OutboxMessage.recipient_id).where(OutboxMessage.state == State.HELD,
                                                       OutboxMessage.created_at < cutoff)
    deciding = sa.select(NotificationChoice.user_id).where(
        NotificationChoice.topic == Topic.REQUESTS, NotificationChoice.choice == Choice.DIGEST)
    people = session.scalars(
        sa.select(User).where(User.active.is_(True),
                              sa.or_(User.id.in_(held),
                                     sa.and_(User.id.in_(deciding), User.role.in_(outbox.MANAGER_ROLES))))
    ).all()
    written = 0
    for person in people:
        held_ids = session.scalars(sa.select(OutboxMessage.id).where(
            OutboxMessage.recipient_id == person.id, OutboxMessage.state == State.HELD,
            OutboxMessage.created_at < cutoff).order_by(OutboxMessage.id)).all()
        payload = {"day": day.isoformat(), "held": held_ids, "until": cutoff.isoformat(),
                   "manager": person.role in outbox.MANAGER_ROLES}
        result = session.execute(
            _insert(session).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.id),
            [{"kind": Kind.DIGEST, "state": State.PENDING, "recipient_id": person.id, "address": "",
              "payload": json.dumps(payload), "dedupe_key": f"digest:{person.id}:{day.isoformat()}",
              "created_at": at, "due_at": at, "attempts": 0, "last_error": ""}],
        ).scalars().all()
        if result and held_ids:
            session.execute(sa.update(OutboxMessage)
                            .where(OutboxMessage.id.in_(held_ids), OutboxMessage.state == State.HELD)
                            .values(state=State.DIGESTED, digest_id=result[0]))
        written += len(result)
    return written


def schedule(at: datetime | None = None) -> int:
    """Write the reminders and digests that are due; running it twice writes nothing twice."""
    at = at or now()
    with _session() as session:
        take_write_lock(session)
        count = schedule_reminders(session, at) + schedule_digests(session, at)
        session.commit()
    return count


# Sending

def claim(session: Session, at: datetime, limit: int) -> tuple[str, list[int]]:
    """Take up to `limit` due messages for this worker; no other worker gets them during the lease."""
    token = secrets.token_hex(8)
    due = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.state == State.PENDING, OutboxMessage.due_at <= at,
               sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    else:
        take_write_lock(session)
    ids = session.scalars(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(claim=token, claimed_until=at + LEASE)
        .returning(OutboxMessage.id)
    ).all()
    session.commit()
    return token, sorted(ids)


def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    return timedelta(seconds=min(config["OUTBOX_RETRY_SECONDS"] * 2 ** (attempts - 1), config["OUTBOX_RETRY_MAX_SECONDS"]))


def _digest_context(session: Session, row: OutboxMessage, language: str) -> dict:
    payload = json.loads(row.payload)
    held = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(payload["held"]))
                           .order_by(OutboxMessage.id)).all()
    with force_locale(language):
        lines = [(subject(m.kind, in_language(json.loads(m.payload), language), language),
                  page_link(m.kind, json.loads(m.payload)))
                 for m in held]
    context = {"lines": lines, "pending": None, "decided": [], "digest_topics": [],
               "link": site_url("requests.mine")}
    if payload.get("manager"):
        until = datetime.fromisoformat(payload["until"])
        context["pending"] = session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.status == Status.PENDING, Booking.bundle_of_id.is_(None), Booking.ends_at > now()))
        events = session.execute(
            sa.select(AuditEvent.to_status, Booking.title)
            .join(Booking, AuditEvent.booking_id == Booking.id)
            .where(AuditEvent.at >= until - timedelta(days=1), AuditEvent.at < until,
                   AuditEvent.to_status != Status.PENDING,
                   Booking.bundle_of_id.is_(None))
            .order_by(AuditEvent.at).limit(50)).all()
        with force_locale(language):
            context["decided"] = [f"{STATUS[status]}: {title}" for status, title in events]
        context["link"] = site_url("manage.queue")
    return context


def _prepare(session: Session, row: OutboxMessage, choices, at: datetime):
    """The message for a row, or (state, reason) when it is not to be sent now."""
    user = row.recipient
    if user is not None and not user.active:
        return State.SKIPPED, "the account is inactive"
    address = (user.email if user is not None else row.address or "").strip()
    if not address:
        return State.SKIPPED, "no e-mail address"
    topic = TOPIC[row.kind]
    if user is not None and topic is not None:
        choice = choice_of(choices, user.id, topic)
        if choice == Choice.OFF:
            return State.SKIPPED, "switched off by the recipient"
        if choice == Choice.DIGEST:
            return State.HELD, ""
    language = language_of(user) if user is not None else current_app.config["BABEL_DEFAULT_LOCALE"]
    extra = None
    if row.kind == Kind.REMINDER:
        payload = json.loads(row.payload)
        booking = session.get(Booking, payload["booking"])
        if booking is None or booking.status != Status.APPROVED or booking.starts_at.isoformat() != payload["dates"][0][1]:
            return State.SKIPPED, "the booking has changed since"
    elif row.kind in (Kind.INVITATION, Kind.RESET):
        invitation = row.kind == Kind.INVITATION
        if invitation and not accounts.awaiting_invitation(user):
            return State.SKIPPED, "the account has its password already"
        config = current_app.config
        lifetime = timedelta(days=config["INVITATION_DAYS"]) if invitation else timedelta(hours=config["RESET_HOURS"])
        take_write_lock(session)
        token, record = accounts.issue(session, user, TokenPurpose.INVITATION if invitation else TokenPurpose.RESET,
                                       at=at, lifetime=lifetime)
        session.commit()  # the link works from now on; only its hash is stored
        extra = {"user": user, "expires_at": record.expires_at,
                 "link": site_url("account.choose_password", token=token)}
    elif row.kind == Kind.DIGEST:
        extra = _digest_context(session, row, language)
    try:
        return compose(row, address, language, extra=extra)
    except Unsendable as error:
        return State.FAILED, str(error)


# Outcomes are written together, a few at a time: one commit per message would make the
# database, not the mail server, the bottleneck. A crash loses at most these few outcomes, and
# those messages go out again after their lease (with the same Message-ID).
FINISH_EVERY = 20


class Outcomes:
    """What happened to each claimed message, written to the database in small groups."""

    def __init__(self, session: Session, claim_token: str):
        self.session, self.claim_token, self.waiting = session, claim_token, []

    def add(self, row_id: int, **values) -> None:
        self.waiting.append((row_id, values))
        if len(self.waiting) >= FINISH_EVERY:
            self.write()

    def write(self) -> None:
        if not self.waiting:
            return
        take_write_lock(self.session)
        for row_id, values in self.waiting:
            self.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.claim == self.claim_token)
                .values(claim=None, claimed_until=None, **values)
            )
        self.session.commit()
        self.waiting = []


def send_batch(transport: Transport, at: datetime, limit: int) -> tuple[Report, int]:
    """Claim and send one batch; returns what happened and how many were claimed."""
    report = Report()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    with _session() as session:
        token, ids = claim(session, at, limit)
        if not ids:
            return report, 0
        rows = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids))
            .options(selectinload(OutboxMessage.recipient).joinedload(User.organisation))
            .order_by(OutboxMessage.id)
        ).all()
        users = {r.recipient_id for r in rows if r.recipient_id is not None}
        choices = {(c.user_id, c.topic): c.choice for c in session.scalars(
            sa.select(NotificationChoice).where(NotificationChoice.user_id.in_(users)))}
        session.expunge_all()  # kept as read, whatever happens to the session's transactions
        session.rollback()  # no transaction stays open while the mail server talks
        outcomes = Outcomes(session, token)
        for row in rows:
            try:
                prepared = _prepare(session, row, choices, at)
            except Exception as error:  # a message that cannot be made must not stop the others
                current_app.logger.exception("Could not make outbox message %s", row.id)
                prepared = State.FAILED, one_line(f"{type(error).__name__}: {error}")[:500]
            session.rollback()
            if isinstance(prepared, tuple):
                state, reason = prepared
                outcomes.add(row.id, state=state, last_error=reason)
                report.skipped += state == State.SKIPPED
                report.held += state == State.HELD
                report.failed += state == State.FAILED
                continue
            try:
                transport.send(prepared)
            except MailError as error:
                attempts = row.attempts + 1
                if error.permanent or attempts >= max_attempts:
                    outcomes.add(row.id, state=State.FAILED, attempts=attempts, last_error=str(error))
                    report.failed += 1
                else:
                    outcomes.add(row.id, attempts=attempts, last_error=str(error), due_at=now() + _backoff(attempts))
                    report.retrying += 1
                continue
            outcomes.add(row.id, state=State.SENT, attempts=row.attempts + 1, sent_at=now(), last_error="")
            report.sent += 1
        outcomes.write()
    return report, len(ids)


def send_due(at: datetime | None = None, limit: int | None = None) -> Report:
    """Write what is scheduled, then send everything that is due now: `flask outbox send`."""
    at = at or now()
    limit = limit or current_app.config["OUTBOX_BATCH"]
    report = Report(scheduled=schedule(at))
    with Transport() as transport:
        while True:
            done, claimed = send_batch(transport, at, limit)
            report += done
            if claimed < limit:
                return report


def run(poll_seconds: float, stop=lambda: False, log=print) -> None:
    """Send what is due every few seconds until stopped: `flask outbox run`."""
    while not stop():
        try:
            report = send_due()
        except Exception:  # a database hiccup must not end the worker; it tries again
            current_app.logger.exception("The outbox pass failed; trying again")
        else:
            if report.sent or report.failed or report.retrying or report.skipped:
                log(str(report))
        wallclock.sleep(poll_seconds)


def retry(session: Session, message: OutboxMessage, at: datetime) -> None:
    """A manager sends a failed message again: it is due now, with a fresh count of attempts."""
    message.state = State.PENDING
    message.attempts = 0
    message.due_at = at
    message.claim = None
    message.claimed_until = None
    session.flush()



