"""A record of every change to accounts, resources, organisations and closures.

Recorded at the database session, not in the views: whatever page or command changes
one of these rows, the change is written in the same transaction, with who did it and
when. Booking decisions keep their own history (AuditEvent).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import Session

from .clock import now
from .models import ChangeRecord, Closure, Organisation, Resource, User  # first: it loads the desk's models
from .desk.models import EquipmentLoan, Key, KeyLoan, OutOfService  # noqa: I001
from .garden.models import GardenApplication, GardenSeason  # noqa: I001
from .reports.models import Purpose  # noqa: I001

SUBJECTS: dict[type, str] = {User: "user", Resource: "resource", Organisation: "organisation", Closure: "closure",
                             Key: "key", KeyLoan: "key_loan", EquipmentLoan: "equipment_loan",
                             OutOfService: "out_of_service", GardenSeason: "garden_season",
                             GardenApplication: "garden_application", Purpose: "purpose"}
from .decisions.models import Offer  # noqa: E402  (counter-offers are recorded too)

SUBJECTS[Offer] = "offer"
# Never written into the record; a password change is noted without its value.
SECRET = {"password_hash"}
SKIPPED = {"id", "session_version", "created_at", "created_by_id"}
# Lists of accounts kept with a row (a resource's approvers): recorded by name, like a column.
COLLECTIONS: dict[type, dict[str, object]] = {
    Resource: {"approvers": lambda user: f"{user.name} <{user.email}>"},
}


def act_as(session: Session, user: User | None) -> None:
    """Name who is acting when nobody is logged in yet (an invitation link, a command)."""
    session.info["actor_id"] = user.id if user is not None else None


def _actor_id(session: Session) -> int | None:
    if "actor_id" in session.info:
        return session.info["actor_id"]
    if has_app_context():
        user = g.get("_login_user")
        if user is not None and getattr(user, "is_authenticated", False):
            return user.id
    return None


def _plain(value):
    """A value as the record keeps it: text, a number, true/false or nothing."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _label(obj) -> str:
    if hasattr(obj, "record_label"):
        return obj.record_label
    if isinstance(obj, Closure):
        return obj.reason
    if isinstance(obj, User):
        return f"{obj.name} <{obj.email}>"
    return obj.name


def _changes(obj, *, everything: bool) -> list[dict]:
    """What changed in a row: each column's old and new value (for a new row, its values)."""
    state = sa.inspect(obj)
    changes = []
    for column in state.mapper.column_attrs:
        key = column.key
        if key in SKIPPED:
            continue
        history = state.attrs[key].history
        if not everything and not history.has_changes():
            continue
        if key in SECRET:
            if history.has_changes() or everything:
                changes.append({"field": "password", "old": None, "new": None})
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else (history.unchanged[0] if history.unchanged else None)
        if not everything and _plain(old) == _plain(new):
            continue
        changes.append({"field": key, "old": None if everything else _plain(old), "new": _plain(new)})
    for key, show in COLLECTIONS.get(type(obj), {}).items():
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = ", ".join(sorted(show(x) for x in (*history.unchanged, *history.deleted))) or None
        new = ", ".join(sorted(show(x) for x in (*history.unchanged, *history.added))) or None
        changes.append({"field": key, "old": None if everything else old, "new": new})
    return changes


def _after_flush(session: Session, _context) -> None:
    rows = []
    for action, objects in (("created", session.new), ("changed", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            subject = SUBJECTS.get(type(obj))
            if subject is None:
                continue
            collections = type(obj) in COLLECTIONS
            if action == "changed" and not session.is_modified(obj, include_collections=collections):
                continue
            changes = [] if action == "deleted" else _changes(obj, everything=action == "created")
            if action == "changed" and not changes:
                continue
            rows.append({
                "at": now(), "actor_id": _actor_id(session), "subject": subject, "subject_id": obj.id,
                "action": action, "label": _label(obj)[:254], "changes": json.dumps(changes, ensure_ascii=False),
            })
    if rows:
        session.connection().execute(sa.insert(ChangeRecord), rows)


def _keep_old_value(target, value, old, initiator):
    return value


def init_app(session_factory) -> None:
    """Listen on the app's sessions (Flask-SQLAlchemy's scoped session).

    The recorded columns load their old value before it is replaced, so a change made to
    a row read in an earlier transaction still shows what it was.
    """
    if sa.event.contains(session_factory, "after_flush", _after_flush):
        return
    sa.event.listen(session_factory, "after_flush", _after_flush)
    for cls in SUBJECTS:
        for column in sa.inspect(cls).column_attrs:
            if column.key not in SKIPPED:
                sa.event.listen(getattr(cls, column.key), "set", _keep_old_value, active_history=True, retval=True)
