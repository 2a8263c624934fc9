"""The manager's queue: pending requests, their clashes, approve or reject in place."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from . import bp
from .. import policy, workflow
from ..availability import check_many, overlapping
from ..clock import now
from ..database import is_overlap_violation
from ..extensions import db
from ..forms import EmptyForm
from ..models import LONGEST_DAY, Booking, Resource, Status
from ..web import get_or_404, is_htmx, render
from .finding import PAGE_SIZE, Page, day_after, day_start, paged
from .forms import RejectForm
from .queue_filters import QueueFilterForm, visible_resources
from .series import series_to_decide


def _pending_query():
    """Single pending requests still to come; bundled items are shown with the request they
    belong to, and the dates of a series on the series' own card and page."""
    return _to_come(Status.PENDING)


def _to_come(status: Status):
    at = now()
    return sa.select(Booking).where(
        # Still to come, looked up without reading the years of past requests (see overlapping).
        overlapping(at, at + LONGEST_DAY, status) | sa.and_(Booking.status == status,
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


def _filtered(form: QueueFilterForm, only: frozenset[int] | None):
    """The requests the filters name: from the first day asked for (else still to come), of the
    status asked for (else pending), of the resources the viewer decides."""
    status = form.status.data or Status.PENDING
    if form.date_from.data:
        query = sa.select(Booking).where(
            Booking.status == status, Booking.starts_at >= day_start(form.date_from.data),
            Booking.bundle_of_id.is_(None), Booking.series_id.is_(None))
    else:
        query = _to_come(status)
    if form.date_to.data:
        query = query.where(Booking.starts_at < day_after(form.date_to.data))
    if only is not None:
        query = query.where(Booking.resource_id.in_(only))
    if form.resource.data:
        query = query.where(Booking.resource_id == form.resource.data)
    if form.kind.data:
        query = query.where(Booking.resource_id.in_(sa.select(Resource.id).where(Resource.kind == form.kind.data)))
    if form.organisation is not None and form.organisation.data:
        query = query.where(Booking.organisation_id == form.organisation.data)
    return query


def _series_shown(form: QueueFilterForm, only: frozenset[int] | None) -> list:
    """The series cards, narrowed like the single requests (they are pending and to come)."""
    if form.status.data not in (None, Status.PENDING) or form.date_from.data or form.date_to.data:
        return []
    kinds = {form.kind.data} if form.kind.data else None
    return [
        s for s in series_to_decide()
        if (only is None or s.resource_id in only)
        and (not form.resource.data or s.resource_id == form.resource.data)
        and (kinds is None or s.resource.kind in kinds)
        and (form.organisation is None or not form.organisation.data or s.organisation_id == form.organisation.data)
    ]


@bp.get("/queue")
@login_required
def queue():
    """List pending requests, soonest first, each with what it clashes or competes with; a
    resource's approvers see that resource's requests only."""
    if not policy.can_view_queue(current_user):
        abort(403)
    return _queue_page()


def _queue_page(status: int = 200, errors: dict | None = None, reject_forms: dict | None = None,
                refused: Booking | None = None, refusal: str | None = None):
    """The queue page: the series to decide as one card each, then the single requests, a page at
    a time; after a refused decision without htmx, with that row's message (and form)."""
    only = visible_resources(current_user)
    filters = QueueFilterForm(viewer=current_user, only=only)
    if filters.validate():
        if filters.mine is not None and filters.mine.data:
            only = policy.approved_resource_ids(current_user)
        bookings, page = paged(_with_details(_filtered(filters, only)), (Booking.starts_at, Booking.id))
        series_list = _series_shown(filters, only)
    else:
        status = 422
        bookings, page, series_list = [], Page(1, PAGE_SIZE, 0), []
    return render(
        "manage/queue.html",
        "partials/_queue_list.html",
        status=status,
        filters=filters,
        series_list=series_list,
        bookings=bookings,
        reports=check_many(db.session, bookings, now()),
        total=page.total,
        page=page.number,
        pages=page.pages,
        query_args=filters.query_args(),
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


def decidable(booking_id: int) -> Booking:
    """The booking, if this account may decide it: 403 for those who decide nothing (whatever the
    number), 404 for a number never used, 403 for an approver of other resources."""
    if not policy.can_view_queue(current_user):
        abort(403)
    booking = get_or_404(Booking, booking_id)
    if not policy.can_decide(current_user, booking):
        abort(403)
    return booking


@bp.post("/bookings/<int:booking_id>/approve")
@login_required
def approve(booking_id: int):
    """Approve a request, unless an approved booking already holds the slot (409)."""
    booking = decidable(booking_id)
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
@login_required
def reject(booking_id: int):
    """Reject a request with a reason the group will read."""
    booking = decidable(booking_id)
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
