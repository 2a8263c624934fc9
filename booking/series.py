"""A series' life: preview, send, decide several dates at once, cancel or change from a date on.

Each date is a Booking of its own, so the rules, the board and the guarantee apply to every
date unchanged. Like workflow.py these functions flush and never commit; a refusal raises
before anything is written, so a series is decided whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flask_babel.speaklater import LazyString
from sqlalchemy.orm import Session

from . import i18n, workflow
from .availability import Nearby, situation
from .clock import LocalTimeError, local, to_utc
from .database import lock_for_decision
from .lazytext import lazy_gettext as _l
from .models import Booking, Organisation, Resource, Series, Status, User
from .notify import outbox
from .notify.models import Kind
from .recurrence import Occurrence, Pattern, occurrences
from .rules import Ask, Limits, Part, Verdict
from .workflow import ConflictError, WorkflowError, _audit

OPEN = (Status.PENDING, Status.APPROVED)


@dataclass
class Planned:
    """One date of a series before it is sent: the date, and what the house says to it."""

    occurrence: Occurrence
    verdict: Verdict | None = None  # None: skipped (holiday, clock change)

    @property
    def day(self):
        return self.occurrence.day

    @property
    def skipped(self):
        return self.occurrence.skipped

    @property
    def closed(self):
        """A closure of the house or the resource: left out like a holiday."""
        return next((r for r in self.verdict.reasons if r.code == "closed"), None) if self.verdict else None

    @property
    def wanted(self) -> bool:
        """Offered ticked in the preview: nothing stands against it."""
        return self.verdict is not None and self.verdict.ok


def preview(session: Session, pattern: Pattern, resource: Resource, attendees: int | None, at: datetime,
            limits: Limits | None, language: str = "de") -> list[Planned]:
    """Every date with its verdict, judged against one load of the bookings in the series' span."""
    planned = [Planned(o) for o in occurrences(pattern, language)]
    real = [p for p in planned if p.occurrence.starts_at is not None]
    if not real:
        return planned
    busy_from = resource.busy_span(real[0].occurrence.starts_at, real[0].occurrence.ends_at)[0]
    busy_until = resource.busy_span(real[-1].occurrence.starts_at, real[-1].occurrence.ends_at)[1]
    found = Nearby(situation(session, [resource], busy_from, busy_until))
    for p in real:
        ask = Ask((Part(resource),), p.occurrence.starts_at, p.occurrence.ends_at, attendees)
        p.verdict = found.judge(ask, at=at, limits=limits)
    return planned


def send(session: Session, pattern: Pattern, chosen: list[Planned], *, resource: Resource, by: User,
         organisation: Organisation, title: str, attendees: int | None, note: str = "",
         purpose_id: int | None = None) -> Series:
    """Save the series and one pending booking for each chosen date."""
    series = Series(
        organisation=organisation, requested_by=by, resource=resource, title=title,
        weekdays=",".join(str(d) for d in sorted(set(pattern.weekdays))), every=pattern.every,
        ordinal=pattern.ordinal, first_day=pattern.first_day, until=pattern.until, count=pattern.count,
        start=pattern.start, end=pattern.end,
    )
    session.add(series)
    for p in chosen:
        booking = Booking(
            series=series, resource=resource, organisation=organisation, requested_by=by, title=title,
            attendees=attendees, note=note, starts_at=p.occurrence.starts_at, ends_at=p.occurrence.ends_at,
            status=Status.PENDING, purpose_id=purpose_id,
        )
        session.add(booking)
        _audit(session, booking, by, None)
    session.flush()
    outbox.series_submitted(session, series, series.bookings, by)
    return series


def _lock(session: Session, series: Series, resource_ids=()) -> Series:
    lock_for_decision(session, sorted({series.resource_id, *resource_ids, *(b.resource_id for b in series.bookings)}))
    session.expire_all()
    return series


