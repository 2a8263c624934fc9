"""Engine settings that the ORM does not make for us, the write lock, and the database's refusals.

SQLite: the driver's own transaction handling starts a transaction only before the first
write, so a check (a read) and the write after it could interleave with another request.
We switch it off and begin every transaction ourselves: DEFERRED for reading, IMMEDIATE
(the database's write lock, taken at once, waiting up to busy_timeout for it) for anything
that may write. A transaction that read first and asks for the lock only at its first write
would fail at once ("database is locked") if another had committed in between: SQLite cannot
move its snapshot forward, and waiting would not help. So what may write says so before it
begins: every request that is not a GET, HEAD or OPTIONS (see web.py), every command that
writes (`@writes`), and a decision (`lock_for_decision`). PostgreSQL: the resource rows are
locked with SELECT ... FOR UPDATE, and an exclusion constraint backs it up.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

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


# True while the work under way may write: its SQLite transactions begin IMMEDIATE.
_may_write: ContextVar[bool] = ContextVar("treffpunkt_may_write", default=False)
# True for a request: once it has committed, what is left (its answer, a mail) only reads.
_until_commit: ContextVar[bool] = ContextVar("treffpunkt_until_commit", default=False)


def may_write(flag: bool = True, *, until_commit: bool = False) -> tuple[Token, Token]:
    """From here on (in this thread or task), transactions begin ready to write, or only to read.

    With `until_commit`, only until the next commit: a view commits once, and the lock is not
    held while it renders its answer or sends a mail. Returns what `restore` takes to put the
    previous setting back.
    """
    return _may_write.set(flag), _until_commit.set(until_commit)


def restore(tokens: tuple[Token, Token]) -> None:
    _may_write.reset(tokens[0])
    _until_commit.reset(tokens[1])


@sa.event.listens_for(Session, "after_commit")
def _written(session) -> None:
    if _until_commit.get():
        _may_write.set(False)


@contextmanager
def writing() -> Iterator[None]:
    """Every transaction begun inside may write (and so holds SQLite's write lock)."""
    token = may_write(True)
    try:
        yield
    finally:
        restore(token)


@contextmanager
def reading_first(session: Session) -> Iterator[None]:
    """Reads that need no write lock inside work that may write (a password check, which takes
    a while): they begin deferred, and that transaction is ended afterwards, so that whatever
    comes next begins with the lock again."""
    token = _may_write.set(False)
    try:
        yield
    finally:
        _may_write.reset(token)
        lock_begun_reads(session)


def writes(command):
    """A command-line task that writes: its transactions begin with the write lock."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with writing():
            return command(*args, **kwargs)

    return wrapped


@sa.event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get(IMMEDIATE, False) or _may_write.get()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@sa.event.listens_for(Session, "after_begin")
def _note_immediate(session, transaction, connection) -> None:
    """Remember a transaction that began with the write lock, so take_write_lock keeps it."""
    if connection.dialect.name == "sqlite" and (
        connection.get_execution_options().get(IMMEDIATE, False) or _may_write.get()
    ):
        session.info["immediate"] = session.get_transaction()


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


def lock_begun_reads(session: Session) -> None:
    """A transaction begun for reading before the work said it may write: end it (it wrote
    nothing), so the next one begins with the write lock. One that has changes is left alone."""
    if isinstance(session, scoped_session):
        session = session()
    current = session.get_transaction()
    if current is None or session.new or session.dirty or session.deleted:
        return
    if session.get_bind().dialect.name == "sqlite" and current not in (
        session.info.get("immediate"), session.info.get("flushed")
    ):
        session.rollback()


def release_write_lock(session: Session) -> None:
    """End a transaction begun with the write lock (at the end of a request: what it had to
    save is committed by then, and the lock is not kept while the session waits to be closed)."""
    if isinstance(session, scoped_session):
        session = session()
    current = session.get_transaction()
    if current is not None and current is session.info.get("immediate"):
        session.rollback()


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


# The database could not save for want of room or time: nothing was saved, and the same
# request may well work a little later. SQLite's result codes (the low byte is the primary
# code), PostgreSQL's SQLSTATE codes.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL = 5, 6, 13
DISK_FULL = "53100"
TOO_MANY_CONNECTIONS = "53300"


def _sqlite_code(error: sa.exc.DBAPIError) -> int | None:
    code = getattr(error.orig, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_disk_full(error: sa.exc.DBAPIError) -> bool:
    """The disk (or the database's size limit) is full: no write can be saved now."""
    return _sqlite_code(error) == SQLITE_FULL or getattr(error.orig, "sqlstate", None) == DISK_FULL


def is_busy(error: sa.exc.DBAPIError) -> bool:
    """The write lock or a connection did not come free in time."""
    return (_sqlite_code(error) in (SQLITE_BUSY, SQLITE_LOCKED)
            or getattr(error.orig, "sqlstate", None) == TOO_MANY_CONNECTIONS)
