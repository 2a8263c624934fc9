"""The record of changes to accounts, resources, organisations and closures, newest first."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import render_template, request
from sqlalchemy.orm import joinedload

from . import bp
from ..extensions import db
from ..lazytext import lazy_gettext as _l
from ..models import ChangeRecord, Organisation, Resource
from ..web import requires

PAGE_SIZE = 100

SUBJECTS = {
    "user": _l("Account"),
    "resource": _l("Resource"),
    "organisation": _l("Group"),
    "closure": _l("Closure"),
    "purpose": _l("Purpose"),
    "report": _l("Report"),
}
ACTIONS = {"created": _l("created"), "changed": _l("changed"), "deleted": _l("deleted"),
           "viewed": _l("viewed"), "exported": _l("downloaded")}
FIELDS = {
    "name": _l("Name"), "email": _l("E-mail"), "role": _l("Role"), "organisation_id": _l("Group"),
    "language": _l("Language"), "active": _l("Active"), "password": _l("Password"),
    "kind": _l("Kind"), "description": _l("Description"), "location": _l("Location"),
    "capacity": _l("Capacity"), "quantity": _l("Quantity"), "setup_minutes": _l("Set-up (minutes)"),
    "cleanup_minutes": _l("Clean-up (minutes)"), "max_hours": _l("Longest booking (hours)"),
    "contact_name": _l("Contact person"), "phone": _l("Phone"),
    "resource_id": _l("Resource"), "starts_at": _l("From"), "ends_at": _l("Until"), "reason": _l("Reason"),
    "period": _l("Period"), "format": _l("Format"), "table": _l("Table"),
}
YES_NO = {True: _l("yes"), False: _l("no")}


def _named(changes: list[dict]) -> list[dict]:
    """Groups and resources by their names, not their numbers."""
    ids = {c["field"]: set() for c in changes if c["field"] in ("organisation_id", "resource_id")}
    for c in changes:
        if c["field"] in ids:
            ids[c["field"]].update(v for v in (c["old"], c["new"]) if v is not None)
    names = {}
    for field, model in (("organisation_id", Organisation), ("resource_id", Resource)):
        if ids.get(field):
            names[field] = dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(ids[field]))).all())
    shown = []
    for c in changes:
        def show(value, field=c["field"]):
            if value is None:
                return "–"
            if isinstance(value, bool):
                return YES_NO[value]
            return names.get(field, {}).get(value, value)
        shown.append({"field": FIELDS.get(c["field"], c["field"]), "old": show(c["old"]), "new": show(c["new"]),
                      "secret": c["field"] == "password"})
    return shown


@bp.get("/changes")
@requires("user.manage")
def changes():
    """Who changed what and when: the newest first, a hundred at a time."""
    page = max(request.args.get("page", 1, type=int), 1)
    records = db.session.scalars(
        sa.select(ChangeRecord).options(joinedload(ChangeRecord.actor))
        .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    rows = [
        {"record": r, "subject": SUBJECTS.get(r.subject, r.subject), "action": ACTIONS.get(r.action, r.action),
         "changes": _named(json.loads(r.changes or "[]"))}
        for r in records[:PAGE_SIZE]
    ]
    return render_template("manage/changes.html", rows=rows, page=page, more=len(records) > PAGE_SIZE)
