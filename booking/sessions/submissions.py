"""Create forms sent once: a second post of the same form makes no second row.

Each create form carries a random key, made when the form is shown. Saving claims the key for
the person, in the same transaction as what the form creates, and records where its answer
leads. A post whose key is claimed already gets that answer instead of creating again.

Two posts of one key at the same instant: on SQLite the write lock, taken before the key is
looked up, lets one in after the other; on PostgreSQL the unique constraint on (person, key)
makes the second insert wait for the first transaction and then fail, and the second post
reads the first one's answer. Keys belong to one person: another's key finds nothing.

Plain functions: they take the session, flush but never commit.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import take_write_lock
from .models import Submission

WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEPT = timedelta(days=2)


def new_key() -> str:
    """A key for a form about to be shown."""
    return secrets.token_urlsafe(16)


def first_answer(session: Session, user_id: int, key: str) -> str | None:
    """Where the post that claimed this key led, if this person claimed it before."""
    return session.scalar(sa.select(Submission.location).where(Submission.user_id == user_id, Submission.key == key))


def claim(session: Session, user_id: int, key: str, *, at: datetime) -> str | None:
    """Claim the key for this person until the commit. None: it is ours, go on and create;
    else the first post's answer (that post has committed). The person's keys older than a
    form can live (its CSRF token lasts a working day) are cleared away on the way."""
    take_write_lock(session)
    session.execute(sa.delete(Submission).where(Submission.user_id == user_id, Submission.created_at < at - KEPT))
    found = first_answer(session, user_id, key)
    if found == "":  # claimed earlier in this same transaction: a committed claim has its answer
        return None
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(Submission(user_id=user_id, key=key, created_at=at))
    except IntegrityError:  # PostgreSQL: the same key, claimed and committed while we waited
        return first_answer(session, user_id, key) or "/"
    return None


def answered(session: Session, user_id: int, key: str, location: str) -> None:
    """Record where the post that claimed this key led (never empty: see claim)."""
    session.execute(sa.update(Submission).where(Submission.user_id == user_id, Submission.key == key)
                    .values(location=location))
