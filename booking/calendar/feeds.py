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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

import icalendar
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ..clock import local, today
from ..content import translated
from ..models import Booking, Role, Status, User
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
    """The bookings a feed carries, in time order: one query. `at` is the start of the house's day:
    the window moves once a day."""
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


def house_tag(feed: FeedToken, *, house_version: int, day, language: str, domain: str) -> str:
    """The first half of a feed's entity tag: the house's version and the day (the feed's window
    moves by days), and what else the feed depends on. While it is the same, nothing in the feed
    can have changed, and a poll is answered 304 without reading a booking."""
    raw = repr((house_version, day.isoformat(), feed.id, feed.kind, feed.user.role, feed.user.organisation_id,
                language, domain))
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def fingerprint(feed: FeedToken, bookings: Sequence[Booking], *, name: str, domain: str, language: str) -> str:
    """The feed's entity tag, from everything it is made of: a calendar program's poll of an
    unchanged feed is answered 304 without building the file."""
    digest = hashlib.sha256(repr((feed.id, feed.kind, feed.user.role, feed.user.organisation_id, name, domain,
                                  language)).encode())
    for b in bookings:
        digest.update(repr(_event_key(feed, b, domain, language)).encode())
    return digest.hexdigest()[:32]


def _event_key(feed: FeedToken, b: Booking, domain: str, language: str) -> tuple:
    return (domain, language, detailed(feed, b), b.id, b.revision, b.updated_at, b.status, b.title,
            b.organisation.name, translated(b.resource, "name", language), b.starts_at, b.ends_at)


# Built events by what they are made of: icalendar takes about a millisecond an event, and
# calendar programs poll often, mostly for events that have not changed.
_EVENTS: OrderedDict[tuple, bytes] = OrderedDict()
_EVENTS_KEPT = 20_000
_ZONES: dict[tuple[int, int], icalendar.Timezone] = {}


def _event(feed: FeedToken, b: Booking, *, domain: str, language: str, busy_word: str,
           describe: Callable[[Booking], str]) -> bytes:
    key = _event_key(feed, b, domain, language)
    found = _EVENTS.get(key)
    if found is not None:
        _EVENTS.move_to_end(key)
        return found
    event = icalendar.Event()
    event.add("uid", f"booking-{b.id}@{domain}")
    event.add("sequence", b.revision or 0)
    event.add("dtstamp", b.updated_at)
    event.add("last-modified", b.updated_at)
    event.add("dtstart", local(b.starts_at))
    event.add("dtend", local(b.ends_at))
    if detailed(feed, b):
        event.add("summary", f"{b.title} · {b.organisation.name}")
        event.add("location", translated(b.resource, "name", language))
        event.add("description", describe(b))
        event.add("status", STATUS[b.status])
    else:
        event.add("summary", busy_word)
        event.add("location", translated(b.resource, "name", language))
        event.add("status", "CONFIRMED")
        event.add("class", "PRIVATE")
    event.add("transp", "TRANSPARENT" if b.status in (Status.CANCELLED, Status.REJECTED) else "OPAQUE")
    found = event.to_ical()
    _EVENTS[key] = found
    if len(_EVENTS) > _EVENTS_KEPT:
        _EVENTS.popitem(last=False)
    return found


def _zone(first: int, last: int) -> icalendar.Timezone:
    """Europe/Berlin's VTIMEZONE with the changes of the clocks from `first` to `last` (years)."""
    if (first, last) not in _ZONES:
        _ZONES[(first, last)] = icalendar.Timezone.from_tzid("Europe/Berlin", first_date=date(first, 1, 1),
                                                             last_date=date(last, 12, 31))
    return _ZONES[(first, last)]


def calendar(feed: FeedToken, bookings: Sequence[Booking], *, name: str, domain: str, language: str,
             busy_word: str, describe: Callable[[Booking], str]) -> bytes:
    """The feed as an iCalendar file: one VEVENT per booking (a series' dates each on their own),
    times in Europe/Berlin with its VTIMEZONE."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Treffpunkt//Belegung//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Berlin")
    years = [local(b.starts_at).year for b in bookings] or [today().year]
    cal.add_component(_zone(min(years), max(years) + 1))
    frame = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert frame.endswith(end)
    events = b"".join(_event(feed, b, domain=domain, language=language, busy_word=busy_word, describe=describe)
                      for b in bookings)
    return frame[: -len(end)] + events + end


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
