"""The lobby's screens and what they show. Plain rules: no request, no templates.

A screen is opened by a secret link; only the link's SHA-256 is kept, so a copy of the
database opens no screen. Renewing a screen gives it a new link and ends the old one;
revoking it ends its link without a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import ResourceKind
from .models import LobbyName, LobbyScreen

TOKEN_BYTES = 32
UPCOMING = 3  # bookings shown per room: the one running now and the next ones


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(screen: LobbyScreen, at: datetime) -> str:
    """Give the screen a new secret; returns it (shown once, never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    if screen.id is not None:  # a screen that had a link before
        screen.renewed_at = at
    screen.token_hash = _hash(token)
    return token


def revoke(screen: LobbyScreen) -> None:
    screen.token_hash = None


def find(session: Session, token: str) -> LobbyScreen | None:
    """The screen this link opens, or None (never given out, renewed since, or revoked)."""
    if not token or len(token) > 128:
        return None
    wanted = _hash(token)
    screen = session.scalar(sa.select(LobbyScreen).where(LobbyScreen.token_hash == wanted))
    if screen is None or screen.token_hash is None or not hmac.compare_digest(screen.token_hash, wanted):
        return None
    return screen


def names_shown(session: Session) -> set[int]:
    """The groups that let the lobby show their name."""
    return set(session.scalars(sa.select(LobbyName.organisation_id).where(LobbyName.shown)))


def set_name_shown(session: Session, organisation_id: int, shown: bool) -> None:
    row = session.get(LobbyName, organisation_id)
    if row is None:
        session.add(LobbyName(organisation_id=organisation_id, shown=shown))
    else:
        row.shown = shown
    session.flush()


@dataclass
class Item:
    """One booking as the lobby shows it: its time, its title and, if the group allows, its name."""

    starts_at: datetime
    ends_at: datetime
    title: str
    organisation: str | None
    running: bool
    today: bool


@dataclass
class Room:
    id: int
    name: str
    items: list[Item] = field(default_factory=list)


def rooms(resources, bookings, shown_names: set[int], today: date, at: datetime, local_day) -> list[Room]:
    """Per active room, in the house's order: what runs now and what comes next (today first,
    else the next days'), at most UPCOMING each."""
    found = {r.id: Room(r.id, r.name) for r in resources if r.kind == ResourceKind.ROOM}
    for b in sorted(bookings, key=lambda b: (b.starts_at, b.ends_at)):
        room = found.get(b.resource_id)
        if room is None or b.ends_at <= at or len(room.items) >= UPCOMING:
            continue
        room.items.append(Item(
            b.starts_at, b.ends_at, b.title,
            b.organisation_name if b.organisation_id in shown_names else None,
            running=b.starts_at <= at,
            today=local_day(b.starts_at) <= today,
        ))
    return list(found.values())
