"""Which approved bookings a manager's change would contradict (booking.contradictions), without a client."""

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from booking import contradictions, workflow
from booking.clock import now
from booking.extensions import db
from booking.manage.hours import save_week
from booking.models import Booking, Closure, Resource, ResourceKind, Role, Status
from tests.conftest import at, future_day

TUESDAY = future_day(1)


@pytest.fixture
def group(make):
    return make.organisation("Nachbarschaftshilfe")


def check(resources, change):
    contradictions.lock(db.session, [r.id for r in resources])
    resources = [db.session.get(Resource, r.id) for r in resources]
    found = contradictions.contradicted_by(db.session, resources, now(), lambda: change(*resources))
    return {c.booking.id: sorted(r.code for r in c.reasons) for c in found}


def setter(**values):
    def change(resource, *others):
        for name, value in values.items():
            setattr(resource, name, value)
    return change


def test_a_change_that_breaks_nothing_finds_nothing(make, group):
    room = make.resource("Saal", capacity=40)
    make.booking(room, group, day=TUESDAY, status=Status.APPROVED, attendees=30)
    assert check([room], setter(capacity=30, description="Mit Bühne")) == {}
    db.session.commit()
    assert db.session.get(Resource, room.id).capacity == 30  # the change itself is made


def test_capacity_quantity_and_deactivation_each_name_their_rule(make, group):
    room = make.resource("Saal", capacity=40)
    tents = make.resource("Zelt", kind=ResourceKind.EQUIPMENT, quantity=4)
    full = make.booking(room, group, day=TUESDAY, status=Status.APPROVED, attendees=30)
    item = make.booking(tents, group, day=TUESDAY, status=Status.APPROVED, units=3, bundle_of=full,
                        attendees=None)
    assert check([room], setter(capacity=20)) == {full.id: ["capacity"]}
    db.session.rollback()
    # The equipment item is judged with its bundle, and listed by the bundle's lead booking.
    assert check([tents], setter(quantity=2)) == {full.id: ["quantity"]}
    db.session.rollback()
    other = make.booking(tents, group, day=TUESDAY, start="11:00", end="15:00", status=Status.APPROVED, units=1)
    assert check([tents], setter(quantity=3)) == {full.id: ["units"], other.id: ["units"]}
    db.session.rollback()
    assert check([room], setter(active=False)) == {full.id: ["inactive"]}
    db.session.rollback()
    assert check([tents], setter(quantity=4)) == {}


def test_pending_past_and_withdrawn_bookings_are_not_contradicted(make, group):
    room = make.resource("Saal", capacity=40)
    make.booking(room, group, day=TUESDAY, status=Status.PENDING, attendees=30)
    make.booking(room, group, day=TUESDAY, start="14:00", end="16:00", status=Status.CANCELLED, attendees=30)
    make.booking(room, group, day=TUESDAY - timedelta(days=21), status=Status.APPROVED, attendees=30)
    assert check([room], setter(capacity=10, active=False)) == {}


def test_a_rule_broken_before_the_change_is_not_the_changes_doing(make, group, app):
    room = make.resource("Saal", capacity=40)
    booked = make.booking(room, group, day=TUESDAY, status=Status.APPROVED, attendees=30)
    db.session.add(Closure(resource_id=room.id, starts_at=at(TUESDAY, "09:00"), ends_at=at(TUESDAY, "18:00"),
                           reason="Wasserschaden"))
    db.session.commit()
    assert check([room], setter(description="Neu")) == {}
    db.session.rollback()
    assert check([room], setter(capacity=10)) == {booked.id: ["capacity"]}


def test_longer_buffers_against_the_neighbours_and_the_closing_time(make, group):
    kitchen = make.resource("Lehrküche", capacity=12)
    first = make.booking(kitchen, group, day=TUESDAY, start="10:00", end="12:00", status=Status.APPROVED)
    second = make.booking(kitchen, group, day=TUESDAY, start="12:30", end="14:00", status=Status.APPROVED)
    last = make.booking(kitchen, group, day=TUESDAY, start="20:00", end="21:45", status=Status.APPROVED)
    assert check([kitchen], setter(cleanup_minutes=30)) == {last.id: ["hours"]}
    db.session.rollback()
    assert check([kitchen], setter(setup_minutes=45)) == {second.id: ["taken"]}
    db.session.rollback()
    assert check([kitchen], setter(cleanup_minutes=45)) == {first.id: ["taken"], last.id: ["hours"]}


