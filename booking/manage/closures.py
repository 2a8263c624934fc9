"""Closures of the whole house or of one resource: list, add, change, delete.

A closure keeps new requests out of its time. Approved bookings that fall into it stay as they
are: the closure's page lists them, so that the manager can talk to the groups.
"""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField, FormField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from . import bp
from .. import labels
from ..availability import busy_overlapping
from ..clock import LocalTimeError, day_bounds, local, now, to_utc
from ..extensions import db
from ..content import set_translations
from ..content.forms import fill, translations_form, typed
from ..forms import DATE_FORMATS, TIME_FORMATS, EmptyForm, Form, local_time_message, year_in_range
from ..lazytext import lazy_gettext as _l
from ..models import Booking, Closure, Resource, Status
from ..notify import outbox
from ..web import get_or_404, requires
from ..sessions.forms import SentOnce
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from .forms import optional_id, strip

LIST_LIMIT = 200


class ClosureForm(SentOnce, Form):
    """What is closed, from when until when (house wall-clock time), and why."""

    resource_id = SelectField(_l("What is closed"), coerce=optional_id)
    first_day = DateField(
        _l("First day"), validators=[DataRequired(_l("Please enter the first day.")), year_in_range],
        format=DATE_FORMATS,
    )
    start = TimeField(_l("From (time)"), validators=[Optional()], format=TIME_FORMATS)
    last_day = DateField(_l("Last day"), validators=[Optional(), year_in_range], format=DATE_FORMATS)
    end = TimeField(_l("Until (time)"), validators=[Optional()], format=TIME_FORMATS)
    reason = StringField(
        _l("Reason"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please give a reason.")),
            Length(max=200, message=_l("At most %(max)d characters, please.")),
        ],
    )

    translated = FormField(translations_form({"reason": (_l("Reason"), 200, False)}))

    # Set by validate(): the closure as UTC instants, [starts_at, ends_at).
    starts_at = None
    ends_at = None

    def __init__(self, *args, editing: Closure | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Active resources can be closed; a closure keeps the resource it already names.
        keep = editing.resource_id if editing is not None else None
        offered = Resource.active if keep is None else sa.or_(Resource.active, Resource.id == keep)
        resources = sorted(db.session.scalars(sa.select(Resource).where(offered)), key=lambda r: r.sort_key)
        self.resource_id.choices = [SelectChoice("", _l("The whole house"))] + [
            SelectChoice(str(r.id), r.name, optgroup=labels.RESOURCE_KIND[r.kind]) for r in resources
        ]
        if editing is not None and not self.is_submitted():
            self.fill_from(editing)

    def fill_from(self, closure: Closure) -> None:
        """Show a stored closure as typed: empty times for whole days."""
        starts, ends = local(closure.starts_at), local(closure.ends_at)
        self.resource_id.data = closure.resource_id
        self.first_day.data = starts.date()
        self.start.data = starts.time() if starts.time() != time() else None
        if ends.time() == time():  # to the end of the day before
            self.last_day.data = ends.date() - timedelta(days=1)
            self.end.data = None
        else:
            self.last_day.data = ends.date()
            self.end.data = ends.time()
        self.reason.data = closure.reason
        fill(self.translated.form, closure)

    def validate(self, extra_validators=None) -> bool:
        """The fields each, then the span: local times that exist once, the end after the start."""
        if not super().validate(extra_validators):
            return False
        first = self.first_day.data
        last = self.last_day.data or first
        if last < first:
            self.last_day.errors.append(_("The last day cannot be before the first."))
            return False
        try:
            self.starts_at = to_utc(first, self.start.data or time())
        except LocalTimeError as error:
            self.start.errors.append(local_time_message(error))
        try:
            self.ends_at = to_utc(last, self.end.data) if self.end.data else day_bounds(last)[1]
        except LocalTimeError as error:
            self.end.errors.append(local_time_message(error))
        if self.starts_at is None or self.ends_at is None:
            return False
        if self.ends_at <= self.starts_at:
            (self.end if self.end.data else self.last_day).errors.append(_("The end must be after the start."))
            return False
        return True

    def apply_to(self, closure: Closure) -> None:
        closure.resource_id = self.resource_id.data
        closure.starts_at = self.starts_at
        closure.ends_at = self.ends_at
        closure.reason = self.reason.data
        set_translations(closure, typed(self.translated.form))


def affected_bookings(closure: Closure) -> list[Booking]:
    """Approved bookings whose busy span (buffers included) falls into the closure.

    A bundle is shown once, with its lead booking; an item on its own when only it is affected.
    """
    if closure.resource_id is None:  # the house: every resource but the garden plots
        resources = [r for r in db.session.scalars(sa.select(Resource)) if closure.applies_to(r)]
    else:
        resources = [closure.resource]
    if not resources:
        return []
    found = db.session.scalars(
        sa.select(Booking)
        # "not in the others" rather than "= approved": see availability.CLOSED on the index choice.
        .where(Booking.status.not_in([s for s in Status if s != Status.APPROVED]),
               busy_overlapping(resources, closure.starts_at, closure.ends_at))
        .options(
            joinedload(Booking.resource),
            joinedload(Booking.organisation),
            selectinload(Booking.items).joinedload(Booking.resource),
        )
        .order_by(Booking.starts_at, Booking.id)
        .limit(LIST_LIMIT)
    ).all()
    ids = {b.id for b in found}
    return [b for b in found if b.bundle_of_id not in ids]


def _form_page(form, closure=None):
    """The form again: 422 with what was typed after a refused POST."""
    status = 422 if request.method == "POST" else 200
    return render_template("manage/closure_form.html", form=form, closure=closure), status


@bp.get("/closures/")
@requires("resource.manage")
def closures():
    """List closures that are not over yet, soonest first, or past ones, latest first."""
    past = request.args.get("when") == "past"
    query = sa.select(Closure).options(joinedload(Closure.resource))
    if past:
        query = query.where(Closure.ends_at <= now()).order_by(Closure.starts_at.desc(), Closure.id.desc())
    else:
        query = query.where(Closure.ends_at > now()).order_by(Closure.starts_at, Closure.id)
    rows = db.session.scalars(query.limit(LIST_LIMIT)).all()
    return render_template("manage/closures.html", closures=rows, past=past, limit=LIST_LIMIT)


@bp.route("/closures/new", methods=["GET", "POST"])
@requires("resource.manage")
def closure_new():
    """Close the house or one resource for a time."""
    form = ClosureForm()
    repeat = repeat_of(form)  # the same form sent a second time: the first one's answer
    if repeat is not None:
        return repeat
    if form.validate_on_submit():
        closure = Closure(created_by=current_user)
        form.apply_to(closure)
        db.session.add(closure)
        db.session.flush()
        outbox.closure_created(db.session, closure, affected_bookings(closure), current_user)
        response = answer_once(form, url_for("manage.closure", closure_id=closure.id))
        db.session.commit()
        flash(_("The closure was saved."), "success")
        return response
    return _form_page(form)


@bp.get("/closures/<int:closure_id>")
@requires("resource.manage")
def closure(closure_id: int):
    """One closure with the approved bookings that fall into it."""
    closure = get_or_404(Closure, closure_id)
    return render_template(
        "manage/closure.html", closure=closure, affected=affected_bookings(closure), form=EmptyForm(),
        limit=LIST_LIMIT,
    )


@bp.route("/closures/<int:closure_id>/edit", methods=["GET", "POST"])
@requires("resource.manage")
def closure_edit(closure_id: int):
    """Change what is closed, when, or why."""
    closure = get_or_404(Closure, closure_id)
    form = ClosureForm(editing=closure)
    del form.submission_key  # a change, not a new closure
    if form.validate_on_submit():
        form.apply_to(closure)
        db.session.commit()
        flash(_("Changes to the closure were saved."), "success")
        return redirect(url_for("manage.closure", closure_id=closure.id), 303)
    return _form_page(form, closure)


@bp.post("/closures/<int:closure_id>/delete")
@requires("resource.manage")
def closure_delete(closure_id: int):
    """Delete a closure: its time can be requested again."""
    closure = get_or_404(Closure, closure_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(closure)
    db.session.commit()
    flash(_("The closure was deleted."), "success")
    return redirect(url_for("manage.closures"), 303)