def approve(session: Session, series: Series, ids: set[int], by: User, at: datetime) -> list[Booking]:
    """Approve the chosen pending dates, all of them or none: a date that another booking now
    holds refuses the whole approval, naming the date."""
    series = _lock(session, series)
    chosen = [b for b in series.bookings if b.id in ids and b.status == Status.PENDING]
    if not chosen:
        raise WorkflowError(_l("Please choose at least one pending date."))
    resources = {b.resource_id: b.resource for b in chosen}
    found = Nearby(situation(session, list(resources.values()),
                             min(b.busy_from for b in chosen), max(b.busy_until for b in chosen)))
    refused: list[str] = []
    for booking in chosen:
        verdict = found.judge(Ask((Part(booking.resource),), booking.starts_at, booking.ends_at, booking.attendees),
                              at=at, exclude=frozenset({booking.id}))
        if not verdict.ok:
            refused.append(f"{i18n.local_date(booking.starts_at)}: " + " ".join(str(r) for r in verdict.reasons))
        booking.status = Status.APPROVED  # later dates are judged with this one in place
    for booking in chosen:
        booking.status = Status.PENDING
    if refused:
        raise ConflictError(_l("Nothing was approved. %(dates)s", dates=" ".join(refused)))
    for booking in chosen:
        booking.busy_from, booking.busy_until = booking.resource.busy_span(booking.starts_at, booking.ends_at)
        workflow._move(session, booking, Status.APPROVED, by, at)
    outbox.decided(session, Kind.APPROVED, chosen, by)
    return chosen


def reject(session: Session, series: Series, ids: set[int], by: User, at: datetime, reason: str) -> list[Booking]:
    """Reject the chosen pending dates with a reason the group reads."""
    if not reason.strip():
        raise WorkflowError(_l("Please give a reason for the rejection."))
    series = _lock(session, series)
    chosen = [b for b in series.bookings if b.id in ids and b.status == Status.PENDING]
    if not chosen:
        raise WorkflowError(_l("Please choose at least one pending date."))
    for booking in chosen:
        workflow._move(session, booking, Status.REJECTED, by, at, reason.strip())
    outbox.decided(session, Kind.REJECTED, chosen, by, reason.strip())
    return chosen


SCOPES = ("one", "following", "all")


def _scope(series: Series, booking: Booking, scope: str) -> list[Booking]:
    if scope == "one":
        return [booking]
    if scope == "following":
        return [b for b in series.bookings if b.starts_at >= booking.starts_at]
    return list(series.bookings)


def cancel(session: Session, booking: Booking, scope: str, by: User, at: datetime) -> list[Booking]:
    """Cancel one date, this and all following, or the whole series; dates already over, or
    already rejected or cancelled, stay as they are."""
    series = _lock(session, booking.series)
    affected = [b for b in _scope(series, booking, scope) if b.status in OPEN and b.starts_at > at]
    if not affected:
        raise WorkflowError(_l("There is nothing left to cancel."))
    for b in affected:
        workflow._move(session, b, Status.CANCELLED, by, at)
    outbox.decided(session, Kind.WITHDRAWN if by.organisation_id == series.organisation_id else Kind.CANCELLED,
                   affected, by)
    return affected


def change_from(session: Session, booking: Booking, by: User, at: datetime, *, start: time, end: time,
                resource: Resource) -> list[Booking]:
    """Move this and all following open dates to a new time or resource. The changed dates go
    back to pending; earlier ones stay as they were; cancelled and rejected ones stay so."""
    series = _lock(session, booking.series, [resource.id])
    if end <= start:
        raise WorkflowError(_l("The end must be after the start."))
    affected = [b for b in _scope(series, booking, "following") if b.status in OPEN and b.starts_at > at]
    if not affected:
        raise WorkflowError(_l("There is nothing left to change."))
    for b in affected:
        day = local(b.starts_at).date()
        try:
            starts_at, ends_at = to_utc(day, start), to_utc(day, end)
        except LocalTimeError as error:
            raise WorkflowError(_l("On %(day)s the clocks change at that time.", day=LazyString(lambda day=day: i18n.local_date(day)))) from error
        old = b.status
        b.resource = resource
        b.starts_at, b.ends_at = starts_at, ends_at
        b.busy_from, b.busy_until = resource.busy_span(starts_at, ends_at)
        b.exclusive = resource.exclusive
        b.status = Status.PENDING
        b.decided_by, b.decided_at, b.decision_reason = None, None, ""
        _audit(session, b, by, old, str(_l("Changed from this date on")))
    session.flush()
    outbox.decided(session, Kind.CHANGED, affected, by)
    return affected


def summary(series: Series) -> dict[Status, int]:
    """How many dates of the series are in each status."""
    counts = {status: 0 for status in Status}
    for b in series.bookings:
        counts[b.status] += 1
    return counts


def next_date(series: Series, at: datetime) -> Booking | None:
    return next((b for b in series.bookings if b.starts_at > at and b.status in OPEN), None)

