"""When each account last logged in: the login sessions themselves end and are cleared away,
so the retention rule ("no login and no booking for N months") keeps this one date per person."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import UTCDateTime
from ..sessions.models import LoginSession


class LastLogin(db.Model):
    """The latest login of one account (no row: it has not logged in since this was kept)."""

    __tablename__ = "last_login"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


_NOTE = sa.text(
    "INSERT INTO last_login (user_id, at) VALUES (:user_id, :at) "
    "ON CONFLICT (user_id) DO UPDATE SET at = excluded.at"
).bindparams(sa.bindparam("at", type_=UTCDateTime()))


@sa.event.listens_for(LoginSession, "after_insert")
def _note_login(mapper, connection, row: LoginSession) -> None:
    """Every new login session notes its account's latest login, in the same transaction."""
    connection.execute(_NOTE, {"user_id": row.user_id, "at": row.started_at})
