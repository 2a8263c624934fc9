"""The house's booking rules: can this be booked for [start, end), and if not, why not.

Plain functions over plain data. The caller loads the bookings, closures and opening hours
that matter (availability.py does, in a few queries) and passes them in, so the rules run
the same for a live check, a submission, an approval and the search for alternatives.

- Intervals are half-open: [10:00, 12:00) and [12:00, 14:00) do not clash.
- A booking keeps its resource busy for its set-up and clean-up buffers too; two busy spans
  of a room or plot must not overlap, and the busy span must fit the opening hours and miss
  every closure.
- Equipment is counted: at every instant the approved units must not exceed the quantity.
- Garden plots are booked by whole days; rooms and equipment for one day at most.
- Partner groups give notice, stay within the horizon and the resource's longest booking;
  a manager may set these aside with a reason (they are "overridable").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext, ngettext
from flask_babel.speaklater import LazyString

from . import i18n
from .clock import HOUSE_TZ, local
from .content import translated
from .i18n import month_year
from .lazytext import LazyText
from .lazytext import lazy_gettext as _l
from .models import Booking, Closure, Resource, ResourceKind, Status
from .quotas import hours_by_month

# Hard limits, for everyone: a room or equipment for one day (25 hours on the day the clocks
# go back), a plot for a year. Overlap queries rely on them as a bound on a booking's length.
LONGEST = {
    ResourceKind.ROOM: timedelta(hours=25),
    ResourceKind.EQUIPMENT: timedelta(hours=25),
    ResourceKind.PLOT: timedelta(days=366),
}
# The longest busy span: the longest booking and the longest set-up and clean-up buffers.
LONGEST_BUSY = {kind: span + timedelta(hours=8) for kind, span in LONGEST.items()}


@dataclass(frozen=True)
class Limits:
    """The rules for partner groups (a manager may override them with a reason)."""

    notice: timedelta = timedelta(hours=48)
    horizon: timedelta = timedelta(days=180)
    quota: object | None = None  # the group's quotas.Quota, where it has any


@dataclass(frozen=True)
class Part:
    """One thing asked for: a resource and, for equipment, how many units."""

    resource: Resource
    units: int = 1


@dataclass(frozen=True)
class Ask:
    """A request: one or more parts (a room and its equipment) for the same [starts_at, ends_at)."""

    parts: tuple[Part, ...]
    starts_at: datetime
    ends_at: datetime
    attendees: int | None = None

    @property
    def lead(self) -> Resource:
        return self.parts[0].resource

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at

    def moved(self, starts_at: datetime, resource: Resource | None = None) -> Ask:
        """The same request at another time, or for another lead resource."""
        parts = self.parts if resource is None else (Part(resource, self.parts[0].units), *self.parts[1:])
        ends_at = starts_at + self.length
        if parts[0].resource.whole_days:  # as many days, however many hours they have
            days = local(self.ends_at).date() - local(self.starts_at).date()
            ends_at = wall_clock(local(starts_at).date() + days, 0).astimezone(starts_at.tzinfo)
        return Ask(parts, starts_at, ends_at, self.attendees)


@dataclass
class Reason:
    """Why a request cannot be granted as it stands."""

    code: str  # taken, units, closed, hours, capacity, quantity, notice, horizon, too_long, ...
    field: str  # the form field it concerns
    message: object  # a (lazy) text for the user
    overridable: bool = False

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Verdict:
    """The answer for one request: the reasons against it, and what it competes with."""

    reasons: list[Reason] = field(default_factory=list)
    approved: list[Booking] = field(default_factory=list)  # approved bookings in the way
    pending: list[Booking] = field(default_factory=list)  # other requests for the same time

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def free(self) -> bool:
        """Nothing against it and nobody else asking: a safe suggestion."""
        return self.ok and not self.pending

    def hard(self, overriding: bool = False) -> list[Reason]:
        """The reasons that stand; a manager who overrides sets the partner rules aside."""
        return [r for r in self.reasons if not (overriding and r.overridable)]


class WeekHours:
    """Opening hours per weekday: house-wide rows, overridden per resource and weekday."""

    def __init__(self, rows: Iterable):
        self._rows = {(row.resource_id, row.weekday): (row.opens, row.closes) for row in rows}

    def __eq__(self, other: object) -> bool:
        """The same hours for every resource and weekday."""
        return isinstance(other, WeekHours) and self._rows == other._rows

    __hash__ = None  # changes with the rows it was made from: not a key

    def minutes(self, resource_id: int, weekday: int) -> tuple[int, int] | None:
        """(opens, closes) in minutes after local midnight, or None when closed."""
        opens, closes = self._rows.get((resource_id, weekday)) or self._rows.get((None, weekday), (None, None))
        return None if opens is None else (opens, closes)

    def window(self, resource_id: int, day: date) -> tuple[datetime, datetime] | None:
        """The open instants of one local day for a resource, or None when it is closed."""
        minutes = self.minutes(resource_id, day.weekday())
        if minutes is None:
            return None
        return wall_clock(day, minutes[0]), wall_clock(day, minutes[1])


def wall_clock(day: date, minutes: int) -> datetime:
    """Local wall-clock time `minutes` after midnight of `day` (1440: the next midnight)."""
    extra, minutes = divmod(minutes, 24 * 60)
    moment = datetime.combine(day + timedelta(days=extra), time(minutes // 60, minutes % 60))
    return moment.replace(tzinfo=HOUSE_TZ)


def hhmm(minutes: int) -> str:
    return "24:00" if minutes == 24 * 60 else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(instant: datetime) -> str:
    return i18n.local_time(instant)


def _name(resource: Resource) -> LazyText:
    """The resource's name in the reader's language, when the message is shown (escaped as text)."""
    return LazyText(translated, resource, "name")


def _later(render) -> LazyString:
    """A message built when it is shown, in the reader's language."""
    return LazyString(render)


