"""SQLite: the lock a booking decision takes (booking.database.lock_for_decision).

A second connection plays another request, in another worker process: it asks for the write
lock with `BEGIN IMMEDIATE` and a short busy timeout, so it learns at once whether we hold it.
"""

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from booking.database import WriteLockError, lock_for_decision
from booking.extensions import db
from booking.models import Booking, Resource, Status
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock; PostgreSQL locks the resource rows")

PATIENCE = 0.2  # seconds the other connection waits for the lock


@pytest.fixture
def other(app_config):
    """Another connection to the same database file, as another request would have."""
    conn = sqlite3.connect(
        app_config["DATABASE_URL"].removeprefix("sqlite:///"),
        timeout=PATIENCE,
        isolation_level=None,  # we say BEGIN ourselves
        check_same_thread=False,
    )
    yield conn
    conn.close()


def others_can_write(conn: sqlite3.Connection) -> bool:
    """Whether the other connection gets the write lock now; refused within its short wait."""
    started = time.monotonic()
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "database is locked" in str(error)
        assert time.monotonic() - started < PATIENCE + 1
        return False
    conn.execute("ROLLBACK")
    return True


@pytest.fixture
def room_id(make) -> int:
    room_id = make.resource("Saal").id
    db.session.commit()  # nothing begun: each test starts its own transaction
    return room_id


def transaction():
    """The session's current transaction (None when none has begun)."""
    return db.session().get_transaction()


def read_room(room_id: int) -> Resource:
    """A read, as every request makes before it decides: it begins a (deferred) transaction."""
    return db.session.scalars(sa.select(Resource).where(Resource.id == room_id)).one()


def test_a_read_alone_does_not_hold_the_write_lock(app, room_id, other):
    read_room(room_id)
    assert transaction() is not None
    assert others_can_write(other)


def test_the_lock_restarts_a_reading_transaction_as_an_immediate_one(app, room_id, other):
    read_room(room_id)
    reading = transaction()

    lock_for_decision(db.session, [room_id])

    assert transaction() is not reading
    assert not others_can_write(other)
    db.session.rollback()
    assert others_can_write(other)


def test_without_a_transaction_the_lock_begins_one(app, room_id, other):
    assert transaction() is None
    lock_for_decision(db.session, [room_id])
    assert not others_can_write(other)
    db.session.commit()
    assert others_can_write(other)


def test_what_was_read_before_the_lock_is_read_again_after_it(app, make, room_id, other):
    """Another request approved the booking between our first read and our lock: we see it."""
    booking_id = make.booking(db.session.get(Resource, room_id)).id
    db.session.commit()
    booking = db.session.get(Booking, booking_id)
    assert booking.status == Status.PENDING
    other.execute("UPDATE booking SET status = 'approved' WHERE id = ?", (booking_id,))

    lock_for_decision(db.session, [room_id])

    assert booking.status == Status.APPROVED
    db.session.rollback()


def test_taking_the_lock_twice_keeps_the_transaction(app, room_id, other):
    lock_for_decision(db.session, [room_id])
    locked = transaction()
    read_room(room_id).description = "Mit Bühne"
    db.session.flush()

    lock_for_decision(db.session, [room_id])

    assert transaction() is locked
    assert not others_can_write(other)
    db.session.commit()
    assert read_room(room_id).description == "Mit Bühne"


def test_a_transaction_that_has_written_is_kept(app, room_id, other):
    """It holds the write lock already (SQLite gave it only on an up-to-date snapshot), and
    rolling it back would throw its work away."""
    room = read_room(room_id)
    room.description = "Mit Bühne"
    db.session.flush()
    writing = transaction()

    lock_for_decision(db.session, [room_id])

    assert transaction() is writing
    assert not others_can_write(other)
    db.session.commit()
    with db.engine.connect() as conn:
        assert conn.scalar(sa.select(Resource.description).where(Resource.id == room_id)) == "Mit Bühne"


def test_unflushed_changes_refuse_the_lock(app, room_id, other):
    """Restarting the transaction would lose them; taking the lock later is a mistake to show."""
    room = read_room(room_id)
    reading = transaction()
    room.description = "Mit Bühne"

    with pytest.raises(WriteLockError):
        lock_for_decision(db.session, [room_id])

    assert transaction() is reading and room in db.session.dirty
    assert others_can_write(other)
    db.session.rollback()


def test_the_lock_waits_for_another_writer_instead_of_failing(app, room_id, other):
    """The busy timeout set on every connection: a decision queues behind another one."""
    other.execute("BEGIN IMMEDIATE")
    releases = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    started = time.monotonic()
    releases.start()
    try:
        lock_for_decision(db.session, [room_id])
    finally:
        releases.join()
    assert time.monotonic() - started >= 0.3
    db.session.rollback()
