"""The request form a partner group fills in."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..labels import RESOURCE_KIND
from ..models import Resource, ResourceKind

FIRST_YEAR, LAST_YEAR = 2000, 2100

# Fields a partner never sets: the organisation comes from the account, the status from the house.
FORBIDDEN_FIELDS = ("organisation_id", "organisation", "status", "requested_by_id", "decided_by_id")


def resource_choices(resources: list[Resource]) -> list[SelectChoice]:
    """Active resources grouped by kind, with capacity or quantity in the label."""
    choices = [SelectChoice("", _l("Please choose"))]
    for r in resources:
        if r.kind == ResourceKind.ROOM and r.capacity:
            label = _l("%(name)s (up to %(n)s people)", name=r.name, n=r.capacity)
        elif r.kind == ResourceKind.EQUIPMENT:
            label = _l("%(name)s (%(n)s available)", name=r.name, n=r.quantity)
        else:
            label = r.name
        choices.append(
            SelectChoice(str(r.id), label, render_kw={"data-kind": r.kind.value}, optgroup=RESOURCE_KIND[r.kind])
        )
    return choices


def _year_in_range(form, field) -> None:
    if field.data and not (FIRST_YEAR <= field.data.year <= LAST_YEAR):
        raise ValidationError(_l("Please choose a date between %(a)s and %(b)s.", a=FIRST_YEAR, b=LAST_YEAR))


class SlotFields:
    """What decides whether a slot is free; shared by the request form and the live check."""

    resource_id = SelectField(
        _l("Room, plot or equipment"),
        coerce=lambda v: int(v) if v not in (None, "") else None,
        validate_choice=False,
        validators=[InputRequired(_l("Please choose what you want to book."))],
    )
    date = DateField(_l("Date"), validators=[DataRequired(_l("Please enter a date.")), _year_in_range])
    start = TimeField(_l("From"), validators=[DataRequired(_l("Please enter a start time."))])
    end = TimeField(_l("Until"), validators=[DataRequired(_l("Please enter an end time."))])
    attendees = IntegerField(
        _l("Expected attendees"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l("Please enter a number from 1 to 10000."))],
    )
    units = IntegerField(
        _l("Units"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1000."))],
    )

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must be after the start."))


class RequestForm(SlotFields, FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give your event a title.")),
            Length(max=120, message=_l("At most %(max)d characters, please.")),
        ],
    )
    note = TextAreaField(
        _l("Note for the house"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters, please."))],
    )


class SlotCheckForm(SlotFields, FlaskForm):
    """The live check reads the same fields from the query string (a GET, so no CSRF)."""

    class Meta:
        csrf = False

