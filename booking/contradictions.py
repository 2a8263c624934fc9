"""Which approved bookings a manager's change would contradict.

A change to a resource (its quantity, capacity, buffers, being in use) or to opening hours
can leave approved bookings that the house rules would no longer allow. Before such a change
is written, every approved booking of the resources it touches that has not ended yet is judged
by the same rules as a request (`rules.judge`, through `availability`), once as things stand and
once with the change applied in the same transaction. A booking that would break a rule it kept
before is a contradiction; rules it already broke (a closure entered later, a booking running
now) are not the change's doing and are left out.

The caller takes the lock first (`lock`), so that no booking can be approved between the check
and the write: on SQLite the database's write lock, on PostgreSQL the resource rows, which every
approval locks too. Plain functions: they flush, never commit; the view commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from .availability import CLOSED, Nearby, Situation, busy_overlapping, house_hours, situation
from .database import lock_for_decision
from .models import LONGEST_BUFFER, Booking, Organisation, Resource, ResourceKind, Status
from .rules import Reason, ask_for

# Far enough ahead for any booking a house will hold.
AHEAD = timedelta(days=50 * 366)
# What a confirmation page lists at most; the count says how many there are in all.
LIST_LIMIT = 200


@dataclass
class Contradiction:
    """An approved booking (with the items bundled with it) and the rules the change would make it break."""

    booking: Booking
    reasons: list[Reason] = field(default_factory=list)


def lock(session: Session, resource_ids: Iterable[int] | None = None) -> None:
    """Hold these resources (None: all of them) against every approval until the commit.

    Call it before changing anything: on SQLite it ends the transaction the request has read
    in so far, and objects loaded before reload on next use.
    """
    if resource_ids is None:
        resource_ids = session.scalars(sa.select(Resource.id)).all()
    lock_for_decision(session, list(resource_ids))


def _leads(found: Iterable[Booking]) -> list[Booking]:
    """Each bundle once, by its lead booking, in time order."""
    leads: dict[int, Booking] = {}
    for b in found:
        lead = b.bundle_of or b
        leads.setdefault(lead.id, lead)
    return sorted(leads.values(), key=lambda b: (b.starts_at, b.id))


def future_approved(session: Session, resources: Sequence[Resource], at: datetime) -> list[Booking]:
    """Approved bookings of these resources (by their leads) that still keep a resource busy after `at`."""
    if not resources:
        return []
    found = session.scalars(
        sa.select(Booking)
        .where(Booking.status == Status.APPROVED, busy_overlapping(resources, at, at + AHEAD))
        .options(joinedload(Booking.bundle_of), selectinload(Booking.items))
    ).all()
    return _leads(found)


def _open_status():
    # "not in the others" rather than "in (approved, pending)": see availability.CLOSED.
    return Booking.status.not_in(CLOSED)


def future_open(session: Session, resource: Resource, at: datetime) -> list[Booking]:
    """Approved and pending bookings of one resource (by their leads) that have not ended by `at`."""
    found = session.scalars(
        sa.select(Booking)
        .where(_open_status(), busy_overlapping([resource], at, at + AHEAD))
        .options(joinedload(Booking.bundle_of), selectinload(Booking.items))
    ).all()
    return _leads(found)


def of_organisation(session: Session, organisation: Organisation, at: datetime) -> list[Booking]:
    """An organisation's approved bookings (by their leads) that have not ended by `at`."""
    found = session.scalars(
        sa.select(Booking)
        .where(Booking.organisation_id == organisation.id, Booking.status == Status.APPROVED,
               Booking.bundle_of_id.is_(None), Booking.ends_at > at)
        .order_by(Booking.starts_at, Booking.id)
    ).all()
    return list(found)


def _judge_all(found: Situation, leads: Sequence[Booking], at: datetime) -> dict[int, list[Reason]]:
    """The house rules (not the partner rules) for each booking, against everything else that is open."""
    near = Nearby(found)
    return {
        lead.id: near.judge(ask_for(lead), at=at, exclude=frozenset(p.id for p in lead.parts)).reasons
        for lead in leads
    }


def contradicted_by(session: Session, resources: Sequence[Resource], at: datetime,
                    change: Callable[[], None]) -> list[Contradiction]:
    """Apply `change` (which changes the session and flushes) and say which approved bookings
    of `resources` it makes break a house rule. The caller has taken `lock` already."""
    leads = future_approved(session, resources, at)
    if not leads:
        change()
        return []
    parts = {p.resource_id: p.resource for lead in leads for p in lead.parts}
    # Buffers may grow: load what a longer busy span could meet.
    reach = timedelta(minutes=LONGEST_BUFFER)
    window_from = min(p.busy_from for lead in leads for p in lead.parts) - reach
    window_until = max(p.busy_until for lead in leads for p in lead.parts) + reach
    before = situation(session, list(parts.values()), window_from, window_until)
    was = _judge_all(before, leads, at)
    change()
    session.flush()
    after = Situation(before.bookings, before.closures, house_hours(session))
    now_ = _judge_all(after, leads, at)
    found = []
    for lead in leads:
        kept = {r.code for r in was[lead.id]}
        broken = [r for r in now_[lead.id] if r.code not in kept]
        if broken:
            found.append(Contradiction(lead, broken))
    return found


def kind_changes(resource: Resource, new_kind: ResourceKind | None) -> bool:
    return new_kind is not None and new_kind != resource.kind


def reload(session: Session, bookings: Sequence[Booking]) -> list[Booking]:
    """The listed bookings again after a rollback, with what the page shows, in two queries."""
    if not bookings:
        return []
    ids = [b.id for b in bookings]
    found = session.scalars(
        sa.select(Booking).where(Booking.id.in_(ids))
        .options(joinedload(Booking.resource), joinedload(Booking.organisation),
                 selectinload(Booking.items).joinedload(Booking.resource))
        .execution_options(populate_existing=True)
    ).all()
    by_id = {b.id: b for b in found}
    return [by_id[i] for i in ids if i in by_id]


def confirmed_ids(text: str | None) -> frozenset[int]:
    """The bookings a manager has seen listed and confirmed: ids separated by commas."""
    ids = set()
    for piece in (text or "").split(","):
        piece = piece.strip()
        if piece.isdigit() and len(piece) < 12:
            ids.add(int(piece))
    return frozenset(ids)


def ids_text(bookings: Iterable[Booking]) -> str:
    return ",".join(str(b.id) for b in sorted(bookings, key=lambda b: b.id))


def needs_confirmation(found: Iterable[Booking], confirmed: frozenset[int]) -> bool:
    """True unless every booking now in the way was on the page the manager confirmed."""
    return not {b.id for b in found} <= confirmed
