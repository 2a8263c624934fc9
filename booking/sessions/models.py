"""Login sessions and sent create forms."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..extensions import db
from ..models import UTCDateTime


class LoginSession(db.Model):
    """One login in one browser. Its cookie names it; logging out deletes the row, and with it
    the session: a cookie kept from before opens nothing. Only the key's SHA-256 is stored."""

    __tablename__ = "login_session"
    __table_args__ = (sa.UniqueConstraint("key_hash", name="uq_login_session_key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Submission(db.Model):
    """A create form sent by one person, by the one-time key the form carried: a second post
    of the same key is answered with the first one's result (`location`) instead of a second row."""

    __tablename__ = "submission"
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_submission_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    location: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