def _span(a: datetime, b: datetime) -> str:
    """"14:00–18:00" (or "20:00–24:00") on one day, "Mo., 1. März, 14:00 – Di., 2. März, 10:00" across days."""
    return i18n.instant_span(a, b)


def is_midnight(instant: datetime) -> bool:
    return local(instant).time() == time(0, 0)


# --- the rules, each on its own ---------------------------------------------------------------


def shape_reasons(ask: Ask, at: datetime) -> list[Reason]:
    """The request itself: times in order, length, resource bookable, capacity and units."""
    reasons: list[Reason] = []
    lead = ask.lead
    for part in ask.parts:
        if not part.resource.active:
            return [Reason("inactive", "resource_id",
                           _l("%(name)s cannot be booked. Please choose another.", name=_name(part.resource)))]
    if ask.ends_at <= ask.starts_at:
        return [Reason("order", "end", _l("The end must be after the start."))]
    if lead.whole_days and not (is_midnight(ask.starts_at) and is_midnight(ask.ends_at)):
        reasons.append(Reason("whole_days", "date", _l("Garden plots are booked by whole days.")))
    if ask.length > LONGEST[lead.kind]:
        message = (_l("A plot is booked for one year at most.") if lead.whole_days
                   else _l("A booking lasts one day at most."))
        reasons.append(Reason("too_long", "end", message))
    if ask.starts_at < at:
        reasons.append(Reason("past", "start", _l("The start lies in the past.")))
    if lead.capacity is not None and ask.attendees is not None and ask.attendees > lead.capacity:
        reasons.append(Reason("capacity", "attendees",
                              _l("%(name)s holds at most %(n)s people.", name=_name(lead), n=lead.capacity)))
    for part in ask.parts:
        r = part.resource
        if r.kind == ResourceKind.EQUIPMENT and part.units > r.quantity:
            reasons.append(Reason("quantity", "units",
                                  _l("The house has %(n)s of %(name)s in all.", n=r.quantity, name=_name(r))))
        elif r.kind != ResourceKind.EQUIPMENT and part.units != 1:
            reasons.append(Reason("quantity", "units", _l("Rooms and plots are booked as one unit.")))
    if any(p.resource.kind != ResourceKind.EQUIPMENT for p in ask.parts[1:]):
        reasons.append(Reason("bundle", "resource_id", _l("Only equipment can be added to a request.")))
    return reasons