def test_house_hours_and_a_resources_own_hours(make, group):
    room = make.resource("Saal", capacity=40)
    plot = make.resource("Beet 1", kind=ResourceKind.PLOT, capacity=None)
    morning = make.booking(room, group, day=TUESDAY, start="08:00", end="10:00", status=Status.APPROVED)
    make.booking(plot, group, day=TUESDAY, start="00:00", end="12:00", status=Status.APPROVED, attendees=None)
    house = {d: (480, 1320) for d in range(5)} | {1: (600, 1320), 5: (600, 1080)}
    assert check([room, plot], lambda *rs: save_week(db.session, None, house)) == {morning.id: ["hours"]}
    db.session.rollback()
    assert check([room], lambda r: save_week(db.session, r.id, {1: (None, None)})) == {morning.id: ["hours"]}
    db.session.rollback()
    assert check([room], lambda r: save_week(db.session, r.id, {1: (420, 1320)})) == {}


def test_an_organisations_bookings_to_come(make, group):
    room = make.resource("Saal", capacity=40)
    coming = make.booking(room, group, day=TUESDAY, status=Status.APPROVED)
    make.booking(room, group, day=TUESDAY, start="14:00", end="16:00", status=Status.PENDING)
    make.booking(room, make.organisation("Andere"), day=TUESDAY, start="17:00", end="19:00", status=Status.APPROVED)
    make.booking(room, group, day=TUESDAY - timedelta(days=21), status=Status.APPROVED)
    assert [b.id for b in contradictions.of_organisation(db.session, group, now())] == [coming.id]


def test_the_confirmation_names_exactly_the_bookings_shown(make, group):
    assert contradictions.confirmed_ids("3, 12,x,,7,-1,99999999999999") == frozenset({3, 7, 12})
    assert contradictions.confirmed_ids(None) == frozenset()
    room = make.resource("Saal")
    a = make.booking(room, group, day=TUESDAY, status=Status.APPROVED)
    b = make.booking(room, group, day=TUESDAY, start="14:00", end="16:00", status=Status.APPROVED)
    assert contradictions.ids_text([b.id, a.id]) == f"{a.id},{b.id}"
    assert not contradictions.needs_confirmation([a], frozenset({a.id, b.id}))
    assert contradictions.needs_confirmation([a, b], frozenset({a.id}))
    assert not contradictions.needs_confirmation([], frozenset())


def test_an_approval_between_the_check_and_the_write_waits_and_then_sees_the_change(app, make, group):
    """The check and the write are one step: an approval cannot slip in between them."""
    manager = make.user(Role.MANAGER)
    tents = make.resource("Zelt", kind=ResourceKind.EQUIPMENT, quantity=4)
    request = make.booking(tents, group, day=TUESDAY, units=3, attendees=None)
    request_id, manager_id = request.id, manager.id
    db.session.commit()
    outcome = {}

    def approve():
        with app.app_context():
            try:
                workflow.approve(db.session, db.session.get(Booking, request_id),
                                 db.session.get(type(manager), manager_id), now())
                db.session.commit()
                outcome["result"] = "approved"
            except workflow.ConflictError as error:
                db.session.rollback()
                outcome["result"] = str(error)
            finally:
                db.session.remove()

    other = threading.Thread(target=approve)

    def change(resource):
        # The bookings have been read; the approval tries its luck before the change is written.
        other.start()
        time.sleep(0.5)
        assert "result" not in outcome  # held up by the change's lock
        resource.quantity = 2

    assert check([tents], change) == {}  # nothing was approved when it was checked
    db.session.commit()
    other.join(timeout=20)
    assert outcome["result"] != "approved" and "2" in outcome["result"] and "Zelt" in outcome["result"]
    assert db.session.scalar(sa.select(Booking.status).where(Booking.id == request_id)) == Status.PENDING
