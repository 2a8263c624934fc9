"""The house's day and the length of a booking, worked out by the database, on both engines."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from booking import sqltime
from booking.clock import local
from booking.extensions import db
from booking.models import Booking, Status

# Around both changes of the clocks in 2027 (28 March, 31 October) and in the summer between.
SPANS = [
    datetime(2027, 3, 20, tzinfo=timezone.utc),
    datetime(2027, 6, 20, tzinfo=timezone.utc),
    datetime(2027, 10, 24, tzinfo=timezone.utc),
]


@pytest.mark.parametrize("first", SPANS)
def test_the_house_day_of_every_hour_is_the_one_people_read(app, make, first):
    room = make.resource("Saal")
    org = make.organisation("Chor")
    member = make.user(organisation=org)
    instants = [first + timedelta(minutes=30 + 60 * n) for n in range(24 * 14)]
    for n, starts_at in enumerate(instants):
        db.session.add(Booking(resource=room, organisation=org, requested_by=member, title=f"B{n}",
                               starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45 + n % 90),
                               busy_from=starts_at, busy_until=starts_at + timedelta(minutes=45 + n % 90),
                               status=Status.PENDING))  # overlapping: pending ones may
    db.session.commit()
    dialect = db.engine.dialect.name
    day = sqltime.house_day(Booking.starts_at, instants[0], instants[-1] + timedelta(hours=1), dialect)
    seconds = sqltime.seconds_between(Booking.starts_at, Booking.ends_at, dialect)
    rows = db.session.execute(sa.select(Booking.starts_at, Booking.ends_at, day, seconds).order_by(Booking.id)).all()
    assert len(rows) == len(instants)
    for starts_at, ends_at, found_day, found_seconds in rows:
        assert str(found_day) == local(starts_at).date().isoformat(), starts_at
        assert found_seconds == pytest.approx((ends_at - starts_at).total_seconds(), abs=0.01)
