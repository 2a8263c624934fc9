"""The counter: today's bookings with check-in, walk-ins, and the end of the day."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from . import attendance, handout, walkin
from .day import load
from .models import Condition, OutOfService
from .forms import HandOutForm, ReturnForm, WalkInForm
from ..clock import LocalTimeError, local, now, to_utc, today
from ..database import is_overlap_violation
from ..extensions import db
from ..forms import EmptyForm
from ..models import Booking, Organisation, Resource, ResourceKind
from ..rules import Ask, Part
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from ..web import get_or_404, requires
from ..workflow import WorkflowError

bp = Blueprint("desk", __name__, url_prefix="/desk")


def today_page(status: int = 200, error: str | None = None, failed: int | None = None, **forms):
    """Today at the desk; a refused step shows its message (and the form typed) on the page."""
    at = now()
    shown = load(db.session, local(at).date())
    return render_template(
        "desk/today.html", day=shown, at=at, form=EmptyForm(), error=error, failed=failed,
        hand_out=forms.get("hand_out"), returning=forms.get("returning"),
        releasable=attendance.releasable, release_time=attendance.release_time,
        new_hand_out=HandOutForm, new_return=ReturnForm,
    ), status


@bp.get("/")
@requires("desk.work")
def today_view():
    return today_page()


def _bookable() -> list[Resource]:
    found = db.session.scalars(sa.select(Resource).where(Resource.active, Resource.kind != ResourceKind.PLOT)).all()
    return sorted(found, key=lambda r: r.sort_key)


def _walk_in_form(resources: list[Resource], formdata=None) -> WalkInForm:
    form = WalkInForm(formdata=formdata) if formdata is not None else WalkInForm()
    form.resource_id.choices = [SelectChoice("", _("Please choose")),
                                *(SelectChoice(str(r.id), r.name) for r in resources)]
    form.equipment_id.choices = [SelectChoice("", _("No equipment"))] + [
        SelectChoice(str(r.id), r.name) for r in resources if r.kind == ResourceKind.EQUIPMENT]
    groups = db.session.scalars(sa.select(Organisation).where(Organisation.active).order_by(Organisation.name)).all()
    form.organisation_id.choices = [SelectChoice("", _("A guest (name and phone below)"))] + [
        SelectChoice(str(o.id), o.name) for o in groups if o.name != walkin.GUESTS]
    return form


def _prefill(form: WalkInForm, at: datetime) -> None:
    """A slot from the board: an hour that has begun starts now (rounded up to five minutes)."""
    if form.date.data is None:
        form.date.data = local(at).date()
    if form.date.data != local(at).date() or not (form.start.data and form.end.data):
        return
    wall = local(at)
    if form.start.data < wall.time().replace(second=0, microsecond=0):
        minutes = (wall.hour * 60 + wall.minute + 4) // 5 * 5 + 5
        if minutes < 24 * 60:
            form.start.data = time(minutes // 60, minutes % 60)
            end = min(minutes + 60, 24 * 60 - 1)
            if form.end.data <= form.start.data or form.end.data.hour * 60 + form.end.data.minute < end:
                form.end.data = time(end // 60, end % 60)
            # A field shows what was typed before its value: the times moved, so show those.
            form.start.raw_data = [f"{form.start.data:%H:%M}"]
            form.end.raw_data = [f"{form.end.data:%H:%M}"]


def _walk_in_page(form, status: int = 200, reasons=()):
    return render_template("desk/walk_in.html", form=form, reasons=list(reasons), min_date=today(),
                           window_days=walkin.WINDOW_DAYS), status


@bp.route("/walk-in", methods=["GET", "POST"])
@requires("desk.work")
def walk_in():
    """Book a free slot for a group or a guest at the counter."""
    resources = _bookable()
    at = now()
    if request.method == "GET":
        form = _walk_in_form(resources, request.args or None)  # a slot from the board, filled in
        _prefill(form, at)
        return _walk_in_page(form)
    form = _walk_in_form(resources)
    if (repeat := repeat_of(form)) is not None:
        return repeat
    if not form.validate():
        return _walk_in_page(form, 422)
    by_id = {r.id: r for r in resources}
    lead = by_id.get(form.resource_id.data)
    extra = by_id.get(form.equipment_id.data) if form.equipment_id.data else None
    if lead is None or (form.equipment_id.data and (extra is None or extra.id == lead.id)):
        form.resource_id.errors = [_("This resource cannot be booked. Please choose another.")]
        return _walk_in_page(form, 422)
    if form.date.data < local(at).date():
        form.date.errors = [_("The start lies in the past.")]
        return _walk_in_page(form, 422)
    try:
        starts_at, ends_at = to_utc(form.date.data, form.start.data), to_utc(form.date.data, form.end.data)
    except LocalTimeError:
        form.start.errors = [_("This time does not exist on that day. Please choose another time.")]
        return _walk_in_page(form, 422)
    parts = [Part(lead, form.units.data or 1)] + ([Part(extra, form.equipment_units.data or 1)] if extra else [])
    ask = Ask(tuple(parts), starts_at, ends_at, form.attendees.data)
    if form.organisation_id.data is not None:
        organisation = db.session.get(Organisation, form.organisation_id.data)
        if organisation is None or not organisation.active:
            form.organisation_id.errors = [_("Please choose the group this is for.")]
            return _walk_in_page(form, 422)
        guest_name = guest_phone = ""
    else:
        organisation, guest_name, guest_phone = walkin.guests(db.session), form.guest_name.data, form.guest_phone.data
    try:
        booking = walkin.book(db.session, ask, by=current_user, organisation=organisation, title=form.title.data,
                              at=at, attendees=form.attendees.data, guest_name=guest_name, guest_phone=guest_phone)
    except walkin.Refused as refusal:
        db.session.rollback()
        return _walk_in_page(form, 409 if refusal.conflict else 422, refusal.verdict.reasons)
    except WorkflowError as refusal:
        db.session.rollback()
        return _walk_in_page(form, 422, [refusal.message])
    if booking.status.value == "approved":
        flash(_("%(name)s is booked.", name=booking.resource.name), "success")
        location = url_for("desk.today_view") if local(booking.starts_at).date() == local(at).date() \
            else url_for("requests.detail", booking_id=booking.id)
    else:
        flash(_("This is longer or later than the desk can book: it is in the manager's queue as a request."),
              "info")
        location = url_for("requests.detail", booking_id=booking.id)
    response = answer_once(form, location)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as error:  # the exclusion constraint: another booking won the slot
        db.session.rollback()
        if not is_overlap_violation(error):
            raise
        return _walk_in_page(form, 409, [_("This slot has just been booked by someone else.")])
    return response


def _attendance_step(booking_id: int, step, done: str):
    booking = get_or_404(Booking, booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        step(db.session, booking, current_user, now())
    except WorkflowError as refusal:
        db.session.rollback()
        return today_page(409, str(refusal.message), booking_id)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("desk.today_view", _anchor=f"booking-{booking.bundle_of_id or booking.id}"), 303)


@bp.post("/bookings/<int:booking_id>/arrived")
@requires("desk.work")
def arrived(booking_id: int):
    return _attendance_step(booking_id, attendance.arrive, _("Checked in."))


@bp.post("/bookings/<int:booking_id>/no-show")
@requires("desk.work")
def no_show(booking_id: int):
    return _attendance_step(booking_id, attendance.no_show, _("Marked as a no-show."))


@bp.post("/bookings/<int:booking_id>/release")
@requires("desk.work")
def release(booking_id: int):
    return _attendance_step(booking_id, attendance.release, _("Released: the slot is free for others."))


@bp.get("/closing")
@requires("desk.work")
def closing():
    """The end of the day: who is still in, which keys and equipment are out, who never came."""
    at = now()
    shown = load(db.session, local(at).date())
    gone = db.session.scalars(sa.select(OutOfService).where(OutOfService.ends_at > at)
                              .options(joinedload(OutOfService.resource)).order_by(OutOfService.starts_at)).all()
    return render_template("desk/closing.html", day=shown, at=at,
                           out_of_service=[(g, handout.affected(db.session, g)) for g in gone])


@bp.app_template_global()
def condition_label(value) -> str:
    return {
        Condition.GOOD: _("In good order"),
        Condition.DAMAGED: _("Damaged"),
        Condition.LOST: _("Lost"),
    }.get(value, str(value or ""))
