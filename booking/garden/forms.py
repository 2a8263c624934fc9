"""Forms of the season round: a season, an application, an allocation."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..extensions import db
from ..forms import Form, year_in_range
from ..lazytext import lazy_gettext as _l
from ..manage.forms import optional_id, strip
from ..models import Resource, ResourceKind
from ..sessions.forms import SentOnce

LONGEST_SEASON = timedelta(days=366)


def active_plots() -> list[Resource]:
    return list(db.session.scalars(sa.select(Resource).where(Resource.kind == ResourceKind.PLOT, Resource.active)
                                   .order_by(Resource.name)))


class SeasonForm(SentOnce, Form):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    starts_on = DateField(_l("First day of the season"), validators=[InputRequired(), year_in_range])
    ends_on = DateField(_l("Last day of the season"), validators=[InputRequired(), year_in_range])
    apply_from = DateField(_l("Applications from"), validators=[InputRequired(), year_in_range])
    apply_until = DateField(_l("Applications until"), validators=[InputRequired(), year_in_range])
    offer_days = IntegerField(_l("Days to accept a plot given back"), default=7, validators=[
        InputRequired(), NumberRange(min=1, max=60)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.ends_on.data < self.starts_on.data:
            self.ends_on.errors.append(_("The season must end on or after its first day."))
            valid = False
        elif valid and self.ends_on.data - self.starts_on.data >= LONGEST_SEASON:
            self.ends_on.errors.append(_("A season lasts one year at most."))
            valid = False
        if valid and self.apply_until.data < self.apply_from.data:
            self.apply_until.errors.append(_("The window must end on or after its first day."))
            valid = False
        elif valid and self.apply_until.data > self.ends_on.data:
            self.apply_until.errors.append(_("The window must end before the season does."))
            valid = False
        return valid


class ApplyForm(SentOnce, Form):
    wish = SelectField(_l("Plot"), coerce=optional_id, validate_choice=True)
    note = TextAreaField(_l("Note for the house"), filters=[strip], validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters, please."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.wish.choices = [("", _l("Any plot"))] + [(str(p.id), p.name) for p in active_plots()]


class AllocateForm(Form):
    plot = SelectField(_l("Plot"), coerce=optional_id, validate_choice=True,
                       validators=[InputRequired(_l("Please choose a plot."))])

    def __init__(self, *args, plots: list[Resource], **kwargs):
        super().__init__(*args, **kwargs)
        self.plot.choices = [("", _l("Please choose"))] + [(str(p.id), p.name) for p in plots]
