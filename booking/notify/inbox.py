"""In the app: the managers' count of pending requests, and what a partner has not seen yet."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Booking, Status, User
from .models import LastVisit, OutboxMessage, State


def pending_requests(session: Session, at: datetime) -> int:
    """Requests still to decide: a single request, or a series with pending dates, counts once."""
    singles = sa.select(sa.func.count()).select_from(Booking).where(
        Booking.status == Status.PENDING, Booking.ends_at > at,
        Booking.bundle_of_id.is_(None), Booking.series_id.is_(None))
    series = sa.select(sa.func.count(sa.distinct(Booking.series_id))).where(
        Booking.status == Status.PENDING, Booking.ends_at > at, Booking.series_id.is_not(None))
    return session.scalar(singles) + session.scalar(series)


def undelivered(session: Session) -> int:
    """Messages given up on, for the managers to look at."""
    return session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.state == State.FAILED))


def decided_since_last_visit(session: Session, user: User, at: datetime) -> set[int]:
    """The group's requests decided by someone else since this person last looked; the visit
    is noted (flush only). On the first visit nothing counts as new."""
    visit = session.get(LastVisit, user.id)
    news: set[int] = set()
    if visit is not None:
        news = set(session.scalars(sa.select(Booking.id).where(
            Booking.organisation_id == user.organisation_id,
            Booking.bundle_of_id.is_(None),
            Booking.decided_at > visit.requests_seen_at,
            Booking.decided_by_id != user.id,
            Booking.status.in_([Status.APPROVED, Status.REJECTED, Status.CANCELLED]),
        )))
        visit.requests_seen_at = at
    else:
        session.add(LastVisit(user_id=user.id, requests_seen_at=at))
    session.flush()
    return news
