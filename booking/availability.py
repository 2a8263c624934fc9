"""Is a resource free for [start, end)? Conflicts of one request, or of a whole page of them.

Plain functions over the session: no request, no templates. Intervals are half-open,
so a booking that ends at 12:00 and one that starts at 12:00 do not clash.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from .models import Booking, Resource, ResourceKind, Status


# No booking is longer than this (workflow.request_problems refuses longer ones). Queries use it
# as a lower bound on the start, so the time indexes scan a short range instead of all history.
LONGEST_BOOKING = timedelta(hours=25)


def overlapping(starts_at: datetime, ends_at: datetime):
    """SQL condition: the booking overlaps [starts_at, ends_at) (half-open)."""
    return sa.and_(
        Booking.starts_at < ends_at,
        Booking.ends_at > starts_at,
        Booking.starts_at > starts_at - LONGEST_BOOKING,
    )


@dataclass
class SlotReport:
    """What stands in the way of one request for [starts_at, ends_at)."""

    approved: list[Booking] = field(default_factory=list)  # approved bookings that overlap
    pending: list[Booking] = field(default_factory=list)  # other pending requests that overlap
    units_free: int | None = None  # equipment: units left at the busiest instant

    @property
    def blocked(self) -> bool:
        """Approving now would break the house's promise to someone else."""
        if self.units_free is not None:
            return self.units_free < 0
        return bool(self.approved)

    @property
    def free(self) -> bool:
        return not self.blocked and not self.pending


def peak_units(bookings: list[Booking], starts_at: datetime, ends_at: datetime) -> int:
    """The most units the bookings hold at any single instant within [starts_at, ends_at)."""
    events: list[tuple[datetime, int]] = []
    for b in bookings:
        if b.overlaps(starts_at, ends_at):
            events.append((max(b.starts_at, starts_at), b.units))
            events.append((min(b.ends_at, ends_at), -b.units))
    # At equal instants releases come first: [10, 12) and [12, 14) never add up.
    events.sort(key=lambda e: (e[0], e[1]))
    peak = held = 0
    for _, delta in events:
        held += delta
        peak = max(peak, held)
    return peak


def _report(
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    units: int,
    candidates: list[Booking],
    exclude_id: int | None,
) -> SlotReport:
    report = SlotReport()
    for other in candidates:
        if other.id == exclude_id or other.resource_id != resource.id:
            continue
        if not other.overlaps(starts_at, ends_at):
            continue
        if other.status == Status.APPROVED:
            report.approved.append(other)
        elif other.status == Status.PENDING:
            report.pending.append(other)
    if resource.kind == ResourceKind.EQUIPMENT:
        held = peak_units(report.approved, starts_at, ends_at)
        report.units_free = resource.quantity - held - units
    return report


def _open_bookings(session: Session, resource_ids, starts_at: datetime, ends_at: datetime):
    """Approved and pending bookings of these resources that overlap [starts_at, ends_at)."""
    return session.scalars(
        sa.select(Booking)
        .where(
            Booking.resource_id.in_(resource_ids),
            Booking.status.in_((Status.APPROVED, Status.PENDING)),
            overlapping(starts_at, ends_at),
        )
        .options(joinedload(Booking.organisation))
        .order_by(Booking.starts_at)
    ).all()


def check_slot(
    session: Session,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    units: int = 1,
    exclude_id: int | None = None,
) -> SlotReport:
    """Report what overlaps one requested slot (one query)."""
    candidates = _open_bookings(session, [resource.id], starts_at, ends_at)
    return _report(resource, starts_at, ends_at, units, list(candidates), exclude_id)


def check_many(session: Session, bookings: list[Booking]) -> dict[int, SlotReport]:
    """Reports for a page of requests at once: one query, whatever the number of rows."""
    if not bookings:
        return {}
    # One time range over the whole page on the page's resources; _report sorts out the overlaps.
    candidates = _open_bookings(
        session,
        {b.resource_id for b in bookings},
        min(b.starts_at for b in bookings),
        max(b.ends_at for b in bookings),
    )
    by_resource: dict[int, list[Booking]] = defaultdict(list)
    for c in candidates:
        by_resource[c.resource_id].append(c)
    return {
        b.id: _report(b.resource, b.starts_at, b.ends_at, b.units, by_resource[b.resource_id], b.id)
        for b in bookings
    }
