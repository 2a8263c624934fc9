"""The key register and equipment out and back, at the counter."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from . import handout, keys
from .day import keys_out
from .forms import HandOutForm, KeyEditForm, KeyForm, KeyHandOutForm, ReturnForm
from .models import Condition, EquipmentLoan, Key, KeyLoan
from .views import bp, today_page
from ..clock import day_bounds, local, now
from ..extensions import db
from ..forms import EmptyForm
from ..models import Booking, Organisation, Resource, ResourceKind, Status
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from ..web import get_or_404, requires
from ..workflow import ConflictError, WorkflowError


def _rooms() -> list[Resource]:
    found = db.session.scalars(sa.select(Resource).where(Resource.kind == ResourceKind.ROOM)).all()
    return sorted(found, key=lambda r: r.sort_key)


def _choices() -> tuple[list[SelectChoice], dict[int, list[SelectChoice]]]:
    """The groups, and today's approved bookings per room: two queries for the whole register."""
    groups = db.session.scalars(sa.select(Organisation).where(Organisation.active).order_by(Organisation.name)).all()
    start, end = day_bounds(local(now()).date())
    todays = db.session.scalars(
        sa.select(Booking).where(Booking.status == Status.APPROVED, Booking.starts_at >= start,
                                 Booking.starts_at < end, Booking.bundle_of_id.is_(None))
        .options(joinedload(Booking.organisation)).order_by(Booking.starts_at)
    ).all()
    by_room: dict[int, list[SelectChoice]] = {}
    for b in todays:
        by_room.setdefault(b.resource_id, []).append(SelectChoice(
            str(b.id), f"{local(b.starts_at):%H:%M}–{local(b.ends_at):%H:%M} {b.organisation.name}"))
    return [SelectChoice(str(o.id), o.name) for o in groups], by_room


def _hand_out_form(key: Key, choices, formdata=None) -> KeyHandOutForm:
    groups, by_room = choices
    form = KeyHandOutForm(formdata=formdata, prefix=f"key{key.id}")
    form.organisation_id.choices = [SelectChoice("", _("Please choose")), *groups]
    form.booking_id.choices = [SelectChoice("", _("Standing (no booking)")), *by_room.get(key.resource_id, [])]
    return form


def keys_page(status: int = 200, error: str | None = None, failed: KeyHandOutForm | None = None, failed_key=None):
    at = now()
    rows = keys.register(db.session)
    choices = _choices()
    forms = {k.id: (failed if failed_key == k.id else _hand_out_form(k, choices)) for k, _out, _lost in rows}
    return render_template("desk/keys.html", rows=rows, loans=keys_out(db.session), forms=forms, at=at,
                           lost=keys.lost(db.session), form=EmptyForm(), error=error), status


@bp.get("/keys")
@requires("desk.work")
def key_register():
    """Who holds which key since when; overdue keys first in mind."""
    return keys_page()


def _key_form_page(form, key: Key | None, status: int = 200):
    return render_template("desk/key_form.html", form=form, key=key), status


def _key_form(formdata=None, obj=None) -> KeyForm:
    form = (KeyEditForm if obj is not None else KeyForm)(formdata=formdata, obj=obj)
    form.resource_id.choices = [SelectChoice("", _("Please choose")),
                                *(SelectChoice(str(r.id), r.name) for r in _rooms())]
    return form


@bp.route("/keys/new", methods=["GET", "POST"])
@requires("desk.work")
def key_new():
    """Add a key to the register (the desk and the managers keep the list)."""
    form = _key_form(None if request.method == "GET" else request.form)
    if request.method == "GET":
        return _key_form_page(form, None)
    if (repeat := repeat_of(form)) is not None:
        return repeat
    room = db.session.get(Resource, form.resource_id.data or 0) if form.validate() else None
    if room is None or room.kind != ResourceKind.ROOM:
        if not form.resource_id.errors:
            form.resource_id.errors = [_("Please choose a room.")]
        return _key_form_page(form, None, 422)
    db.session.add(Key(resource_id=room.id, name=form.name.data, copies=form.copies.data))
    flash(_("The key is in the register."), "success")
    response = answer_once(form, url_for("desk.key_register"))
    db.session.commit()
    return response


@bp.route("/keys/<int:key_id>/edit", methods=["GET", "POST"])
@requires("desk.work")
def key_edit(key_id: int):
    key = get_or_404(Key, key_id)
    form = _key_form(None if request.method == "GET" else request.form, obj=key)
    if request.method == "GET":
        return _key_form_page(form, key)
    room = db.session.get(Resource, form.resource_id.data or 0) if form.validate() else None
    if room is None or room.kind != ResourceKind.ROOM:
        if not form.resource_id.errors:
            form.resource_id.errors = [_("Please choose a room.")]
        return _key_form_page(form, key, 422)
    if form.copies.data < keys.copies_out(db.session, key) + keys.copies_lost(db.session, key):
        form.copies.errors = [_("More copies are out or lost than that.")]
        return _key_form_page(form, key, 409)
    key.resource_id, key.name, key.copies = room.id, form.name.data, form.copies.data
    db.session.commit()
    flash(_("The key is saved."), "success")
    return redirect(url_for("desk.key_register"), 303)


