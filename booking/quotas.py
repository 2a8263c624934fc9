"""Quotas per partner group: hours a month per kind of resource, and requests open at once.

A group's quotas are optional (empty: none). `load` reads what the group holds already in the
months a request touches (pending and approved bookings, by their hours in each month); the
rules (`rules.quota_reasons`) compare. Both are overridable reasons: a manager who requests on a
group's behalf may go past them with a reason, stored with the booking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .clock import local, to_utc
from .models import Booking, Organisation, Resource, ResourceKind, Status

HELD = (Status.PENDING, Status.APPROVED)
LONGEST_BOOKING = timedelta(days=367)  # a plot's season at most: bounds the scan by start


def monthly_caps(organisation: Organisation) -> dict[ResourceKind, int]:
    caps = {
        ResourceKind.ROOM: organisation.quota_room_hours,
        ResourceKind.PLOT: organisation.quota_plot_hours,
        ResourceKind.EQUIPMENT: organisation.quota_equipment_hours,
    }
    return {kind: cap for kind, cap in caps.items() if cap is not None}


@dataclass(frozen=True)
class Quota:
    """A group's quotas and what it holds already (hours per kind and month, open requests)."""

    hours: dict[ResourceKind, int] = field(default_factory=dict)
    used: dict[tuple[ResourceKind, date], float] = field(default_factory=dict)
    open_requests: int | None = None
    open_now: int = 0

    @property
    def any(self) -> bool:
        return bool(self.hours) or self.open_requests is not None

    def in_month(self, instant: datetime) -> list[tuple[ResourceKind, str, int]]:
        """(kind, hours used, hours allowed) in the month of `instant`, rooms first."""
        month = month_of(instant)
        return [(kind, f"{self.used.get((kind, month), 0):g}", cap)
                for kind, cap in sorted(self.hours.items(), key=lambda item: list(ResourceKind).index(item[0]))]


def month_of(instant: datetime) -> date:
    day = local(instant).date()
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def hours_by_month(starts_at: datetime, ends_at: datetime) -> dict[date, float]:
    """The hours of [starts_at, ends_at) in each house month it touches."""
    result: dict[date, float] = {}
    month = month_of(starts_at)
    while True:
        month_start, month_end = to_utc(month, _midnight()), to_utc(next_month(month), _midnight())
        a, z = max(starts_at, month_start), min(ends_at, month_end)
        if z > a:
            result[month] = (z - a).total_seconds() / 3600
        if month_end >= ends_at:
            return result
        month = next_month(month)


def _midnight() -> time:
    return time(0, 0)


def load(session: Session, organisation: Organisation | None, starts_at: datetime, ends_at: datetime,
         *, at: datetime, exclude: frozenset[int] = frozenset(), lock: bool = False) -> Quota | None:
    """The group's quotas with what it holds in the months of [starts_at, ends_at); None without quotas.

    `lock` (a submission) takes the group's row first, so two requests of one group sent at once
    are counted one after the other (PostgreSQL; SQLite's writes are serialised anyway).
    """
    if organisation is None:
        return None
    caps = monthly_caps(organisation)
    if not caps and organisation.quota_open_requests is None:
        return None
    if lock:
        session.execute(sa.select(Organisation.id).where(Organisation.id == organisation.id).with_for_update())
    used: dict[tuple[ResourceKind, date], float] = {}
    if caps:
        first, last = month_of(starts_at), month_of(ends_at - timedelta(microseconds=1))
        span_from, span_until = to_utc(first, _midnight()), to_utc(next_month(last), _midnight())
        rows = session.execute(
            sa.select(Booking.id, Booking.starts_at, Booking.ends_at, Resource.kind)
            .join(Resource, Resource.id == Booking.resource_id)
            .where(Booking.organisation_id == organisation.id, Booking.status.in_(HELD),
                   Booking.starts_at > span_from - LONGEST_BOOKING, Booking.starts_at < span_until,
                   Booking.ends_at > span_from, Resource.kind.in_(list(caps)))
        ).all()
        for booking_id, b_from, b_until, kind in rows:
            if booking_id in exclude:
                continue
            for month, hours in hours_by_month(max(b_from, span_from), min(b_until, span_until)).items():
                used[(kind, month)] = used.get((kind, month), 0) + hours
    open_now = 0
    if organisation.quota_open_requests is not None:
        # A request with its bundled equipment is one, and so is a series with all its dates.
        pending = (sa.select(sa.func.coalesce(-Booking.series_id, Booking.id).label("request"))
                   .where(Booking.organisation_id == organisation.id, Booking.status == Status.PENDING,
                          Booking.bundle_of_id.is_(None), Booking.starts_at > at - LONGEST_BOOKING,
                          Booking.ends_at > at, Booking.id.not_in(exclude) if exclude else sa.true())
                   .distinct().subquery())
        open_now = session.scalar(sa.select(sa.func.count()).select_from(pending)) or 0
    return Quota(hours=caps, used=used, open_requests=organisation.quota_open_requests, open_now=open_now)


def judge_series(planned, quota: Quota | None, resource: Resource) -> None:
    """Add the quota's reasons to a series' dates, counting the hours of the dates before each
    one that would be sent; the series counts as one open request."""
    from dataclasses import replace

    from .rules import Ask, Part, quota_reasons

    if quota is None:
        return
    used = dict(quota.used)
    for p in planned:
        ask = Ask((Part(resource),), p.occurrence.starts_at, p.occurrence.ends_at)
        reasons = quota_reasons(ask, replace(quota, used=used))
        p.verdict.reasons += reasons
        if p.verdict.ok and resource.kind in quota.hours:
            for month, hours in hours_by_month(ask.starts_at, ask.ends_at).items():
                used[(resource.kind, month)] = used.get((resource.kind, month), 0) + hours
