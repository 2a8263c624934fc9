"""What the lobby display keeps: its screens' secret links, and which groups show their name."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..extensions import db
from ..models import UTCDateTime


class LobbyScreen(db.Model):
    """A screen in the entrance, opened by a secret link: only the link's SHA-256 is stored."""

    __tablename__ = "lobby_screen"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)  # None: revoked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def revoked(self) -> bool:
        return self.token_hash is None


class LobbyName(db.Model):
    """A group that lets the lobby show its name next to its bookings (without a row: title only)."""

    __tablename__ = "lobby_name"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    shown: Mapped[bool] = mapped_column(default=True)
