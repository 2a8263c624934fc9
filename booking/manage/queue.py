"""The manager's queue: pending requests, their clashes, approve or reject in place."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from . import bp
from .. import workflow
from ..availability import check_many, overlapping
from ..clock import now
from ..database import is_overlap_violation
from ..extensions import db
from ..forms import EmptyForm
from ..models import LONGEST_DAY, Booking, Status
from ..web import get_or_404, is_htmx, render, requires
from .forms import RejectForm
from .series import series_to_decide


def _pending_query():
    """Single pending requests still to come; bundled items are shown with the request they
    belong to, and the dates of a series on the series' own card and page."""
    at = now()
    return sa.select(Booking).where(
        # Still to come, looked up without reading the years of past requests (see overlapping).
        overlapping(at, at + LONGEST_DAY, Status.PENDING) | sa.and_(Booking.status == Status.PENDING,
                                                                     Booking.starts_at >= at + LONGEST_DAY),
        Booking.bundle_of_id.is_(None),
        Booking.series_id.is_(None),
    )


def _with_details(query):
    return query.options(
        joinedload(Booking.resource),
        joinedload(Booking.organisation),
        joinedload(Booking.requested_by),
        selectinload(Booking.items).joinedload(Booking.resource),
    )


@bp.get("/queue")
@requires("queue.view")
def queue():
    """List pending requests, soonest first, each with what it clashes or competes with."""
    return _queue_page()


def _queue_page(status: int = 200, errors: dict | None = None, reject_forms: dict | None = None,
                refused: Booking | None = None, refusal: str | None = None):
    """The queue page: the series to decide as one card each, then the single requests, a page at
    a time; after a refused decision without htmx, with that row's message (and form)."""
    size = request.args.get("size", type=int) or 0
    page_size = min(max(size, 1), 200) if size else 50
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(_pending_query().subquery()))
    bookings = db.session.scalars(
        _with_details(_pending_query())
        .order_by(Booking.starts_at, Booking.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return render(
        "manage/queue.html",
        "partials/_queue_list.html",
        status=status,
        series_list=series_to_decide(),
        bookings=bookings,
        reports=check_many(db.session, bookings, now()),
        total=total,
        page=page,
        pages=max(1, -(-total // page_size)),
        form=EmptyForm(),
        errors=errors or {},
        reject_forms=reject_forms or {},
        refused=refused,
        refusal=refusal,
    )


def _respond(booking: Booking, status: int = 200, error: str | None = None, reject_form=None):
    """htmx gets the updated row, and the rows it competes with, out of band; others a redirect."""
    if not is_htmx():
        if status == 200:
            return redirect(url_for("manage.queue"), code=303)
        errors = {booking.id: error} if error else {}
        return _queue_page(status, errors, {booking.id: reject_form} if reject_form else {},
                           refused=booking, refusal=error)
    rivals = []
    if status == 200 and booking.status == Status.APPROVED:
        # Pending requests for the same resources at the same time, bundled or not.
        resource_ids = [part.resource_id for part in booking.parts]
        rival = sa.select(Booking.id).where(
            Booking.resource_id.in_(resource_ids),
            Booking.status == Status.PENDING,
            overlapping(booking.starts_at, booking.ends_at),
        )
        rivals = db.session.scalars(
            _with_details(_pending_query()).where(
                sa.or_(Booking.id.in_(rival), Booking.items.any(Booking.id.in_(rival)))
            )
        ).all()
    reports = check_many(db.session, [booking, *rivals], now())
    html = render_template(
        "partials/_queue_row.html",
        b=booking,
        report=reports[booking.id],
        form=EmptyForm(),
        reject_form=reject_form or RejectForm(formdata=None),
        error=error,
    )
    for rival in rivals:
        html += render_template(
            "partials/_queue_row.html",
            b=rival,
            report=reports[rival.id],
            form=EmptyForm(),
            reject_form=RejectForm(formdata=None),
            oob=True,
        )
    return html, status, {"Vary": "HX-Request"}


@bp.post("/bookings/<int:booking_id>/approve")
@requires("booking.decide")
def approve(booking_id: int):
    """Approve a request, unless an approved booking already holds the slot (409)."""
    booking = get_or_404(Booking, booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        workflow.approve(db.session, booking, current_user, now())
        db.session.commit()
    except workflow.WorkflowError as refusal:
        db.session.rollback()
        return _respond(booking, 409, error=str(refusal.message))
    except IntegrityError as error:
        # The database's own guard (PostgreSQL's exclusion constraint) caught an overlap.
        db.session.rollback()
        if not is_overlap_violation(error):
            raise
        return _respond(booking, 409, error=_("Another booking was approved for this time just now."))
    if not is_htmx():
        flash(_("Approved: %(title)s.", title=booking.title), "success")
    return _respond(booking)


@bp.post("/bookings/<int:booking_id>/reject")
@requires("booking.decide")
def reject(booking_id: int):
    """Reject a request with a reason the group will read."""
    booking = get_or_404(Booking, booking_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _respond(booking, 422, reject_form=form)
    try:
        workflow.reject(db.session, booking, current_user, now(), form.reason.data)
    except workflow.WorkflowError as refusal:
        db.session.rollback()
        return _respond(booking, 409, error=str(refusal.message))
    db.session.commit()
    if not is_htmx():
        flash(_("Rejected: %(title)s.", title=booking.title), "success")
    return _respond(booking)
