"""iCalendar feeds (RFC 5545): secret addresses and the events behind them.

No request, no templates. A feed's token (192 random bits) is shown once; only its SHA-256 is
stored and looked up, and compared once more in constant time. The addresses never reach a log:
`RedactFeedTokens` rewrites them in the server's access-log lines.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import icalendar
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ..clock import HOUSE_TZ, local
from ..models import Booking, Resource, Role, Status, User
from ..policy import MANAGERS, STAFF
from .models import FeedKind, FeedToken

# How far back a feed reaches: calendars keep what they once received.
HISTORY = timedelta(days=90)
FEED_PATH = re.compile(r"(/calendar/feed/)[A-Za-z0-9_-]+")
STATUS = {Status.APPROVED: "CONFIRMED", Status.PENDING: "TENTATIVE",
          Status.CANCELLED: "CANCELLED", Status.REJECTED: "CANCELLED"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, user: User, kind: FeedKind, *, organisation_id: int | None = None,
          resource_id: int | None = None, at: datetime) -> tuple[FeedToken, str]:
    """A new address for this feed; the account's earlier address for the same feed stops working."""
    for old in session.scalars(sa.select(FeedToken).where(
            FeedToken.user_id == user.id, FeedToken.kind == kind, FeedToken.revoked_at.is_(None),
            FeedToken.organisation_id.is_(None) if organisation_id is None else FeedToken.organisation_id == organisation_id,
            FeedToken.resource_id.is_(None) if resource_id is None else FeedToken.resource_id == resource_id)):
        old.revoked_at = at
    token = secrets.token_urlsafe(24)
    feed = FeedToken(user_id=user.id, kind=kind, organisation_id=organisation_id, resource_id=resource_id,
                     token_hash=hash_token(token), created_at=at)
    session.add(feed)
    session.flush()
    return feed, token


def may_have(user: User, feed: FeedToken) -> bool:
    """Whether the feed's account may (still) read it: a feed outlives no change of role or group."""
    if not user.active:
        return False
    if feed.kind == FeedKind.PENDING:
        return user.role in MANAGERS
    if feed.kind == FeedKind.ORGANISATION:
        return user.role in MANAGERS or (user.role == Role.PARTNER and user.organisation_id == feed.organisation_id)
    return feed.resource is not None and feed.resource.active


def find(session: Session, token: str) -> FeedToken | None:
    """The live feed for a token from a URL, or None (unknown, revoked, or no longer allowed)."""
    if not token or len(token) > 64:
        return None
    wanted = hash_token(token)
    feed = session.scalar(sa.select(FeedToken).where(FeedToken.token_hash == wanted)
                          .options(joinedload(FeedToken.user), joinedload(FeedToken.resource)))
    if feed is None or not hmac.compare_digest(feed.token_hash, wanted) or feed.revoked_at is not None:
        return None
    return feed if may_have(feed.user, feed) else None


def bookings_for(session: Session, feed: FeedToken, at: datetime) -> Sequence[Booking]:
    """The bookings a feed carries, in time order: one query."""
    query = (sa.select(Booking).options(joinedload(Booking.resource), joinedload(Booking.organisation))
             .where(Booking.ends_at > at - HISTORY).order_by(Booking.starts_at, Booking.id))
    if feed.kind == FeedKind.ORGANISATION:
        query = query.where(Booking.organisation_id == feed.organisation_id)
    elif feed.kind == FeedKind.RESOURCE:
        query = query.where(Booking.resource_id == feed.resource_id, Booking.status == Status.APPROVED)
    else:
        query = query.where(Booking.status == Status.PENDING, Booking.ends_at > at)
    return session.scalars(query).all()


def detailed(feed: FeedToken, booking: Booking) -> bool:
    """A partner group's feed of a resource shows only that it is busy, unless it is the group's own."""
    user = feed.user
    return user.role in STAFF or booking.organisation_id == user.organisation_id


def calendar(feed: FeedToken, bookings: Sequence[Booking], *, name: str, domain: str,
             busy_word: str, describe: Callable[[Booking], str]) -> bytes:
    """The feed as an iCalendar file: one VEVENT per booking (a series' dates each on their own)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Treffpunkt//Belegung//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Berlin")
    for b in bookings:
        event = icalendar.Event()
        event.add("uid", f"booking-{b.id}@{domain}")
        event.add("sequence", b.revision or 0)
        event.add("dtstamp", b.updated_at)
        event.add("last-modified", b.updated_at)
        event.add("dtstart", local(b.starts_at).astimezone(HOUSE_TZ))
        event.add("dtend", local(b.ends_at).astimezone(HOUSE_TZ))
        if detailed(feed, b):
            event.add("summary", f"{b.title} · {b.organisation.name}")
            event.add("location", b.resource.name)
            event.add("description", describe(b))
            event.add("status", STATUS[b.status])
        else:
            event.add("summary", busy_word)
            event.add("location", b.resource.name)
            event.add("status", "CONFIRMED")
            event.add("class", "PRIVATE")
        event.add("transp", "TRANSPARENT" if b.status in (Status.CANCELLED, Status.REJECTED) else "OPAQUE")
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def etag(body: bytes) -> str:
    """The feed's entity tag: a digest of what it says (so unchanged bookings answer 304)."""
    return hashlib.sha256(body).hexdigest()[:32]


class RedactFeedTokens(logging.Filter):
    """Take feed tokens out of log lines (werkzeug's and gunicorn's access logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is left to the handler
            return True
        if "/calendar/feed/" in message:
            record.msg = FEED_PATH.sub(r"\1[token]", message)
            record.args = None
        return True


def install_log_filter() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())
