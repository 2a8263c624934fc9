"""What a booking is for: the house's list of purposes, kept by the manager."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Purpose(db.Model):
    """A category of bookings (German course, counselling, ...) that reports count by.

    The seven built-ins carry a stable `key` and, until the manager renames them, their English
    name, which the catalogue translates. A purpose the manager adds (or renames) has the name
    as typed, in German, and is shown as typed in every language.
    """

    __tablename__ = "purpose"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(32), unique=True)  # built-ins only
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=100, server_default="100")  # order in the lists

    def __repr__(self) -> str:
        return f"<Purpose {self.key or self.name!r}>"
