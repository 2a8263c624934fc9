"""Login sessions kept on the server.

A login makes a row with a random key; the browser's (signed) session cookie carries the key,
and every request is let in only while its row exists. Logging out deletes the row, so a
copy of the cookie taken before opens nothing afterwards; "log out everywhere" deletes all of
the account's rows. A session also ends once it is older than its lifetime.

Plain functions: they take the session and the time, flush but never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ..freshness import HouseVersion
from ..models import User
from .models import LoginSession


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(session: Session, user: User, *, at: datetime, lifetime: timedelta) -> str:
    """Begin a session for this account; return the key for the cookie. The account's expired
    sessions are cleared away on the way."""
    session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id,
                                                  LoginSession.started_at <= at - lifetime))
    key = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, key_hash=_hash(key), started_at=at))
    session.flush()
    return key


@cache
def _account():
    """The login's statement, built once (on first use: the models must all be loaded first). The
    same query reads the house's change counter: a live page that has not changed answers 304
    after this one query (booking/freshness.py)."""
    return (
        sa.select(User, sa.select(HouseVersion.counter).where(HouseVersion.id == 1).scalar_subquery())
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == sa.bindparam("user_id"), LoginSession.key_hash == sa.bindparam("key_hash"),
               LoginSession.started_at > sa.bindparam("since", type_=LoginSession.started_at.type))
        .options(joinedload(User.approves))  # the resources it decides, which every page asks (policy)
    )


def account_and_house(session: Session, user_id: int, key: str, *, at: datetime,
                      lifetime: timedelta) -> tuple[User | None, int]:
    """The account whose live session this key names, else None; and the house's change
    counter (0 when there is no live session). One query."""
    if not key:
        return None, 0
    row = session.execute(_account(), {"user_id": user_id, "key_hash": _hash(key), "since": at - lifetime}).unique().first()
    return (row[0], row[1] or 0) if row is not None else (None, 0)


def account_of(session: Session, user_id: int, key: str, *, at: datetime, lifetime: timedelta) -> User | None:
    """The account whose live session this key names (one query), else None."""
    return account_and_house(session, user_id, key, at=at, lifetime=lifetime)[0]


def end(session: Session, key: str) -> None:
    """End the session with this key (nothing happens if it has ended already)."""
    if key:
        session.execute(sa.delete(LoginSession).where(LoginSession.key_hash == _hash(key)))


def end_all(session: Session, user: User) -> int:
    """End every session of this account; return how many there were."""
    return session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
