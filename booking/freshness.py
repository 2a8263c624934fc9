"""How fresh a page is: one counter for the whole house, and conditional GET built on it.

Every change to bookings, closures, opening hours, resources or organisations raises the
house's change counter in the same transaction (a session listener notices them, so no view
can forget to). A page that shows any of these makes an ETag from the counter and from what
else it varies by; a browser that already holds that version gets 304 without a render.

    tag = freshness.etag("board", *freshness.viewer(), day.isoformat())
    if (unchanged := freshness.not_modified(tag)) is not None:
        return unchanged
    ...
    return freshness.tagged(response, tag)

The counter is read once per request (the first call to `version()`), before the page's own
queries: a change that commits in between makes the next request render again, never the
other way round.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, g, make_response, request, session
from flask_login import current_user
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

PENDING = "house_changed"


class HouseVersion(db.Model):
    """One row: how many transactions have changed what the boards and calendars show."""

    __tablename__ = "house_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    counter: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def _watched() -> tuple[type, ...]:
    from .desk.models import EquipmentLoan
    from .lobby.models import LobbyName
    from .models import Booking, Closure, OpeningHours, Organisation, Resource

    # Lent equipment: the board flags what is overdue.
    return (Booking, Closure, OpeningHours, Organisation, Resource, LobbyName, EquipmentLoan)


def _watched_tables() -> frozenset[str]:
    return frozenset(cls.__tablename__ for cls in _watched())


def _note_changes(session: Session, flush_context, instances) -> None:
    """Before a flush: remember whether it writes anything a board or a calendar shows."""
    if session.info.get(PENDING):
        return
    watched = _watched()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, watched):
            session.info[PENDING] = True
            return
    for obj in session.dirty:
        if isinstance(obj, watched) and session.is_modified(obj, include_collections=False):
            session.info[PENDING] = True
            return


def _note_statement(state) -> None:
    """Bulk UPDATE, DELETE or INSERT statements on the watched tables count as changes too."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in _watched_tables():
        state.session.info[PENDING] = True


def _raise_counter(session: Session) -> None:
    """Before the commit: write what is pending, then raise the counter once if it changed anything."""
    session.flush()
    if not session.info.pop(PENDING, False):
        return
    raised = session.execute(
        sa.update(HouseVersion).where(HouseVersion.id == 1).values(counter=HouseVersion.counter + 1)
    )
    if raised.rowcount == 0:  # a database emptied by hand: start counting again
        session.execute(sa.insert(HouseVersion).values(id=1, counter=1))


def _forget(session: Session, *args) -> None:
    session.info.pop(PENDING, None)


def init_app(session_factory) -> None:
    """Listen on the app's sessions (Flask-SQLAlchemy's scoped session)."""
    if sa.event.contains(session_factory, "before_flush", _note_changes):
        return
    sa.event.listen(session_factory, "before_flush", _note_changes)
    sa.event.listen(session_factory, "do_orm_execute", _note_statement)
    sa.event.listen(session_factory, "before_commit", _raise_counter)
    sa.event.listen(session_factory, "after_rollback", _forget)


_VERSION = sa.select(HouseVersion.counter).where(HouseVersion.id == 1)


def version() -> int:
    """The house's change counter, read once per request (with the login, when there is one)."""
    if "house_version" not in g:
        g.house_version = db.session.scalar(_VERSION) or 0
    return g.house_version


def remember_version(counter: int) -> None:
    """The counter as the request's first query read it (the login's, sessions/views.py)."""
    g.setdefault("house_version", counter)


class Kept:
    """Rendered fragments of live pages (and the managers' count of pending requests), kept in this
    process by their ETag or the house's version.

    A tag names the house's version and everything the fragment varies by, so a kept fragment
    is exactly what rendering again would give; once the house changes, its tags change and the
    old fragments are never asked for again (the oldest are dropped beyond `size`). What is kept
    must not hold anything of one browser's session (no form tokens): the tag does not name it.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self._fragments: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: tuple) -> str | None:
        with self._lock:
            found = self._fragments.get(key)
            if found is not None:
                self._fragments.move_to_end(key)
            return found

    def get(self, key: tuple, render: Callable[[], str]) -> str:
        with self._lock:
            found = self._fragments.get(key)
            if found is not None:
                self._fragments.move_to_end(key)
                return found
        made = render()
        with self._lock:
            self._fragments[key] = made
            while len(self._fragments) > self.size:
                self._fragments.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._fragments.clear()


def kept() -> Kept:
    """This app's kept fragments (one store per app and process)."""
    from flask import current_app

    store = current_app.extensions.get("freshness.kept")
    if store is None:
        store = current_app.extensions.setdefault("freshness.kept", Kept(current_app.config["KEPT_FRAGMENTS"]))
    return store


def viewer() -> tuple[str, ...]:
    """What a page varies by for the person asking: role, organisation and language."""
    from flask_babel import get_locale

    language = str(get_locale() or "")
    if not current_user.is_authenticated:
        return ("anonymous", "", language)
    return (str(current_user.role), str(current_user.organisation_id or ""), language)


def etag(*parts: object, clock: str = "") -> str:
    """A tag for the house's current version of a page that varies by `parts` (and by `clock`,
    for a page that changes with the time of day): "<counter>-<clock>-<digest>"."""
    raw = "\x1f".join(str(p) for p in (version(), clock, *parts))
    digest = hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()
    return f"{version()}-{clock}-{digest}"


def not_modified(tag: str, vary: str = "HX-Request") -> Response | None:
    """A 304 when the browser already holds this version; None when the page must be rendered.

    A pending message (a flash) is shown only by a fresh render, so it always gets one.
    """
    if not request.if_none_match.contains_weak(tag) or session.get("_flashes"):
        return None
    response = Response(status=304)
    return tagged(response, tag, vary)


def tagged(response, tag: str, vary: str = "HX-Request") -> Response:
    """Send `tag` with the response. It stays `no-store` like every page (nothing is kept on a
    shared computer): the live board and the lobby send the tag back themselves (If-None-Match)."""
    response = make_response(response)
    response.set_etag(tag)
    if vary:
        response.vary.add(vary)
    return response


def changed_since() -> bool:
    """The browser holds an older version of the house (not only an older clock): show what changed."""
    held = {tag.split("-", 1)[0] for tag in request.if_none_match.as_set(include_weak=True)}
    return bool(held) and held != {str(version())}
