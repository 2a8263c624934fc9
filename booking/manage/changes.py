"""The record of changes to accounts, resources, organisations and closures, newest first."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import render_template
from wtforms import SelectField
from sqlalchemy.orm import joinedload

from . import bp
from ..extensions import db
from ..lazytext import lazy_gettext as _l
from ..models import ChangeRecord, Organisation, Resource, User
from ..web import requires
from .finding import FilterForm, contains, date_field, day_after, day_start, id_select, requested_page, search_field

PAGE_SIZE = 100

SUBJECTS = {
    "user": _l("Account"),
    "resource": _l("Resource"),
    "organisation": _l("Group"),
    "closure": _l("Closure"),
    "booking": _l("Booking"),
    "offer": _l("Counter-offer"),
    "key": _l("Key"),
    "key_loan": _l("Key handed out"),
    "equipment_loan": _l("Equipment handed out"),
    "out_of_service": _l("Out of service"),
    "garden_season": _l("Garden season"),
    "garden_application": _l("Garden application"),
    "purpose": _l("Purpose"),
    "report": _l("Report"),
}
# "exported" and "erased": booking/privacy/ (a person's or a group's data); "viewed", "exported": booking/reports/
ACTIONS = {"created": _l("created"), "changed": _l("changed"), "deleted": _l("deleted"),
           "viewed": _l("viewed"), "exported": _l("downloaded"), "erased": _l("erased")}
FIELDS = {
    "name": _l("Name"), "email": _l("E-mail"), "role": _l("Role"), "organisation_id": _l("Group"),
    "language": _l("Language"), "active": _l("Active"), "password": _l("Password"),
    "kind": _l("Kind"), "description": _l("Description"), "location": _l("Location"),
    "capacity": _l("Capacity"), "quantity": _l("Quantity"), "setup_minutes": _l("Set-up (minutes)"),
    "cleanup_minutes": _l("Clean-up (minutes)"), "max_hours": _l("Longest booking (hours)"),
    "contact_name": _l("Contact person"), "phone": _l("Phone"),
    "approvers": _l("Approvers"), "quota_room_hours": _l("Hours of rooms a month"),
    "quota_plot_hours": _l("Hours of garden plots a month"), "quota_equipment_hours": _l("Hours of equipment a month"),
    "quota_open_requests": _l("Open requests at once"),
    "starts_on": _l("First day"), "ends_on": _l("Last day"), "apply_from": _l("Applications from"),
    "apply_until": _l("Applications until"), "offer_days": _l("Days to accept an offer"), "status": _l("Status"),
    "wish_id": _l("Wish"), "plot_id": _l("Plot"), "note": _l("Note"), "offer_until": _l("Offered until"),
    "booking_id": _l("Booking"), "season_id": _l("Season"), "applied_by_id": _l("Applied by"),
    "resource_id": _l("Resource"), "starts_at": _l("From"), "ends_at": _l("Until"), "reason": _l("Reason"),
    "state": _l("State"), "message": _l("Message"), "expires_at": _l("Answer by"),
    "release_after_minutes": _l("Release without check-in (minutes)"),
    "period": _l("Period"), "format": _l("Format"), "table": _l("Table"),
}
YES_NO = {True: _l("yes"), False: _l("no")}
# Numbers that stand for a row: shown by its name.
NAMED = {"organisation_id": Organisation, "resource_id": Resource, "wish_id": Resource, "plot_id": Resource,
         "applied_by_id": User}


def _named(changes: list[dict]) -> list[dict]:
    """Groups and resources by their names, not their numbers."""
    ids = {c["field"]: set() for c in changes if c["field"] in NAMED}
    for c in changes:
        if c["field"] in ids:
            ids[c["field"]].update(v for v in (c["old"], c["new"]) if v is not None)
    names = {}
    for field, model in NAMED.items():
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


class ChangeFilterForm(FilterForm):
    q = search_field()
    subject = SelectField(_l("What"), default="")
    actor = id_select(_l("Who"))
    date_from = date_field(_l("From"))
    date_to = date_field(_l("Until"), after="date_from")

    def __init__(self):
        super().__init__()
        self.subject.choices = [("", _l("Everything"))] + list(SUBJECTS.items())
        people = db.session.scalars(sa.select(User).order_by(User.name, User.id))
        self.actor.choices = [("", _l("Everybody"))] + [(str(u.id), f"{u.name} <{u.email}>") for u in people]


def _filtered(form: ChangeFilterForm):
    query = sa.select(ChangeRecord).options(joinedload(ChangeRecord.actor))
    if form.subject.data:
        query = query.where(ChangeRecord.subject == form.subject.data)
    if form.actor.data:
        query = query.where(ChangeRecord.actor_id == form.actor.data)
    if form.date_from.data:
        query = query.where(ChangeRecord.at >= day_start(form.date_from.data))
    if form.date_to.data:
        query = query.where(ChangeRecord.at < day_after(form.date_to.data))
    if form.q.data:
        query = query.where(contains(ChangeRecord.label, form.q.data))
    return query


@bp.get("/changes")
@requires("user.manage")
def changes():
    """Who changed what and when: the newest first, a hundred at a time; by kind, person and days."""
    filters = ChangeFilterForm()
    if not filters.validate():
        return render_template("manage/changes.html", rows=[], page=1, more=False, filters=filters,
                               query_args=filters.query_args()), 422
    # Pages are counted from the newest without counting them all; a page past the end is empty.
    page = min(requested_page(), 10 ** 6)
    records = db.session.scalars(
        _filtered(filters)
        .order_by(ChangeRecord.at.desc(), ChangeRecord.id.desc())
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    rows = [
        {"record": r, "subject": SUBJECTS.get(r.subject, r.subject), "action": ACTIONS.get(r.action, r.action),
         "changes": _named(json.loads(r.changes or "[]"))}
        for r in records[:PAGE_SIZE]
    ]
    return render_template("manage/changes.html", rows=rows, page=page, more=len(records) > PAGE_SIZE,
                           filters=filters, query_args=filters.query_args())
