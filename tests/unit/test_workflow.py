"""A request's life: allowed transitions, audit entries, refusals."""

import pytest

from booking import workflow
from booking.clock import now
from booking.extensions import db
from booking.models import AuditEvent, ResourceKind, Role, Status
from tests.conftest import at, future_day


@pytest.fixture
def manager(make):
    return make.user(Role.MANAGER)


def test_every_status_change_is_audited(app, make, manager):
    room = make.resource()
    partner = make.user(Role.PARTNER)
    day = future_day()
    booking = workflow.submit(
        db.session, by=partner, organisation=partner.organisation, resource=room,
        starts_at=at(day, "10:00"), ends_at=at(day, "12:00"), title="Kurs", attendees=5, note="",
    )
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


def test_request_problems_name_the_field(app, make):
    room = make.resource(capacity=10)
    day = future_day()
    problems = workflow.request_problems(room, at(day, "12:00"), at(day, "10:00"), 11, 1, now())
    assert {p.field for p in problems} == {"end", "attendees"}
    beamer = make.resource(kind=ResourceKind.EQUIPMENT, quantity=2)
    assert [p.field for p in workflow.request_problems(beamer, at(day, "10:00"), at(day, "11:00"), None, 3, now())] == ["units"]
    closed = make.resource(active=False)
    assert [p.field for p in workflow.request_problems(closed, at(day, "10:00"), at(day, "11:00"), 1, 1, now())] == ["resource_id"]


def test_a_booking_lasts_one_day_at_most(app, make):
    from datetime import timedelta

    room = make.resource()
    day = future_day()
    problems = workflow.request_problems(room, at(day, "10:00"), at(day + timedelta(days=2), "10:00"), 1, 1, now())
    assert [p.field for p in problems] == ["end"]
