"""Opening hours: the house's for each weekday, and a resource's own where they differ.

Times are typed as house wall-clock "HH:MM" on the quarter hour. A closing time of 00:00
(or 24:00) means midnight at the end of the day, as a time input cannot show 24:00.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wtforms import BooleanField, FormField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import TimeInput

from . import bp
from .. import contradictions
from ..availability import house_hours
from ..clock import now
from ..extensions import db
from ..forms import Form, SubForm
from ..i18n import weekday_names
from ..lazytext import lazy_gettext as _l
from ..models import OpeningHours, Resource, ResourceKind
from ..rules import WeekHours, hhmm
from ..web import get_or_404, requires
from .confirming import unconfirmed
from .forms import ConfirmField, strip

WEEKDAYS = range(7)  # 0 = Monday
END_OF_DAY = 24 * 60
QUARTER = 15

OPEN, CLOSED, LIKE_HOUSE = "open", "closed", "house"


def minutes_of(text: str, closing: bool = False) -> int | None:
    """Minutes after midnight of a time like "08:30"; as a closing time, 00:00 or 24:00 is the next midnight."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", text or "")
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    total = hour * 60 + minute
    return END_OF_DAY if closing and total == 0 else total


def input_value(minutes: int | None) -> str | None:
    """What a time input shows: midnight at the end of the day as 00:00."""
    if minutes is None:
        return None
    return "00:00" if minutes == END_OF_DAY else hhmm(minutes)


class DayHours(SubForm):
    """One weekday: open with times, closed, or (for a resource) like the house.

    The subclasses give `mode` its choices."""

    opens = StringField(_l("Opens at"), filters=[strip], widget=TimeInput())
    closes = StringField(_l("Closes at"), filters=[strip], widget=TimeInput())

    # Set by validate(): (opens, closes) in minutes after midnight when the day has own times.
    minutes = None

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.mode.data != OPEN:
            return True  # the times are left as typed but not used
        found = []
        for field, closing in ((self.opens, False), (self.closes, True)):
            value = minutes_of(field.data, closing)
            if not field.data:
                field.errors.append(_("Please enter a time."))
            elif value is None:
                field.errors.append(_("Please enter a time like 08:00."))
            elif value % QUARTER:
                field.errors.append(_("Please use a time on the quarter hour, e.g. 08:15."))
            else:
                found.append(value)
        if len(found) < 2:
            return False
        if found[0] >= found[1]:
            self.closes.errors.append(_("The closing time must be after the opening time (00:00 is midnight)."))
            return False
        self.minutes = tuple(found)
        return True


class HouseDay(DayHours):
    mode = SelectField(
        _l("Open?"),
        choices=[SelectChoice(OPEN, _l("Open")), SelectChoice(CLOSED, _l("Closed"))],
        validators=[InputRequired()],
    )


class ResourceDay(DayHours):
    mode = SelectField(
        _l("Open?"),
        choices=[
            SelectChoice(LIKE_HOUSE, _l("Like the house")),
            SelectChoice(CLOSED, _l("Closed")),
            SelectChoice(OPEN, _l("Own times")),
        ],
        validators=[InputRequired()],
    )


class WeekForm(Form):
    """Seven weekdays, named day0 (Monday) to day6 (Sunday)."""

    day_form = DayHours
    confirm = ConfirmField()
    # Without JavaScript: ticked, the form's Tuesday to Friday are hidden and saved as Monday.
    same_as_monday = BooleanField(_l("Tuesday to Friday as Monday"))

    @property
    def days(self) -> list[FormField]:
        return [self[f"day{d}"] for d in WEEKDAYS]

    def fill_from(self, rows: dict[int, OpeningHours]) -> None:
        for weekday, day in enumerate(self.days):
            row = rows.get(weekday)
            if row is None:
                day.form.mode.data = self.missing
            elif row.opens is None:
                day.form.mode.data = CLOSED
            else:
                day.form.mode.data = OPEN
                day.form.opens.data, day.form.closes.data = input_value(row.opens), input_value(row.closes)

    def copy_monday(self) -> None:
        """Tuesday to Friday take Monday's choice and times, as typed."""
        monday = self.days[0].form
        for day in self.days[1:5]:
            for name in ("mode", "opens", "closes"):
                field, source = day.form[name], monday[name]
                field.data, field.raw_data = source.data, list(source.raw_data or [])

    def wanted(self) -> dict[int, tuple[int | None, int | None]]:
        """The rows to keep, by weekday: (opens, closes), or (None, None) for a closed resource day."""
        rows = {}
        for weekday, day in enumerate(self.days):
            if day.form.mode.data == OPEN:
                rows[weekday] = day.form.minutes
            elif day.form.mode.data == CLOSED and self.closed_row:
                rows[weekday] = (None, None)
        return rows


