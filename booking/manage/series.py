"""A series for the manager: its dates with their verdicts, several of them decided at once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired

from . import bp
from .. import policy
from .. import series as serieswork
from .. import workflow
from ..availability import check_many
from ..clock import now
from ..database import is_overlap_violation
from ..extensions import db
from ..forms import Form
from ..lazytext import lazy_gettext as _l
from ..models import Booking, Series, Status
from .forms import RejectForm

class ApproveDatesForm(Form):
    booking_ids = SelectMultipleField(
        _l("Dates"), coerce=int, validators=[DataRequired(_l("Please choose at least one pending date."))]
    )


class RejectDatesForm(ApproveDatesForm, RejectForm):
    """Some or all dates of a series, rejected with one reason for the group."""


def series_to_decide() -> list[Series]:
    """Series with pending dates still to come, the one with the soonest such date first: two
    queries (the series with their group and resource, then all their dates), however many."""
    pending = (
        sa.select(Booking.series_id, sa.func.min(Booking.starts_at).label("soonest"))
        .where(Booking.series_id.is_not(None), Booking.status == Status.PENDING, Booking.ends_at > now())
        .group_by(Booking.series_id)
        .subquery()
    )
    return db.session.scalars(
        sa.select(Series)
        .join(pending, pending.c.series_id == Series.id)
        .options(joinedload(Series.organisation), joinedload(Series.resource), selectinload(Series.bookings))
        .order_by(pending.c.soonest, Series.id)
    ).all()


def _load(series_id: int) -> Series:
    """The series with everything its page shows, in a fixed number of queries; else 404."""
    series = db.session.scalar(
        sa.select(Series)
        .where(Series.id == series_id)
        .options(
            joinedload(Series.organisation),
            joinedload(Series.resource),
            joinedload(Series.requested_by),
            selectinload(Series.bookings).options(
                joinedload(Booking.resource),
                joinedload(Booking.decided_by),
                selectinload(Booking.items).joinedload(Booking.resource),
            ),
        )
    )
    if series is None:
        abort(404)
    return series


def _open(series: Series) -> list[Booking]:
    """The dates a manager can still decide: pending and to come."""
    at = now()
    return [b for b in series.bookings if b.status == Status.PENDING and b.starts_at > at]


def _with_choices(form: ApproveDatesForm, series: Series) -> ApproveDatesForm:
    form.booking_ids.choices = [(b.id, str(b.id)) for b in _open(series)]
    return form


def _page(series: Series, status: int = 200, form: ApproveDatesForm | None = None, refusal: str | None = None):
    """The series page; after a refused or invalid decision with the dates and reason as sent."""
    pending = _open(series)
    verdicts = check_many(db.session, pending, now())
    free = [b.id for b in pending if verdicts[b.id].ok]
    chosen = set(form.booking_ids.data or []) if form is not None else set(free)
    html = render_template(
        "manage/series.html",
        series=series,
        counts=serieswork.summary(series),
        next_booking=serieswork.next_date(series, now()),
        verdicts=verdicts,
        free=free,
        chosen=chosen,
        form=form,
        refusal=refusal,
    )
    return html, status


def _decidable(series_id: int) -> Series:
    """The series, if this account may decide it: 403 for those who decide nothing (whatever the
    number), 404 for a number never used, 403 for an approver of another resource."""
    if not policy.can_view_queue(current_user):
        abort(403)
    series = _load(series_id)
    if not policy.can_decide_series(current_user, series):
        abort(403)
    return series


@bp.get("/series/<int:series_id>")
@login_required
def series(series_id: int):
    """Show every date of a series, with what the rules say to each pending one."""
    return _page(_decidable(series_id))


def _refused(series_id: int, form: ApproveDatesForm, message: str):
    """Nothing is written: roll back and show the page again, with the dates as chosen."""
    db.session.rollback()
    return _page(_load(series_id), 409, form, message)


@bp.post("/series/<int:series_id>/approve")
@login_required
def series_approve(series_id: int):
    """Approve the chosen dates, all of them or none (409 naming the dates in the way)."""
    series = _decidable(series_id)
    form = _with_choices(ApproveDatesForm(), series)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(series, 422, form)
    try:
        approved = serieswork.approve(db.session, series, set(form.booking_ids.data), current_user, now())
        db.session.commit()
    except workflow.WorkflowError as refusal:
        return _refused(series_id, form, str(refusal.message))
    except IntegrityError as error:
        # The database's own guard (PostgreSQL's exclusion constraint) caught an overlap.
        if not is_overlap_violation(error):
            raise
        return _refused(series_id, form, _("Another booking was approved for this time just now."))
    flash(ngettext("Approved one date of %(title)s.", "Approved %(num)d dates of %(title)s.", len(approved),
                   title=series.title), "success")
    return redirect(url_for("manage.series", series_id=series_id), code=303)


@bp.post("/series/<int:series_id>/reject")
@login_required
def series_reject(series_id: int):
    """Reject the chosen dates with a reason the group will read."""
    series = _decidable(series_id)
    form = _with_choices(RejectDatesForm(), series)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(series, 422, form)
    try:
        rejected = serieswork.reject(db.session, series, set(form.booking_ids.data), current_user, now(),
                                     form.reason.data)
        db.session.commit()
    except workflow.WorkflowError as refusal:
        return _refused(series_id, form, str(refusal.message))
    flash(ngettext("Rejected one date of %(title)s.", "Rejected %(num)d dates of %(title)s.", len(rejected),
                  title=series.title), "success")
    return redirect(url_for("manage.series", series_id=series_id), code=303)


@bp.app_template_global()
def series_summary(series: Series) -> dict[Status, int]:
    return serieswork.summary(series)


@bp.app_template_global()
def series_next_date(series: Series) -> Booking | None:
    return serieswork.next_date(series, now())
