"""Random requests, approvals, withdrawals and rejections, checked against a brute-force oracle.

A hypothesis state machine drives the real live check and the real workflow on a real database
(SQLite, or PostgreSQL with DATABASE_URL). Beside it runs an oracle that knows nothing of
rules.py: it keeps its own list of bookings in whole minutes and decides every verdict by
walking the busy span minute by minute, with the buffers, the quantity, the opening hours and
the closures written out here once more. The real code must agree with it on every live check
and every approval, and the database must never hold a double-booked room or more units out
than the house owns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from booking import availability, workflow
from booking.clock import now
from booking.extensions import db
from booking.models import AuditEvent, Booking, Closure, Resource, ResourceKind, Role, User
from booking.rules import Ask, Part, Verdict
from tests.conftest import committed, count_rows, future_day

BERLIN = ZoneInfo("Europe/Berlin")
ORIGIN = datetime(2000, 1, 1, tzinfo=timezone.utc)  # the oracle counts whole minutes from here

# The house's default opening hours (from the migrations), in minutes after local midnight.
HOUSE_HOURS = {0: (480, 1320), 1: (480, 1320), 2: (480, 1320), 3: (480, 1320), 4: (480, 1320),
               5: (600, 1080), 6: None}


@dataclass(frozen=True)
class Thing:
    """A resource as the oracle sees it."""

    name: str
    exclusive: bool
    setup: int = 0
    cleanup: int = 0
    capacity: int | None = None
    quantity: int = 1


SAAL = Thing("Saal", exclusive=True, capacity=40)
KUECHE = Thing("Lehrküche", exclusive=True, setup=15, cleanup=30, capacity=12)
SETS = Thing("Bierzeltgarnitur", exclusive=False, setup=30, cleanup=15, quantity=5)
THINGS = {t.name: t for t in (SAAL, KUECHE, SETS)}
GROUPS = 3

# The days of every example, by weekday: a Tuesday, a Saturday, a Sunday.
WEEKDAYS = {"Tue": 1, "Sat": 5, "Sun": 6}
# (thing, or None for the whole house; day; from; until; why).
CLOSURES = [(KUECHE, "Tue", "15:00", "16:00", "Wartung"), (None, "Sat", "14:00", "15:00", "Hausversammlung")]


def wall(day: date, minutes: int) -> datetime:
    """Wall-clock time in the house `minutes` after midnight of `day`, as a UTC instant
    (with zoneinfo itself, not booking.clock)."""
    midnight = datetime.combine(day, time()).replace(tzinfo=BERLIN)
    return (midnight + timedelta(minutes=minutes)).astimezone(timezone.utc)


def instant(day: date, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return wall(day, hours * 60 + minutes)


def minute(moment: datetime) -> int:
    """An instant as the oracle's whole minute."""
    seconds = (moment - ORIGIN).total_seconds()
    assert seconds % 60 == 0, moment
    return int(seconds // 60)


# --- what is asked for -------------------------------------------------------------------------

# A room, the tent sets alone, or a room with sets; now and then more sets than the house has.
ROOM = st.tuples(st.sampled_from([SAAL.name, KUECHE.name]), st.just(1))
SOME_SETS = st.tuples(st.just(SETS.name), st.integers(1, SETS.quantity + 1))
PARTS = st.one_of(st.tuples(ROOM), st.tuples(SOME_SETS), st.tuples(ROOM, SOME_SETS))
LENGTHS = st.sampled_from(range(15, 4 * 60 + 1, 15))
ATTENDEES = st.integers(1, 14)
GROUP = st.integers(0, GROUPS - 1)


@st.composite
def slots(draw) -> tuple[str, str, int]:
    """(day, start, minutes) on the quarter hour: mostly on a busy Tuesday morning, so that
    requests meet; else at any time from 07:00 to 21:45, or near the opening or closing time,
    where the buffers decide."""
    day = draw(st.sampled_from(["Tue"] * 8 + ["Sat", "Sun"]))
    length = draw(LENGTHS)
    when = draw(st.sampled_from(["morning"] * 3 + ["any time", "opening", "closing"]))
    if when == "morning":
        start = draw(st.sampled_from(range(9 * 60, 12 * 60 + 1, 15)))
    elif when == "any time":
        start = draw(st.sampled_from(range(7 * 60, 22 * 60, 15)))
    else:
        opens, closes = HOUSE_HOURS[WEEKDAYS[day]] or HOUSE_HOURS[1]  # Sunday: Tuesday's edges
        shift = draw(st.sampled_from([0, -15, 15, -30, 30, -45, 45]))
        start = opens + shift if when == "opening" else closes + shift - length
    return day, f"{start // 60:02d}:{start % 60:02d}", length


# --- the oracle --------------------------------------------------------------------------------


@dataclass(eq=False)
class Held:
    """One booking row: a thing, some units, the minutes it keeps the thing busy."""

    id: int
    thing: Thing
    units: int
    busy: range
    request: Request


@dataclass(eq=False)
class Request:
    """A request and the items bundled with it, decided together."""

    parts: list[Held]
    status: str
    start: int
    end: int
    attendees: int
    group: int
    steps: int = 1  # status changes so far: one audit row each


@dataclass
class Expected:
    """A verdict in the oracle's terms."""

    codes: set[str] = field(default_factory=set)  # the rules that speak against it
    pending: set[int] = field(default_factory=set)  # other requests for the same time
    in_the_way: set[int] = field(default_factory=set)  # approved bookings that leave no room


class Oracle:
    """The bookings of one example, and every verdict on them, by brute force."""

    def __init__(self, days: dict[str, date]):
        self.requests: list[Request] = []
        self.closed = [(thing, range(minute(instant(days[day], a)), minute(instant(days[day], z))))
                       for thing, day, a, z, _ in CLOSURES]

    def held(self) -> list[Held]:
        return [h for r in self.requests for h in r.parts]

    def ids(self, *statuses: str) -> list[int]:
        """The bookings whose request is in one of these states, oldest first."""
        return sorted(h.id for h in self.held() if h.request.status in statuses)

    def request_of(self, booking_id: int) -> Request:
        return next(h.request for h in self.held() if h.id == booking_id)

    def judge(self, parts: list[tuple[Thing, int]], start: int, end: int, attendees: int,
              exclude: frozenset[int] = frozenset()) -> Expected:
        """Everything that speaks against these parts for [start, end)."""
        expected = Expected()
        lead = parts[0][0]
        if lead.capacity is not None and attendees > lead.capacity:
            expected.codes.add("capacity")
        for thing, units in parts:
            busy = range(start - thing.setup, end + thing.cleanup)
            # Within the opening hours of the day on which the busy span begins.
            day = (ORIGIN + timedelta(minutes=busy.start)).astimezone(BERLIN).date()
            hours = HOUSE_HOURS[day.weekday()]
            if hours is None:
                expected.codes.add("hours")
            else:
                opens, closes = minute(wall(day, hours[0])), minute(wall(day, hours[1]))
                if not all(opens <= m < closes for m in busy):
                    expected.codes.add("hours")
            for whom, shut in self.closed:
                if whom in (None, thing) and any(m in shut for m in busy):
                    expected.codes.add("closed")
            if units > thing.quantity:
                # More than the house owns: said as such, whoever else has booked.
                expected.codes.add("quantity")
                continue
            others = [h for h in self.held() if h.thing == thing and h.id not in exclude]
            expected.pending |= {h.id for h in others
                                 if h.request.status == "pending" and any(m in h.busy for m in busy)}
            approved = [h for h in others if h.request.status == "approved"]
            for m in busy:
                holders = [h for h in approved if m in h.busy]
                if thing.exclusive:
                    short = bool(holders)
                else:
                    short = sum(h.units for h in holders) + units > thing.quantity
                if short:
                    expected.codes.add("taken" if thing.exclusive else "units")
                    expected.in_the_way |= {h.id for h in holders}
        return expected

    def judge_request(self, request: Request) -> Expected:
        """The verdict on a waiting request: its own bookings do not count against it."""
        parts = [(h.thing, h.units) for h in request.parts]
        return self.judge(parts, request.start, request.end, request.attendees,
                          exclude=frozenset(h.id for h in request.parts))

    def add(self, ids: list[int], parts: list[tuple[Thing, int]], start: int, end: int, attendees: int,
            group: int) -> None:
        request = Request([], "pending", start, end, attendees, group)
        for booking_id, (thing, units) in zip(ids, parts, strict=True):
            busy = range(start - thing.setup, end + thing.cleanup)
            request.parts.append(Held(booking_id, thing, units, busy, request))
        self.requests.append(request)

    def move(self, request: Request, status: str) -> None:
        request.status = status
        request.steps += 1


# --- the machine -------------------------------------------------------------------------------


@dataclass
class World:
    """The house's fixed rows, by id, so that each example can begin with a new session."""

    resources: dict[str, int]
    groups: list[int]  # a partner of each organisation
    manager: int
    days: dict[str, date]
    # How often each verdict came up over all examples: a run that never refused, or never
    # granted, would prove little.
    tally: Counter = field(default_factory=Counter)


def clear_bookings() -> None:
    """Forget the last example's bookings and number them from 1 again; resources, people,
    closures and the migrations' opening hours stay."""
    db.session.remove()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE audit_event, booking RESTART IDENTITY CASCADE"))
        else:  # SQLite numbers rows on from the highest one left: from 1 in an empty table
            conn.execute(sa.delete(AuditEvent))
            conn.execute(sa.update(Booking).values(bundle_of_id=None))
            conn.execute(sa.delete(Booking))


def seen(verdict: Verdict) -> Expected:
    """The real verdict in the oracle's terms."""
    return Expected(codes={reason.code for reason in verdict.reasons},
                    pending={b.id for b in verdict.pending},
                    in_the_way={b.id for b in verdict.approved})


class HouseMachine(RuleBasedStateMachine):
    """Requests, approvals, withdrawals and rejections in one small house.

    Every example begins in a house without bookings whose rows are numbered from 1, so the
    booking ids in a printed example are the same on every database. A decision may name
    any part of a bundle.
    """

    def __init__(self, world: World):
        super().__init__()
        self.world = world
        clear_bookings()
        self.oracle = Oracle(world.days)

    def resource(self, thing: Thing) -> Resource:
        return db.session.get(Resource, self.world.resources[thing.name])

    def user(self, user_id: int) -> User:
        return db.session.get(User, user_id)

    def pick(self, data, *statuses: str) -> tuple[Booking, Request]:
        """Any booking whose request is in one of these states, and that request."""
        booking_id = data.draw(st.sampled_from(self.oracle.ids(*statuses)), label="booking")
        return db.session.get(Booking, booking_id), self.oracle.request_of(booking_id)

    def ask(self, parts: list[tuple[Thing, int]], starts_at: datetime, length: int, attendees: int, group: int,
            anyway: bool) -> None:
        """Check a new request live, then submit it if nothing speaks against it, as the form
        does, or `anyway` (as if the rules had changed since), so that approvals meet every rule."""
        ends_at = starts_at + timedelta(minutes=length)
        ask = Ask(tuple(Part(self.resource(thing), units) for thing, units in parts), starts_at, ends_at, attendees)
        expected = self.oracle.judge(parts, minute(starts_at), minute(ends_at), attendees)
        assert seen(availability.check(db.session, ask, now())) == expected
        self.world.tally["checked"] += 1
        if expected.codes and not anyway:
            db.session.rollback()
            return
        partner = self.user(self.world.groups[group])
        lead = workflow.submit(db.session, ask, by=partner, organisation=partner.organisation, title="Treffen")
        db.session.commit()
        self.oracle.add([b.id for b in lead.parts], parts, minute(starts_at), minute(ends_at), attendees, group)

    @rule(parts=PARTS, slot=slots(), attendees=ATTENDEES, group=GROUP, anyway=st.booleans())
    def request(self, parts, slot, attendees, group, anyway):
        """A new request for a room, some sets, or both."""
        day, start, length = slot
        self.ask([(THINGS[name], units) for name, units in parts], instant(self.world.days[day], start), length,
                 attendees, group, anyway)

    @precondition(lambda self: self.oracle.ids("pending", "approved"))
    @rule(data=st.data(), side=st.sampled_from(["after", "before", "across"]), shift=st.sampled_from([0, -15, 15]),
          length=LENGTHS, attendees=ATTENDEES, group=GROUP, anyway=st.booleans())
    def request_next_to(self, data, side, shift, length, attendees, group, anyway):
        """A request for what another booking holds, keeping it busy from the minute that
        booking lets it go, up to the minute it takes it, or from half an hour before it lets
        it go (`shift` minutes later): back to back, where the half-open intervals and the
        buffers decide, or across the end of one booking into the next."""
        booking, request = self.pick(data, "pending", "approved")
        held = next(h for h in request.parts if h.id == booking.id)
        thing = held.thing
        units = 1 if thing.exclusive else data.draw(st.integers(1, thing.quantity + 1), label="units")
        if side == "after":
            start = held.busy.stop + thing.setup + shift
        elif side == "before":
            start = held.busy.start - thing.cleanup - length + shift
        else:
            start = held.busy.stop - 30 + thing.setup + shift
        self.ask([(thing, units)], ORIGIN + timedelta(minutes=start), length, attendees, group, anyway)

    def approve(self, booking: Booking, request: Request) -> bool:
        """Granted exactly when the oracle finds no minute against it, refused with
        ConflictError otherwise; the check before approval says why, in the oracle's terms."""
        expected = self.oracle.judge_request(request)
        assert seen(availability.check_booking(db.session, booking.bundle_of or booking, now())) == expected
        manager = self.user(self.world.manager)
        if expected.codes:
            with pytest.raises(workflow.ConflictError):
                workflow.approve(db.session, booking, manager, now())
            db.session.rollback()
            self.world.tally["refused"] += 1
            return False
        workflow.approve(db.session, booking, manager, now())
        db.session.commit()
        self.world.tally["granted"] += 1
        self.oracle.move(request, "approved")
        return True

    @precondition(lambda self: self.oracle.ids("pending"))
    @rule(data=st.data())
    def approve_any(self, data):
        """Approve a waiting request, through any of its parts."""
        self.approve(*self.pick(data, "pending"))

    @precondition(lambda self: self.oracle.ids("pending"))
    @rule()
    def work_the_queue(self):
        """The manager takes the request that has waited longest: approves it, or rejects it
        when approval is refused."""
        booking_id = self.oracle.ids("pending")[0]
        booking, request = db.session.get(Booking, booking_id), self.oracle.request_of(booking_id)
        if not self.approve(booking, request):
            workflow.reject(db.session, booking, self.user(self.world.manager), now(), "Das geht leider nicht.")
            db.session.commit()
            self.oracle.move(request, "rejected")

    @precondition(lambda self: self.oracle.ids("pending", "approved"))
    @rule(data=st.data(), how=st.sampled_from(["withdraw", "reject"]))
    def close(self, data, how):
        """The group takes back its request or gives up its booking, or the house rejects a
        waiting request."""
        if how == "withdraw":
            booking, request = self.pick(data, "pending", "approved")
            workflow.withdraw(db.session, booking, self.user(self.world.groups[request.group]), now())
        else:
            if not self.oracle.ids("pending"):
                return
            booking, request = self.pick(data, "pending")
            workflow.reject(db.session, booking, self.user(self.world.manager), now(), "Der Raum ist vergeben.")
        db.session.commit()
        self.oracle.move(request, "cancelled" if how == "withdraw" else "rejected")

    @precondition(lambda self: self.oracle.ids("rejected", "cancelled"))
    @rule(data=st.data(), step=st.sampled_from(["approve", "reject", "withdraw"]))
    def decide_again(self, data, step):
        """A decided request is not approved or rejected again, a closed one not withdrawn:
        the step is refused as not allowed (not as a conflict), and nothing changes."""
        statuses = ("rejected", "cancelled") if step == "withdraw" else ("approved", "rejected", "cancelled")
        booking, _ = self.pick(data, *statuses)
        manager = self.user(self.world.manager)
        with pytest.raises(workflow.WorkflowError) as refusal:
            if step == "approve":
                workflow.approve(db.session, booking, manager, now())
            elif step == "reject":
                workflow.reject(db.session, booking, manager, now(), "Zu spät.")
            else:
                workflow.withdraw(db.session, booking, manager, now())
        assert type(refusal.value) is workflow.WorkflowError
        db.session.rollback()

    @invariant()
    def database_agrees_with_the_oracle(self):
        """What another request would read now: the oracle's rows, spans and statuses, one audit
        row per status change, no room given twice, never more units out than the house owns."""
        rows = committed(sa.select(Booking.id, Booking.resource_id, Booking.units, Booking.status,
                                   Booking.busy_from, Booking.busy_until))
        names = {v: k for k, v in self.world.resources.items()}
        found = {row.id: (names[row.resource_id], row.units, str(row.status),
                          range(minute(row.busy_from), minute(row.busy_until))) for row in rows}
        assert found == {h.id: (h.thing.name, h.units, h.request.status, h.busy) for h in self.oracle.held()}
        assert count_rows(AuditEvent) == sum(r.steps for r in self.oracle.requests)

        approved = [(THINGS[name], units, busy) for name, units, status, busy in found.values()
                    if status == "approved"]
        for thing in THINGS.values():
            spans = [(units, busy) for t, units, busy in approved if t == thing]
            for m in {m for _, busy in spans for m in busy}:
                out = [units for units, busy in spans if m in busy]
                assert (len(out) if thing.exclusive else sum(out)) <= thing.quantity, (thing.name, m)


@pytest.fixture
def world(make) -> World:
    """Two rooms (the kitchen with its buffers), the tent sets, three groups, a manager, closures."""
    resources = {
        SAAL: make.resource(SAAL.name, capacity=SAAL.capacity),
        KUECHE: make.resource(KUECHE.name, capacity=KUECHE.capacity, setup_minutes=KUECHE.setup,
                              cleanup_minutes=KUECHE.cleanup),
        SETS: make.resource(SETS.name, kind=ResourceKind.EQUIPMENT, quantity=SETS.quantity,
                            setup_minutes=SETS.setup, cleanup_minutes=SETS.cleanup),
    }
    days = {name: future_day(weekday) for name, weekday in WEEKDAYS.items()}
    for thing, day, a, z, why in CLOSURES:
        db.session.add(Closure(resource=resources.get(thing), starts_at=instant(days[day], a),
                               ends_at=instant(days[day], z), reason=why))
    db.session.commit()
    return World(
        resources={thing.name: r.id for thing, r in resources.items()},
        groups=[make.user(Role.PARTNER).id for _ in range(GROUPS)],
        manager=make.user(Role.MANAGER).id,
        days=days,
    )


# Every step costs a few queries, so the budget is counted in steps: 70 programs of up to 40
# steps, about 20 s on SQLite and 35 s on PostgreSQL. On a failure one bug is shrunk and
# reported; the explain phase, which would replay the shrunk program many times over, is left out.
SETTINGS = settings(
    max_examples=70,
    stateful_step_count=40,
    deadline=None,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)


def test_rules_agree_with_a_brute_force_oracle(app, world):
    run_state_machine_as_test(lambda: HouseMachine(world), settings=SETTINGS)
    # Every step asserted agreement; the run must also have met both answers many times.
    assert world.tally["checked"] >= 100, world.tally
    assert world.tally["granted"] >= 20 and world.tally["refused"] >= 5, world.tally
