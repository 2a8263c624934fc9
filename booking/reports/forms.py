"""The report's period (a GET form: bookmarkable) and the manager's purposes."""

from datetime import date

from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import Form, year_in_range
from ..lazytext import lazy_gettext as _l

LONGEST_YEARS = 10


class PeriodForm(Form):
    """From a first to a last day, both included; at most ten years."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[DataRequired(_l("Please enter a date.")), year_in_range])
    end = DateField(_l("Until"), validators=[DataRequired(_l("Please enter a date.")), year_in_range])

    def validate_end(self, field) -> None:
        start = self.start.data
        if not (start and field.data):
            return
        if field.data < start:
            raise ValidationError(_l("The last day cannot be before the first."))
        try:
            longest = start.replace(year=start.year + LONGEST_YEARS)
        except ValueError:  # 29 February
            longest = date(start.year + LONGEST_YEARS, 3, 1)
        if field.data >= longest:
            raise ValidationError(_l("A report covers at most %(n)s years.", n=LONGEST_YEARS))


class PurposeForm(Form):
    """A new purpose, or a purpose renamed; its name in German, as people will read it."""

    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Please enter a name.")),
        Length(max=80, message=_l("At most %(max)d characters, please.")),
    ])
    active = BooleanField(_l("Offered on the request form"), default=True)