class HouseHoursForm(WeekForm):
    missing = CLOSED  # a weekday without a house-wide row is closed
    closed_row = False


class ResourceHoursForm(WeekForm):
    missing = LIKE_HOUSE  # a weekday without a resource row follows the house
    closed_row = True  # a resource row without times closes it that day


for _weekday in WEEKDAYS:
    setattr(HouseHoursForm, f"day{_weekday}", FormField(HouseDay))
    setattr(ResourceHoursForm, f"day{_weekday}", FormField(ResourceDay))


def save_week(session: Session, resource_id: int | None, wanted: dict[int, tuple[int | None, int | None]]) -> None:
    """Make the rows of the house (None) or of one resource say `wanted`; weekdays not in it lose their row.

    Rows are changed in place rather than deleted and added again, so the unique index on
    (resource, weekday) never sees two rows for a day within the flush.
    """
    scope = OpeningHours.resource_id.is_(None) if resource_id is None else OpeningHours.resource_id == resource_id
    rows = {row.weekday: row for row in session.scalars(sa.select(OpeningHours).where(scope))}
    for weekday in WEEKDAYS:
        row = rows.get(weekday)
        if weekday not in wanted:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = OpeningHours(resource_id=resource_id, weekday=weekday)
            session.add(row)
        row.opens, row.closes = wanted[weekday]
    session.flush()


def _rows_of(resource_id: int | None) -> dict[int, OpeningHours]:
    scope = OpeningHours.resource_id.is_(None) if resource_id is None else OpeningHours.resource_id == resource_id
    return {row.weekday: row for row in db.session.scalars(sa.select(OpeningHours).where(scope))}


def _commit(form) -> bool:
    """Commit; if another manager saved the same days at the same moment, say so and keep the form."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.form_errors.append(
            _("Someone else changed these hours at the same moment. Please check them and save again."))
        return False
    return True


@bp.route("/hours/", methods=["GET", "POST"])
@requires("resource.manage")
def hours():
    """The house's hours for each weekday, and what each room and piece of equipment keeps."""
    form = HouseHoursForm()
    if not form.is_submitted():
        form.fill_from(_rows_of(None))
    elif form.same_as_monday.data:
        form.copy_monday()
    status, shown = 200, []
    if form.validate_on_submit():
        # The check and the write under one lock: no booking is approved in between.
        contradictions.lock(db.session)
        affected = db.session.scalars(sa.select(Resource).where(Resource.kind != ResourceKind.PLOT)).all()
        found = contradictions.contradicted_by(
            db.session, affected, now(), lambda: save_week(db.session, None, form.wanted()))
        shown = unconfirmed(form, found)
        if not shown and _commit(form):
            flash(_("The house's opening hours were saved."), "success")
            return redirect(url_for("manage.hours"), 303)
        status = 409
    elif form.is_submitted():
        status = 422
    resources = sorted(
        db.session.scalars(sa.select(Resource).where(Resource.kind != ResourceKind.PLOT)),
        key=lambda r: (not r.active, r.sort_key),
    )
    rows = db.session.scalars(sa.select(OpeningHours)).all()
    own = {(row.resource_id, row.weekday) for row in rows if row.resource_id is not None}
    return render_template(
        "manage/hours.html", form=form, weekdays=weekday_names(), weekdays_short=weekday_names("abbreviated"),
        resources=resources,
        week=WeekHours(rows), own=own, hhmm=hhmm, contradictions=shown,
    ), status


@bp.route("/hours/<int:resource_id>", methods=["GET", "POST"])
@requires("resource.manage")
def hours_resource(resource_id: int):
    """One resource's own hours: per weekday like the house, closed, or its own times."""
    resource = get_or_404(Resource, resource_id)
    if resource.whole_days:
        flash(_("Garden plots are booked by whole days; opening hours do not apply to them."), "info")
        return redirect(url_for("manage.hours"), 303)
    form = ResourceHoursForm()
    if not form.is_submitted():
        form.fill_from(_rows_of(resource.id))
    elif form.same_as_monday.data:
        form.copy_monday()
    status, shown = 200, []
    if form.validate_on_submit():
        contradictions.lock(db.session, [resource.id])
        found = contradictions.contradicted_by(
            db.session, [resource], now(), lambda: save_week(db.session, resource.id, form.wanted()))
        shown = unconfirmed(form, found)
        if not shown and _commit(form):
            flash(_("The opening hours of “%(name)s” were saved.", name=resource.name), "success")
            return redirect(url_for("manage.hours", _anchor=f"resource-{resource.id}"), 303)
        status = 409
    elif form.is_submitted():
        status = 422
    return render_template(
        "manage/hours_resource.html", form=form, resource=resource, weekdays=weekday_names(),
        house=house_hours(db.session), hhmm=hhmm, contradictions=shown,
    ), status
