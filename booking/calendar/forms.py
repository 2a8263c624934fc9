"""The query strings of the calendar pages, read by WTForms (GET forms without CSRF)."""

from wtforms import DateField, IntegerField, StringField
from wtforms.validators import NumberRange, Optional, Regexp

from ..forms import Form, year_in_range
from ..lazytext import lazy_gettext as _l


class WeekForm(Form):
    """Which week, of one resource or of every resource of a kind."""

    class Meta:
        csrf = False

    date = DateField(_l("Date"), validators=[Optional(), year_in_range],
                     render_kw={"min": "2000-01-01", "max": "2100-12-31"})
    resource = IntegerField(_l("Room or equipment"), validators=[Optional()])
    kind = StringField(_l("Kind"), validators=[Optional()])


class MonthForm(Form):
    """Which month: YYYY-MM."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), validators=[
        Optional(), Regexp(r"^(20\d\d|2100)-(0[1-9]|1[0-2])$", message=_l("Please choose a month between 2000 and 2100."))])


class FreeForm(Form):
    """The request form's resource and date, for its panel of free times."""

    class Meta:
        csrf = False

    resource_id = IntegerField(validators=[Optional()])
    date = DateField(validators=[Optional(), year_in_range])
    units = IntegerField(validators=[Optional(), NumberRange(min=1, max=1000)])
