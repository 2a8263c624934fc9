"""The group's answer to a counter-offer: accept it (moved and approved at once) or decline it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from . import bp
from .. import workflow
from ..clock import now
from ..database import is_overlap_violation
from ..extensions import db
from ..forms import EmptyForm
from ..models import AuditEvent, Role
from ..availability import alternatives
from ..requests.views import alternative_fields, partner_limits
from ..rules import ask_for
from ..web import get_or_404, requires
from . import offers
from .models import Offer


def _own_offer_or_404(offer_id: int) -> Offer:
    """An offer made to the current user's group; other groups' offers do not exist for them."""
    offer = get_or_404(Offer, offer_id)
    if current_user.role != Role.PARTNER or current_user.organisation_id != offer.organisation_id:
        abort(404)
    return offer


def _refusal_page(offer: Offer, message: str):
    """The request's page with why the answer was refused, and the free slots there are now."""
    booking = offer.booking
    at = now()
    events = db.session.scalars(
        sa.select(AuditEvent).options(joinedload(AuditEvent.actor))
        .where(AuditEvent.booking_id == booking.id).order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    free = []
    if booking.status.value == "pending":  # the free slots near the one offered, by the partner rules
        free = alternatives(db.session, ask_for(booking).moved(offer.starts_at, offer.resource), at, partner_limits())
    suggestions = [(alt, url_for("requests.new", **alternative_fields(alt, None))) for alt in free]
    return render_template("requests/detail.html", booking=booking, events=events, form=EmptyForm(), at=at,
                           offer=offers.open_offer(db.session, booking), offer_error=message,
                           suggestions=suggestions), 409


@bp.post("/requests/offers/<int:offer_id>/accept")
@requires("request.list_own")
def accept_offer(offer_id: int):
    """Take the house's offer: the request is moved there and approved, if the slot is still free."""
    offer = _own_offer_or_404(offer_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        offers.accept(db.session, offer, current_user, now())
        db.session.commit()
    except workflow.WorkflowError as refusal:
        db.session.rollback()
        return _refusal_page(offer, str(refusal.message))
    except IntegrityError as error:
        db.session.rollback()
        if not is_overlap_violation(error):
            raise
        return _refusal_page(offer, _("Sorry, this time is no longer free."))
    flash(_("Accepted. Your booking is approved."), "success")
    return redirect(url_for("requests.detail", booking_id=offer.booking_id), code=303)


@bp.post("/requests/offers/<int:offer_id>/decline")
@requires("request.list_own")
def decline_offer(offer_id: int):
    """Say no to the house's offer: the request is closed."""
    offer = _own_offer_or_404(offer_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        offers.decline(db.session, offer, current_user, now())
        db.session.commit()
    except workflow.WorkflowError as refusal:
        db.session.rollback()
        return _refusal_page(offer, str(refusal.message))
    flash(_("Declined. Your request is closed."), "success")
    return redirect(url_for("requests.detail", booking_id=offer.booking_id), code=303)


def offers_for(bookings) -> dict:
    """The open offers for the group's listed requests (for "My requests"), in one query."""
    return offers.open_offers(db.session, bookings)

