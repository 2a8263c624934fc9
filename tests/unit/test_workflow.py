"""A request's life: allowed transitions, audit entries, refusals."""

import pytest

from booking import workflow
from booking.clock import now
from booking.extensions import db
from booking.models import AuditEvent, Booking, ResourceKind, Role, Status
from booking.rules import Ask, Part
from tests.conftest import at, count_rows, future_day


@pytest.fixture
def manager(make):
    return make.user(Role.MANAGER)


def test_every_status_change_is_audited(app, make, manager):
    room = make.resource()
    partner = make.user(Role.PARTNER)
    day = future_day()
    ask = Ask((Part(room),), at(day, "10:00"), at(day, "12:00"), attendees=5)
    booking = workflow.submit(db.session, ask, by=partner, organisation=partner.organisation, title="Kurs")
    workflow.approve(db.session, booking, manager, now())
    workflow.withdraw(db.session, booking, partner, now())
    db.session.commit()
    trail = db.session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [(e.from_status, e.to_status, e.actor_id) for e in trail] == [
        (None, Status.PENDING, partner.id),
        (Status.PENDING, Status.APPROVED, manager.id),
        (Status.APPROVED, Status.CANCELLED, partner.id),
    ]


@pytest.mark.parametrize("final", [Status.REJECTED, Status.CANCELLED])
def test_final_states_stay_final(app, make, manager, final):
    booking = make.booking(make.resource(), status=final)
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(db.session, booking, manager, now())
    with pytest.raises(workflow.WorkflowError):
        workflow.withdraw(db.session, booking, manager, now())
    assert booking.status == final


def test_approval_refused_over_an_approved_booking(app, make, manager):
    room = make.resource()
    make.booking(room, start="10:00", end="12:00", status=Status.APPROVED)
    late = make.booking(room, start="11:00", end="13:00")
    with pytest.raises(workflow.ConflictError):
        workflow.approve(db.session, late, manager, now())
    assert late.status == Status.PENDING


def test_competing_pending_requests_do_not_block_each_other_until_one_is_approved(app, make, manager):
    room = make.resource()
    first = make.booking(room, start="10:00", end="12:00")
    second = make.booking(room, start="11:00", end="13:00")
    workflow.approve(db.session, first, manager, now())
    with pytest.raises(workflow.ConflictError):
        workflow.approve(db.session, second, manager, now())


def test_rejection_needs_a_reason(app, make, manager):
    booking = make.booking(make.resource())
    with pytest.raises(workflow.WorkflowError):
        workflow.reject(db.session, booking, manager, now(), "   ")
    workflow.reject(db.session, booking, manager, now(), "Raum wird renoviert")
    assert booking.decision_reason == "Raum wird renoviert"


def test_a_bundle_is_approved_whole_or_not_at_all(app, make, manager):
    room = make.resource("Saal")
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    beamer = make.resource("Beamer", kind=ResourceKind.EQUIPMENT, quantity=1)
    partner = make.user(Role.PARTNER)
    day = future_day()
    make.booking(beamer, day=day, start="11:00", end="12:00", status=Status.APPROVED)
    ask = Ask((Part(room), Part(sets, 6), Part(beamer, 1)), at(day, "10:00"), at(day, "14:00"), attendees=30)
    lead = workflow.submit(db.session, ask, by=partner, organisation=partner.organisation, title="Fest")
    db.session.commit()
    with pytest.raises(workflow.ConflictError, match="Beamer"):
        workflow.approve(db.session, lead, manager, now())
    db.session.rollback()
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 1  # only the beamer's other booking
    assert {part.status for part in lead.parts} == {Status.PENDING}


def test_deciding_a_bundle_moves_every_part(app, make, manager):
    room = make.resource("Saal")
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    partner = make.user(Role.PARTNER)
    day = future_day()
    ask = Ask((Part(room), Part(sets, 6)), at(day, "10:00"), at(day, "14:00"))
    lead = workflow.submit(db.session, ask, by=partner, organisation=partner.organisation, title="Fest")
    workflow.approve(db.session, lead.items[0], manager, now())  # deciding an item decides the request
    assert [p.status for p in lead.parts] == [Status.APPROVED, Status.APPROVED]
    workflow.withdraw(db.session, lead, partner, now())
    db.session.commit()
    assert count_rows(Booking, Booking.status == Status.CANCELLED) == 2