@bp.post("/keys/<int:key_id>/hand-out")
@requires("desk.work")
def key_hand_out(key_id: int):
    key = get_or_404(Key, key_id)
    form = _hand_out_form(key, _choices(), request.form)
    if (repeat := repeat_of(form)) is not None:
        return repeat
    if not form.validate():
        return keys_page(422, _("Please correct the marked fields."), form, key.id)
    organisation = db.session.get(Organisation, form.organisation_id.data or 0)
    booking = db.session.get(Booking, form.booking_id.data) if form.booking_id.data else None
    if organisation is None or (form.booking_id.data and (booking is None or booking.resource_id != key.resource_id)):
        form.organisation_id.errors = [_("Please choose the group this is for.")]
        return keys_page(422, _("Please correct the marked fields."), form, key.id)
    try:
        keys.hand_out(db.session, key, by=current_user, at=now(), holder_name=form.holder_name.data,
                      organisation=organisation, booking=booking, copies=form.copies.data)
    except ConflictError as refusal:
        db.session.rollback()
        return keys_page(409, str(refusal.message), form, key_id)
    except WorkflowError as refusal:
        db.session.rollback()
        return keys_page(422, str(refusal.message), form, key_id)
    flash(_("The key is handed out."), "success")
    response = answer_once(form, url_for("desk.key_register"))
    db.session.commit()
    return response


def _loan_step(key_loan_id: int, step, done: str):
    loan = get_or_404(KeyLoan, key_loan_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        step(db.session, loan, by=current_user, at=now())
    except WorkflowError as refusal:
        db.session.rollback()
        return keys_page(409, str(refusal.message))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("desk.key_register"), 303)


@bp.post("/key-loans/<int:key_loan_id>/return")
@requires("desk.work")
def key_return(key_loan_id: int):
    return _loan_step(key_loan_id, keys.take_back, _("The key is back."))


@bp.post("/key-loans/<int:key_loan_id>/lost")
@requires("desk.work")
def key_lost(key_loan_id: int):
    return _loan_step(key_loan_id, keys.mark_lost, _("The key is marked as lost."))


@bp.post("/bookings/<int:booking_id>/hand-out")
@requires("desk.work")
def equipment_hand_out(booking_id: int):
    """Hand out units of an approved equipment booking of today."""
    booking = get_or_404(Booking, booking_id)
    form = HandOutForm(prefix=f"out{booking.id}")
    if (repeat := repeat_of(form)) is not None:
        return repeat
    if not form.validate():
        return today_page(422, _("Please correct the marked fields."), booking.id, hand_out=form)
    try:
        handout.hand_out(db.session, booking, by=current_user, at=now(), units=form.units.data,
                         taken_by=form.taken_by.data)
    except ConflictError as refusal:
        db.session.rollback()
        return today_page(409, str(refusal.message), booking_id, hand_out=form)
    except WorkflowError as refusal:
        db.session.rollback()
        return today_page(422, str(refusal.message), booking_id, hand_out=form)
    flash(_("Handed out."), "success")
    response = answer_once(form, url_for("desk.today_view", _anchor=f"booking-{booking.bundle_of_id or booking.id}"))
    db.session.commit()
    return response


@bp.post("/equipment-loans/<int:equipment_loan_id>/return")
@requires("desk.work")
def equipment_return(equipment_loan_id: int):
    """Units come back: how many, in what condition; damaged or lost ones go out of service."""
    loan = get_or_404(EquipmentLoan, equipment_loan_id)
    form = ReturnForm(prefix=f"back{loan.id}")
    if not form.validate():
        return today_page(422, _("Please correct the marked fields."), loan.booking_id, returning=form)
    try:
        _returned, gone = handout.take_back(db.session, loan, by=current_user, at=now(), units=form.units.data,
                                            condition=Condition(form.condition.data), out_until=form.out_until.data)
    except ConflictError as refusal:
        db.session.rollback()
        return today_page(409, str(refusal.message), loan.booking_id, returning=form)
    except WorkflowError as refusal:
        db.session.rollback()
        return today_page(422, str(refusal.message), loan.booking_id, returning=form)
    short = handout.affected(db.session, gone) if gone is not None else []
    db.session.commit()
    flash(_("Returned."), "success")
    if short:
        flash(_("%(num)s approved bookings now ask for more units than are left: see the end-of-day page.",
                num=len(short)), "error")
    return redirect(url_for("desk.today_view"), 303)
