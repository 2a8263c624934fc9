"""Accounts by e-mail: invitation and reset links, password changes and the password rules.

A link carries a random token; only its SHA-256 is stored, so the database alone opens no
account. A link works once, until it expires, and only for an active account: using it is
one conditional UPDATE whose row count says whether this request was the one that used it,
so two uses at the same moment cannot both succeed. Issuing a link withdraws the account's
older unused links of the same kind; setting a password withdraws all of them.

Plain functions: they take the session and the time, flush but never commit.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .database import take_write_lock
from .lazytext import lazy_gettext as _l
from .models import AccountToken, TokenPurpose, User

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
# What people add to a common password to get past a list: "sommer2024!", "passwort123".
_TRAILING_DIGITS_AND_MARKS = re.compile(r"[\d\W_]+$")


class PasswordRefused(ValueError):
    """The password breaks a rule; `problems` says which, in the reader's language."""

    def __init__(self, problems: list):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# Passwords

@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, compared case-insensitively."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """On the list, as typed or with digits and marks added at the end."""
    folded = password.strip().casefold()
    common = common_passwords()
    if folded in common:
        return True
    stem = _TRAILING_DIGITS_AND_MARKS.sub("", folded)
    return len(stem) >= 4 and stem in common


def password_problems(password: str, email: str) -> list:
    """Why this password may not be used for the account with this address; empty if it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [_l("Please choose a password of at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [_l("At most %(max)d characters, please.", max=MAX_PASSWORD_LENGTH)]
    folded = password.strip().casefold()
    address = User.normalise_email(email)
    if folded in (address, address.partition("@")[0]):
        return [_l("Please do not use your e-mail address as your password.")]
    if is_common(password):
        return [_l("This password is one of the most common ones and easy to guess. Please choose another.")]
    return []


def check_password_rules(password: str, email: str) -> None:
    problems = password_problems(password, email)
    if problems:
        raise PasswordRefused(problems)


# Links

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _withdraw(session: Session, user_id: int, purposes, at: datetime) -> None:
    """The account's unused links of these kinds stop working now."""
    session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose.in_(list(purposes)),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > at,
        )
        .values(expires_at=at)
        .execution_options(synchronize_session=False)
    )


def issue(session: Session, user: User, purpose: TokenPurpose, *, at: datetime,
          lifetime: timedelta) -> tuple[str, AccountToken]:
    """A new link for the account; its older unused links of the same kind stop working.

    Returns the token (for the e-mail; it is not stored) and the stored row. An account not
    yet saved gets its link saved with it.
    """
    if user.id is not None:
        _withdraw(session, user.id, (purpose,), at)
    token = secrets.token_urlsafe(32)
    record = AccountToken(
        user=user, purpose=purpose, token_hash=hash_token(token), created_at=at, expires_at=at + lifetime
    )
    session.add(record)
    return token, record


def valid_link(session: Session, token: str, at: datetime) -> AccountToken | None:
    """The stored link for this token if it can still be used now: unused, unexpired, active account."""
    if not token or len(token) > 200:
        return None
    return session.scalar(
        sa.select(AccountToken)
        .join(AccountToken.user)
        .where(
            AccountToken.token_hash == hash_token(token),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > at,
            User.active.is_(True),
        )
    )


def redeem(session: Session, token: str, password: str, *, at: datetime, method: str) -> User | None:
    """Use a link to set the account's password; None if it is unknown, used, expired or the
    account is inactive (nothing is changed then).

    The link is marked used in the same transaction as the password is set, by an UPDATE
    that only an unused, unexpired link of an active account matches. Every session of the
    account ends (the caller logs this one in again) and its other unused links stop working.
    PasswordRefused if the password breaks a rule: the caller rolls back.
    """
    if not token or len(token) > 200:
        return None
    take_write_lock(session)
    claimed = session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.token_hash == hash_token(token),
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > at,
            AccountToken.user_id.in_(sa.select(User.id).where(User.active.is_(True))),
        )
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    record = session.scalar(
        sa.select(AccountToken)
        .where(AccountToken.token_hash == hash_token(token))
        .execution_options(populate_existing=True)
    )
    change_password(session, record.user, password, at=at, method=method)
    return record.user


# Accounts

def awaiting_invitation(user: User) -> bool:
    """Invited, and the person has not chosen a password yet."""
    return user.active and not user.password_hash


def change_password(session: Session, user: User, password: str, *, at: datetime, method: str) -> None:
    """The person sets a new password: every session of the account ends (the caller logs the
    current one in again) and unused reset links stop working. PasswordRefused if it breaks a rule."""
    check_password_rules(password, user.email)
    user.set_password(password, method=method)
    user.end_sessions()
    _withdraw(session, user.id, tuple(TokenPurpose), at)
    session.flush()


def lock_out(session: Session, user: User, *, at: datetime) -> None:
    """An account was deactivated: it is logged out everywhere and its links stop working."""
    user.end_sessions()
    _withdraw(session, user.id, tuple(TokenPurpose), at)
    session.flush()
