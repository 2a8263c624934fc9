"""PostgreSQL keeps instants as timestamptz and enforces the same rules as the models."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from booking.extensions import db
from booking.models import Status
from tests.conftest import ON_POSTGRES, at, future_day

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL=postgresql://…")]


def test_booking_times_are_timestamptz(app):
    types = dict(db.session.execute(sa.text(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'booking'"
    )).all())
    assert types["starts_at"] == types["ends_at"] == "timestamp with time zone"


def test_database_refuses_an_end_before_the_start(app, make):
    booking = make.booking(make.resource())
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text("UPDATE booking SET ends_at = starts_at WHERE id = :id"), {"id": booking.id})
        db.session.flush()
    db.session.rollback()


def test_emails_are_unique_whatever_their_case(app, make):
    make.user(email="chor@example.org")
    with pytest.raises(IntegrityError):
        make.user(email="CHOR@example.org")
    db.session.rollback()


def test_instants_round_trip_across_daylight_saving(app, make):
    day = future_day()
    booking = make.booking(make.resource(), day=day, status=Status.APPROVED)
    db.session.expire_all()
    assert booking.starts_at == at(day, "10:00")