def partner_reasons(ask: Ask, at: datetime, limits: Limits) -> list[Reason]:
    """Notice, horizon and longest booking for partner groups; a manager may override them."""
    reasons: list[Reason] = []
    if at <= ask.starts_at < at + limits.notice:
        hours = int(limits.notice.total_seconds() // 3600)
        reasons.append(Reason("notice", "start", _l(
            "Requests need %(n)s hours' notice: the earliest start is %(when)s.",
            n=hours, when=_later(lambda: i18n.at_day(i18n.weekday_day(at + limits.notice), _clock(at + limits.notice))),
        ), overridable=True))
    if ask.starts_at > at + limits.horizon:
        reasons.append(Reason("horizon", "date", _l(
            "Requests can be made up to %(n)s days ahead.", n=limits.horizon.days), overridable=True))
    for part in ask.parts:
        r = part.resource
        if r.max_hours is not None and ask.length > timedelta(hours=r.max_hours):
            reasons.append(Reason("max_hours", "end", _later(lambda r=r: ngettext(
                "%(name)s can be booked for %(num)d hour at a time.",
                "%(name)s can be booked for %(num)d hours at a time.", r.max_hours, name=_name(r),
            )), overridable=True))
    if limits.quota is not None:
        reasons += quota_reasons(ask, limits.quota)
    return reasons


QUOTA_MESSAGES = {
    ResourceKind.ROOM: lambda **v: gettext(
        "Your group can book rooms for %(n)s hours a month. %(left)s hours are left in %(month)s.", **v),
    ResourceKind.PLOT: lambda **v: gettext(
        "Your group can book garden plots for %(n)s hours a month. %(left)s hours are left in %(month)s.", **v),
    ResourceKind.EQUIPMENT: lambda **v: gettext(
        "Your group can book equipment for %(n)s hours a month. %(left)s hours are left in %(month)s.", **v),
}


def quota_reasons(ask: Ask, quota) -> list[Reason]:
    """The group's quotas: requests open at once, and hours a month per kind of resource."""
    reasons: list[Reason] = []
    if quota.open_requests is not None and quota.open_now >= quota.open_requests:
        reasons.append(Reason("quota_open", "date", _l(
            "Your group can have %(n)s open requests at once. Please wait for an answer, or withdraw one.",
            n=quota.open_requests), overridable=True))
    asked: dict[tuple[ResourceKind, date], float] = {}
    for part in ask.parts:
        kind = part.resource.kind
        if kind in quota.hours:
            for month, hours in hours_by_month(ask.starts_at, ask.ends_at).items():
                asked[(kind, month)] = asked.get((kind, month), 0) + hours
    for (kind, month), hours in sorted(asked.items(), key=lambda item: (item[0][1], item[0][0].value)):
        cap, used = quota.hours[kind], quota.used.get((kind, month), 0)
        if used + hours > cap + 1e-9:
            left = max(cap - used, 0)
            reasons.append(Reason("quota_hours", "end", _later(
                lambda kind=kind, cap=cap, left=left, month=month: QUOTA_MESSAGES[kind](
                    n=cap, left=f"{left:g}", month=month_year(month))), overridable=True))
    return reasons


def hours_reasons(ask: Ask, hours: WeekHours) -> list[Reason]:
    """Each part's busy span (with buffers) lies within its opening hours on the day it starts."""
    reasons: list[Reason] = []
    for part in ask.parts:
        r = part.resource
        if r.whole_days:
            continue  # plots are outdoors and booked by the day
        busy_from, busy_until = r.busy_span(ask.starts_at, ask.ends_at)
        day = local(busy_from).date()
        window = hours.window(r.id, day)
        if window is None:
            reasons.append(Reason("hours", "date", _later(lambda r=r, day=day: gettext(
                "%(name)s is closed on %(weekday)s.", name=_name(r), weekday=i18n.weekday_name(day)))))
            continue
        opens, closes = window
        if opens <= busy_from and busy_until <= closes:
            continue
        buffered = (busy_from, busy_until) != (ask.starts_at, ask.ends_at)
        if buffered and opens <= ask.starts_at and ask.ends_at <= closes:
            message = _l(
                "%(name)s needs %(setup)s minutes to set up and %(cleanup)s to clean up, "
                "within its opening hours %(opens)s–%(closes)s.",
                name=_name(r), setup=r.setup_minutes, cleanup=r.cleanup_minutes,
                opens=_clock(opens), closes=_clock(closes),
            )
        else:
            message = _later(lambda r=r, day=day, opens=opens, closes=closes: gettext(
                "%(name)s is open on %(weekday)s from %(opens)s to %(closes)s.", name=_name(r),
                weekday=i18n.weekday_name(day), opens=_clock(opens),
                closes="24:00" if is_midnight(closes) else _clock(closes)))
        reasons.append(Reason("hours", "start", message))
    return reasons


def closure_reasons(ask: Ask, closures: Sequence[Closure]) -> list[Reason]:
    """No part's busy span may touch a closure of that resource, or of the house (plots aside)."""
    reasons: list[Reason] = []
    for part in ask.parts:
        busy_from, busy_until = part.resource.busy_span(ask.starts_at, ask.ends_at)
        for c in closures:
            if c.applies_to(part.resource) and c.overlaps(busy_from, busy_until):
                whom = _name(part.resource) if c.resource_id is not None else _l("The house")
                reasons.append(Reason("closed", "date", _l(
                    "%(whom)s is closed %(when)s: %(reason)s.",
                    whom=whom, when=_later(lambda c=c: _span(c.starts_at, c.ends_at)), reason=LazyText(translated, c, "reason"),
                )))
    return reasons


def _shortages(resource: Resource, units: int, approved: Sequence[Booking], busy_from: datetime,
               busy_until: datetime) -> list[tuple[datetime, datetime, int]]:
    """Runs of time within the busy span where fewer than `units` are free: (from, until, free)."""
    points = {busy_from, busy_until}
    for b in approved:
        points.update(t for t in (b.busy_from, b.busy_until) if busy_from < t < busy_until)
    edges = sorted(points)
    runs: list[tuple[datetime, datetime, int]] = []
    for a, z in zip(edges, edges[1:]):
        held = sum(b.units for b in approved if b.busy_from < z and a < b.busy_until)
        free = resource.quantity - held
        if free >= units:
            continue
        if runs and runs[-1][1] == a:
            runs[-1] = (runs[-1][0], z, min(runs[-1][2], free))
        else:
            runs.append((a, z, free))
    return runs


def occupancy(part: Part, ask: Ask, bookings: Iterable[Booking], exclude: frozenset[int] = frozenset(),
              verdict: Verdict | None = None, out_of_service: Sequence = ()) -> Verdict:
    """What the resource's other bookings say: taken, not enough units, or competing requests.
    Units out of service (damaged or lost: anything with resource_id, units, busy_from and
    busy_until) count as taken."""
    verdict = verdict or Verdict()
    r = part.resource
    busy_from, busy_until = r.busy_span(ask.starts_at, ask.ends_at)
    approved: list[Booking] = []
    for b in bookings:
        if b.resource_id != r.id or b.id in exclude or not (b.busy_from < busy_until and busy_from < b.busy_until):
            continue
        if b.status == Status.APPROVED:
            approved.append(b)
        elif b.status == Status.PENDING:
            verdict.pending.append(b)
    if r.exclusive:
        for b in approved:
            verdict.approved.append(b)
            if b.overlaps(ask.starts_at, ask.ends_at):
                message = _l("%(name)s is already booked %(when)s.", name=_name(r),
                             when=_later(lambda b=b: _span(b.starts_at, b.ends_at)))
            else:
                message = _l("%(name)s is booked %(when)s and needs its set-up and clean-up time around it.",
                             name=_name(r), when=_later(lambda b=b: _span(b.starts_at, b.ends_at)))
            verdict.reasons.append(Reason("taken", "start", message))
        return verdict
    gone = [o for o in out_of_service if o.resource_id == r.id and o.busy_from < busy_until and busy_from < o.busy_until]
    for start, until, free in _shortages(r, part.units, approved + gone, busy_from, busy_until):
        verdict.approved.extend(b for b in approved if b.busy_from < until and start < b.busy_until
                                and b not in verdict.approved)
        verdict.reasons.append(Reason("units", "units", _later(
            lambda start=start, until=until, free=max(free, 0): ngettext(
                "Only %(num)d of %(name)s is available %(when)s.",
                "Only %(num)d of %(name)s are available %(when)s.",
                free, name=_name(r), when=_span(start, until)))))
    return verdict


def judge(
    ask: Ask,
    *,
    at: datetime,
    bookings: Iterable[Booking],
    closures: Sequence[Closure],
    hours: WeekHours,
    limits: Limits | None = None,
    exclude: frozenset[int] = frozenset(),
    out_of_service: Sequence = (),
) -> Verdict:
    """Every rule for one request. `limits` applies the partner rules; `exclude` names the
    request's own bookings when an existing request is being decided."""
    verdict = Verdict(reasons=shape_reasons(ask, at))
    if any(r.code in ("inactive", "order") for r in verdict.reasons):
        return verdict
    if limits is not None:
        verdict.reasons += partner_reasons(ask, at, limits)
    verdict.reasons += hours_reasons(ask, hours)
    verdict.reasons += closure_reasons(ask, closures)
    bookings = list(bookings)
    for part in ask.parts:
        if part.units <= part.resource.quantity:  # asking for more than exists is said above
            occupancy(part, ask, bookings, exclude, verdict, out_of_service)
    return verdict


def ask_for(booking: Booking) -> Ask:
    """The request an existing booking (and the items bundled with it) stands for."""
    parts = tuple(Part(b.resource, b.units) for b in booking.parts)
    return Ask(parts, booking.starts_at, booking.ends_at, booking.attendees)
