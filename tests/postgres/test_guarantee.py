"""PostgreSQL holds the house's promise itself: no two approved bookings of a room or plot keep
it busy at the same instant (the exclusion constraint booking_approved_no_overlap), whatever
the application checks or forgets to check."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError

from booking import workflow
from booking.database import is_overlap_violation
from booking.extensions import db
from booking.models import AuditEvent, Booking, ResourceKind, Role, Status
from booking.rules import Verdict
from tests.conftest import ON_POSTGRES, count_rows

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL=postgresql://…")]

CONSTRAINT = "booking_approved_no_overlap"


@pytest.fixture
def room(make):
    return make.resource("Seminarraum 3", capacity=20)


def assert_refused_by_the_constraint(caught: pytest.ExceptionInfo[IntegrityError]) -> None:
    db.session.rollback()
    assert is_overlap_violation(caught.value)
    assert caught.value.orig.diag.constraint_name == CONSTRAINT


def test_a_second_overlapping_approved_booking_cannot_be_inserted(app, make, room):
    make.booking(room, make.organisation("A"), start="10:00", end="12:00", status=Status.APPROVED)
    with pytest.raises(IntegrityError) as caught:
        make.booking(room, make.organisation("B"), start="11:59", end="13:00", status=Status.APPROVED)
    assert_refused_by_the_constraint(caught)
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 1


def test_a_pending_overlapping_booking_cannot_be_updated_to_approved(app, make, room):
    make.booking(room, make.organisation("A"), start="10:00", end="12:00", status=Status.APPROVED)
    pending = make.booking(room, make.organisation("B"), start="09:00", end="10:30")
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(sa.text("UPDATE booking SET status = 'approved' WHERE id = :id"), {"id": pending.id})
    assert_refused_by_the_constraint(caught)

    pending.status = Status.APPROVED  # through the ORM, as a careless view would
    with pytest.raises(IntegrityError) as caught:
        db.session.commit()
    assert_refused_by_the_constraint(caught)
    assert count_rows(Booking, Booking.status == Status.PENDING) == 1


def test_a_booking_cannot_be_moved_onto_another(app, make, room):
    make.booking(room, make.organisation("A"), start="10:00", end="12:00", status=Status.APPROVED)
    later = make.booking(room, make.organisation("B"), start="14:00", end="16:00", status=Status.APPROVED)
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(
            sa.text("UPDATE booking SET busy_from = busy_from - interval '3 hours', "
                    "starts_at = starts_at - interval '3 hours', ends_at = ends_at - interval '3 hours', "
                    "busy_until = busy_until - interval '3 hours' WHERE id = :id"),
            {"id": later.id},
        )
    assert_refused_by_the_constraint(caught)


def test_touching_bookings_are_allowed(app, make, room):
    """Half-open: [10:00, 12:00) and [12:00, 14:00) share no instant."""
    make.booking(room, make.organisation("A"), start="10:00", end="12:00", status=Status.APPROVED)
    make.booking(room, make.organisation("B"), start="12:00", end="14:00", status=Status.APPROVED)
    make.booking(room, make.organisation("C"), start="08:00", end="10:00", status=Status.APPROVED)
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 3


def test_set_up_and_clean_up_time_counts_as_busy(app, make):
    kitchen = make.resource("Lehrküche", capacity=12, cleanup_minutes=30)
    make.booking(kitchen, make.organisation("A"), start="10:00", end="12:00", status=Status.APPROVED)
    with pytest.raises(IntegrityError) as caught:
        make.booking(kitchen, make.organisation("B"), start="12:00", end="14:00", status=Status.APPROVED)
    assert_refused_by_the_constraint(caught)
    make.booking(kitchen, make.organisation("C"), start="12:30", end="14:00", status=Status.APPROVED)
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 2


def test_equipment_may_overlap_it_is_counted_by_units(app, make):
    sets = make.resource("Bierzeltgarnitur", kind=ResourceKind.EQUIPMENT, quantity=10)
    make.booking(sets, start="10:00", end="12:00", units=6, status=Status.APPROVED)
    make.booking(sets, start="11:00", end="13:00", units=4, status=Status.APPROVED)
    assert count_rows(Booking, Booking.status == Status.APPROVED, Booking.exclusive.is_(False)) == 2


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.CANCELLED])
def test_only_approved_bookings_exclude_each_other(app, make, room, status):
    make.booking(room, make.organisation("A"), start="10:00", end="12:00", status=Status.APPROVED)
    make.booking(room, make.organisation("B"), start="10:00", end="12:00", status=status)
    make.booking(room, make.organisation("C"), start="11:00", end="13:00", status=status)
    assert count_rows(Booking, Booking.status == status) == 2


def test_other_rooms_at_the_same_time_are_allowed(app, make, room):
    make.booking(room, start="10:00", end="12:00", status=Status.APPROVED)
    make.booking(make.resource("Seminarraum 4"), start="10:00", end="12:00", status=Status.APPROVED)
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 2


@pytest.fixture
def unguarded(monkeypatch):
    """The application's own guard switched off: no lock, and every check says yes."""
    monkeypatch.setattr(workflow, "lock_for_decision", lambda session, resource_ids: None)
    monkeypatch.setattr(workflow, "check_booking", lambda session, booking, at: Verdict())


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_approval_past_the_application_is_refused_with_409(app, client, auth, make, room, unguarded, htmx):
    manager = make.user(Role.MANAGER)
    auth.login(manager)
    make.booking(room, make.organisation("A"), start="10:00", end="12:00", status=Status.APPROVED)
    late = make.booking(room, make.organisation("B"), start="11:00", end="13:00", title="Spätes Treffen")
    late_id = late.id

    response = client.post(f"/manage/bookings/{late_id}/approve", headers={"HX-Request": "true"} if htmx else {})

    assert response.status_code == 409
    with app.test_request_context(), force_locale("de"):
        message = gettext("Another booking was approved for this time just now.")
    html = response.get_data(as_text=True)
    assert message in html and ("<html" in html) != htmx
    assert f'id="request-{late_id}"' in html
    # Nothing changed: still pending, undecided, unaudited.
    assert count_rows(Booking, Booking.status == Status.APPROVED) == 1
    assert count_rows(Booking, Booking.id == late_id, Booking.status == Status.PENDING,
                      Booking.decided_by_id.is_(None)) == 1
    assert count_rows(AuditEvent) == 0
