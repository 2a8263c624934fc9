"""The purposes of bookings: the built-ins' translated names, the lists, and the manager's changes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..lazytext import lazy_gettext as _l
from .models import Purpose

# The built-ins: key -> (English name as stored by the migration, its translation).
BUILT_IN = {
    "german_course": ("German course", _l("German course")),
    "counselling": ("Counselling", _l("Counselling")),
    "culture": ("Culture", _l("Culture")),
    "meeting": ("Meeting", _l("Meeting")),
    "garden": ("Garden", _l("Garden")),
    "celebration": ("Celebration", _l("Celebration")),
    "other": ("Other", _l("Other")),
}
OTHER = "other"


class PurposeError(ValueError):
    """A name that cannot be taken (already used by another purpose)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def label(purpose: Purpose | None):
    """What people read: a built-in under its own name is translated; any other name as typed."""
    if purpose is None:
        return _l("Not given")
    built_in = BUILT_IN.get(purpose.key or "")
    if built_in is not None and purpose.name == built_in[0]:
        return built_in[1]
    return purpose.name


def label_of(key: str | None, name: str | None):
    """The same for a (key, name) pair read by a report's query."""
    if name is None:
        return _l("Not given")
    built_in = BUILT_IN.get(key or "")
    return built_in[1] if built_in is not None and name == built_in[0] else name


def all_purposes(session: Session) -> list[Purpose]:
    return list(session.scalars(sa.select(Purpose).order_by(Purpose.position, Purpose.id)))


def active_purposes(session: Session) -> list[Purpose]:
    return [p for p in all_purposes(session) if p.active]


def _name_taken(session: Session, name: str, but: Purpose | None = None) -> bool:
    query = sa.select(Purpose.id).where(sa.func.lower(Purpose.name) == name.lower())
    if but is not None:
        query = query.where(Purpose.id != but.id)
    return session.scalar(query) is not None


def add(session: Session, name: str) -> Purpose:
    """A new purpose at the end of the list (before "Other")."""
    name = name.strip()
    if _name_taken(session, name):
        raise PurposeError(_l("There is already a purpose with this name."))
    last = session.scalar(sa.select(sa.func.max(Purpose.position)).where(Purpose.key.is_(None)))
    purpose = Purpose(name=name, active=True, position=max(last or 0, 60) + 1)
    session.add(purpose)
    session.flush()
    return purpose


def change(session: Session, purpose: Purpose, name: str, active: bool) -> None:
    """Rename a purpose (a built-in renamed is shown as typed from then on) or (de)activate it."""
    name = name.strip()
    if _name_taken(session, name, but=purpose):
        raise PurposeError(_l("There is already a purpose with this name."))
    purpose.name = name
    purpose.active = active
    session.flush()
