"""The manager's pages: change a booking, offer another slot, decide competing requests together."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from . import bp
from .. import policy, workflow
from ..clock import local, now
from ..database import is_overlap_violation
from ..extensions import db
from ..forms import EmptyForm
from ..models import Booking, Resource
from ..requests.views import alternative_fields
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from ..web import get_or_404, requires
from . import moving, offers, together
from .forms import ChangeForm, OfferForm, TogetherForm
from .models import Offer


def _decidable_or_403(booking_id: int) -> Booking:
    """Load a request (its lead booking) or 404; 403 unless this user may decide it."""
    booking = get_or_404(Booking, booking_id)
    booking = booking.bundle_of or booking
    if not policy.can_decide(current_user, booking):
        abort(403)
    return booking


def _resources(booking: Booking) -> list[Resource]:
    """What a request can be moved to: the active resources of its lead's kind (and its own)."""
    found = db.session.scalars(sa.select(Resource).where(
        Resource.kind == booking.resource.kind, sa.or_(Resource.active, Resource.id == booking.resource_id))).all()
    return sorted(found, key=lambda r: r.sort_key)


def _slot_data(booking: Booking) -> dict:
    start, end = local(booking.starts_at), local(booking.ends_at)
    return {"resource_id": booking.resource_id, "date": start.date(), "start": start.time(), "end": end.time(),
            "last_day": (end - timedelta(days=1)).date() if booking.resource.whole_days else None}


def _refused(error: Exception) -> str:
    if isinstance(error, IntegrityError):
        if not is_overlap_violation(error):
            raise error
        return _("Another booking was approved for this time just now.")
    return str(error.message)


@bp.route("/manage/bookings/<int:booking_id>/change", methods=["GET", "POST"])
@requires("booking.decide")
def change(booking_id: int):
    """Change a pending or approved booking's time, room or equipment (409 with the reasons if not free)."""
    booking = _decidable_or_403(booking_id)
    form = ChangeForm.for_booking(booking, formdata=request.form if request.method == "POST" else None,
                                  data=_slot_data(booking))
    form.offer_resources(_resources(booking))
    status, error = 200, None
    if request.method == "POST":
        slot = form.slot() if form.validate() else None
        if slot is None:
            status = 422
        else:
            try:
                moving.change(db.session, booking, current_user, now(), resource=form.resource,
                              starts_at=slot[0], ends_at=slot[1], units=form.units(booking))
                db.session.commit()
            except (workflow.WorkflowError, IntegrityError) as refusal:
                db.session.rollback()
                status, error = 409, _refused(refusal)
            else:
                flash(_("Changed: %(title)s.", title=booking.title), "success")
                return redirect(url_for("decisions.change", booking_id=booking.id), code=303)
    return render_template("decisions/change.html", booking=booking, form=form, error=error,
                           unit_fields=form.unit_fields(booking)), status


@bp.route("/manage/bookings/<int:booking_id>/offer", methods=["GET", "POST"])
@requires("booking.decide")
def offer(booking_id: int):
    """Offer the group another slot instead: one of the free alternatives, or any other."""
    booking = _decidable_or_403(booking_id)
    if request.method == "POST":
        form = OfferForm()
        repeat = repeat_of(form)  # the same form sent a second time: the first one's answer
        if repeat is not None:
            return repeat
    else:
        form = OfferForm(formdata=request.args or None, data=_slot_data(booking))  # an alternative's link fills it
    form.offer_resources(_resources(booking))
    status, error = 200, None
    if request.method == "POST":
        slot = form.slot() if form.validate() else None
        if slot is None:
            status = 422
        else:
            try:
                offers.make(db.session, booking, current_user, now(), resource=form.resource, starts_at=slot[0],
                            ends_at=slot[1], message=form.message.data or "",
                            days=current_app.config["OFFER_DAYS"])
                response = answer_once(form, url_for("decisions.offer", booking_id=booking.id))
                db.session.commit()
            except workflow.WorkflowError as refusal:
                db.session.rollback()
                status, error = 409, _refused(refusal)
            else:
                flash(_("Counter-offer sent to %(group)s.", group=booking.organisation.name), "success")
                return response
    at = now()
    free = offers.suggestions(db.session, booking, at) if booking.status.value == "pending" else []
    suggestions = [(alt, url_for("decisions.offer", booking_id=booking.id, **alternative_fields(alt, None)))
                   for alt in free]
    return render_template("decisions/offer.html", booking=booking, form=form, error=error, at=at,
                           current=offers.open_offer(db.session, booking), suggestions=suggestions,
                           empty=EmptyForm()), status


@bp.post("/manage/offers/<int:offer_id>/withdraw")
@requires("booking.decide")
def withdraw_offer(offer_id: int):
    """Take a counter-offer back; the request waits for a decision again."""
    offer = get_or_404(Offer, offer_id)
    if not policy.can_decide(current_user, offer.booking):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        offers.withdraw(db.session, offer, current_user, now())
        db.session.commit()
    except workflow.WorkflowError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("decisions.offer", booking_id=offer.booking_id), code=303)
    flash(_("Counter-offer withdrawn."), "success")
    return redirect(url_for("decisions.offer", booking_id=offer.booking_id), code=303)


@bp.route("/manage/bookings/<int:booking_id>/together", methods=["GET", "POST"])
@requires("booking.decide")
def decide_together(booking_id: int):
    """Every request for the same time side by side: approve one, reject or counter-offer the others."""
    booking = _decidable_or_403(booking_id)
    at = now()
    shown = together.competitors(db.session, booking, at)
    if any(not policy.can_decide(current_user, b) for b in shown):
        abort(403)
    form = TogetherForm()
    form.allowed_ids = {b.id for b in shown}
    form.chosen.choices = [SelectChoice(b.id, b.title) for b in shown]
    status, error = 200, None
    if request.method == "POST":
        if not form.validate():
            status = 422
        else:
            try:
                chosen = together.decide(
                    db.session, booking, current_user, at, chosen_id=form.chosen.data, seen=form.seen.data or "",
                    others=form.others.data, reason=form.reason.data,
                    may_decide=lambda b: policy.can_decide(current_user, b))
                db.session.commit()
            except PermissionError:
                db.session.rollback()
                abort(403)
            except (workflow.WorkflowError, IntegrityError) as refusal:
                db.session.rollback()
                status, error = 409, _refused(refusal)
                shown = together.competitors(db.session, booking, now())
            else:
                flash(_("Approved: %(title)s. The other requests were answered.", title=chosen.title), "success")
                return redirect(url_for("manage.queue"), code=303)
    if status != 422:
        form.seen.data = together.fingerprint(shown)
    return render_template(
        "decisions/together.html", booking=booking, shown=shown, form=form, error=error, at=at,
        records=together.records(db.session, sorted({b.organisation_id for b in shown}), at),
    ), status
