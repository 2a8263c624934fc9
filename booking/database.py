"""Engine settings that the ORM does not make for us, and the lock every booking decision takes.

SQLite: the driver's own transaction handling starts a transaction only before the first
write, so a check (a read) and the write after it could interleave with another request.
We switch it off and begin every transaction ourselves: DEFERRED for reading, IMMEDIATE
(the database's write lock, taken at once) for a decision. PostgreSQL: the resource rows
are locked with SELECT ... FOR UPDATE, and an exclusion constraint backs it up.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

IMMEDIATE = "sqlite_begin_immediate"


@sa.event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, let readers and one writer work side by side, wait for locks."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


@sa.event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@sa.event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context) -> None:
    session.info["flushed"] = session.get_transaction()


class WriteLockError(RuntimeError):
    """A write lock was asked for after this transaction had already written."""


def take_write_lock(session: Session) -> None:
    """SQLite: hold the database's write lock from here until the commit.

    A conditional write that must see every commit before it (a link used once, a decision)
    then waits its turn instead of failing on an older snapshot. Reads earlier in the request
    may already have begun a transaction; that one is ended (it wrote nothing) and a new one
    begins with the lock taken. Objects loaded so far reload on next use. A transaction that
    has already written holds the lock and is kept. PostgreSQL needs nothing here: its
    UPDATE waits for the row and checks its condition again on the committed version.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    current = session.get_transaction()
    if current is not None and current in (session.info.get("immediate"), session.info.get("flushed")):
        # Begun IMMEDIATE, or it has written: either way it holds the write lock, and a
        # write succeeds only on an up-to-date snapshot.
        return
    if current is not None:
        if session.new or session.dirty or session.deleted:
            raise WriteLockError("take the write lock before changing anything")
        session.rollback()
    session.connection(execution_options={IMMEDIATE: True})
    session.info["immediate"] = session.get_transaction()


def lock_for_decision(session: Session, resource_ids) -> None:
    """Make sure no other request can change these resources' bookings until we commit.

    Call it before checking availability, so the check and the write that follows are one
    step to everyone else. Reads earlier in the request (the current user, the booking) may
    already have begun a transaction; on SQLite that one is ended (it wrote nothing) and a
    new one begins with the write lock taken. Objects loaded so far reload on next use.
    A transaction that has already written holds the lock and is kept.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name == "sqlite":
        take_write_lock(session)
        return
    from .models import Resource  # noqa: PLC0415 (models import this module's neighbours)

    session.execute(
        sa.select(Resource.id).where(Resource.id.in_(sorted(set(resource_ids)))).order_by(Resource.id).with_for_update()
    ).all()


EXCLUSION_VIOLATION = "23P01"


def is_overlap_violation(error: sa.exc.IntegrityError) -> bool:
    """PostgreSQL refused two approved bookings of one room at once (the exclusion constraint)."""
    return getattr(error.orig, "sqlstate", None) == EXCLUSION_VIOLATION
