"""Which approved bookings a manager's change would contradict.

A change to a resource (its quantity, capacity, buffers, being in use) or to opening hours
can leave approved bookings that the house rules would no longer allow. Before such a change
is written, every approved booking still to come that it touches (a rule reads something of it
that the change makes differ) is judged by the same rules as a request (`rules.judge`, through
`availability`), once as things stand and once with the change applied in the same transaction. A booking that would break a rule it kept
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
from .clock import local
from .database import lock_for_decision
from .models import LONGEST_BUFFER, Booking, Organisation, Resource, ResourceKind, Status
from .rules import Ask, Part, Reason, WeekHours, ask_for

# Far enough ahead for any booking a house will hold.
AHEAD = timedelta(days=50 * 366)
# What a confirmation page lists at most; the count says how many there are in all.
LIST_LIMIT = 200
# Ids per IN (...) list.
CHUNK = 500


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


def _approved_to_come(resources: Sequence[Resource], at: datetime):
    return sa.and_(Booking.status == Status.APPROVED, busy_overlapping(resources, at, at + AHEAD))


def _leads_by_id(session: Session, ids: Sequence[int]) -> list[Booking]:
    """Lead bookings with their items, a few queries for any number, in time order."""
    found: list[Booking] = []
    ids = sorted(set(ids))
    for chunk in range(0, len(ids), CHUNK):
        found += session.scalars(
            sa.select(Booking).where(Booking.id.in_(ids[chunk:chunk + CHUNK]))
            .options(selectinload(Booking.items))
        ).all()
    return sorted(found, key=lambda b: (b.starts_at, b.id))


def _open_status():
    # "not in the others" rather than "in (approved, pending)": see availability.CLOSED.
    return Booking.status.not_in(CLOSED)


def future_open(session: Session, resource: Resource, at: datetime) -> list[Booking]:
    """Approved and pending bookings of one resource (by their leads) that have not ended by `at`."""
    found = session.scalars(
        sa.select(Booking)
        .where(_open_status(), busy_overlapping([resource], at, at + AHEAD))
        .options(joinedload(Booking.bundle_of).selectinload(Booking.items), selectinload(Booking.items))
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


# What the rules read of a resource: a change to anything else (its name, its description,
# the longest booking for partner groups) cannot change a verdict.
RULED = ("kind", "active", "capacity", "quantity", "setup_minutes", "cleanup_minutes")


def _as_it_is(resource: Resource) -> Resource:
    """A detached copy of what the rules read of a resource now, to judge by after it changed."""
    return Resource(id=resource.id, name=resource.name, **{name: getattr(resource, name) for name in RULED})


def _touched(resources: Sequence[Resource], changed: set[int], hours_before: WeekHours,
             hours_after: WeekHours) -> Callable[[int, datetime, datetime], bool]:
    """Whether a rule reads anything of a booking (resource, start, end) that the change made differ:
    the resource itself, or its opening hours on the weekday its busy span starts."""
    by_id = {r.id: r for r in resources}
    other_hours = {(r.id, day) for r in resources if not r.whole_days for day in range(7)
                   if hours_before.minutes(r.id, day) != hours_after.minutes(r.id, day)}
    with_hours = {rid for rid, _day in other_hours}

    def touched(resource_id: int, starts_at: datetime, ends_at: datetime) -> bool:
        if resource_id in changed:
            return True
        if resource_id not in with_hours:
            return False
        busy_from = by_id[resource_id].busy_span(starts_at, ends_at)[0]
        return (resource_id, local(busy_from).weekday()) in other_hours

    return touched


def _judged(near: Nearby, lead: Booking, at: datetime, resources: dict[int, Resource] | None = None) -> list[Reason]:
    """The house rules (not the partner rules) for one booking, against everything else that is open."""
    ask = ask_for(lead)
    if resources is not None:  # the changed resources as they were
        ask = Ask(tuple(Part(resources.get(p.resource.id, p.resource), p.units) for p in ask.parts),
                  ask.starts_at, ask.ends_at, ask.attendees)
    return near.judge(ask, at=at, exclude=frozenset(p.id for p in lead.parts)).reasons


def contradicted_by(session: Session, resources: Sequence[Resource], at: datetime,
                    change: Callable[[], None]) -> list[Contradiction]:
    """Apply `change` (which may change `resources` and opening hours in the session) and say
    which approved bookings to come it makes break a house rule. The caller has taken `lock`.

    Only the bookings the change touches (a rule reads something of them that now differs)
    are judged, once as things were and once as they will be. When only opening hours changed,
    the other bookings and the closures give the same answers before and after, so they are not
    loaded.
    """
    was = {r.id: _as_it_is(r) for r in resources}
    hours_before = house_hours(session)
    change()
    session.flush()
    hours_after = house_hours(session)
    changed = {r.id for r in resources if any(getattr(r, n) != getattr(was[r.id], n) for n in RULED)}
    if not resources or (not changed and hours_after == hours_before):
        return []
    rows = session.execute(
        sa.select(Booking.id, Booking.bundle_of_id, Booking.resource_id, Booking.starts_at, Booking.ends_at)
        .where(_approved_to_come(resources, at))
    ).all()
    is_touched = _touched(resources, changed, hours_before, hours_after)
    touched = {row.bundle_of_id or row.id for row in rows if is_touched(row.resource_id, row.starts_at, row.ends_at)}
    if not touched:
        return []
    leads = _leads_by_id(session, list(touched))
    if changed:
        parts = {p.resource_id: p.resource for lead in leads for p in lead.parts}
        # Buffers may have grown: load what a longer busy span could meet.
        reach = timedelta(minutes=LONGEST_BUFFER)
        window_from = min(p.busy_from for lead in leads for p in lead.parts) - reach
        window_until = max(p.busy_until for lead in leads for p in lead.parts) + reach
        found = situation(session, list(parts.values()), window_from, window_until, hours_after)
    else:
        found = Situation([], [], hours_after)
    before = Nearby(Situation(found.bookings, found.closures, hours_before))
    after = Nearby(found)
    contradictions = []
    for lead in leads:
        kept = {r.code for r in _judged(before, lead, at, was)}
        broken = [r for r in _judged(after, lead, at) if r.code not in kept]
        if broken:
            contradictions.append(Contradiction(lead, broken))
    return contradictions


def kind_changes(resource: Resource, new_kind: ResourceKind | None) -> bool:
    return new_kind is not None and new_kind != resource.kind


def reload(session: Session, ids: Sequence[int]) -> list[Booking]:
    """Bookings by id, with what a list of them shows, in a fixed number of queries (after a rollback)."""
    if not ids:
        return []
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


def ids_text(ids: Iterable[int]) -> str:
    """What the confirmation carries: the ids in order, comma-separated."""
    return ",".join(str(i) for i in sorted(ids))


def needs_confirmation(found: Iterable[Booking], confirmed: frozenset[int]) -> bool:
    """True unless every booking now in the way was on the page the manager confirmed."""
    return not {b.id for b in found} <= confirmed
