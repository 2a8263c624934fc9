"""The request form a partner group fills in."""

from wtforms import (
    DateField,
    SelectMultipleField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from ..content import translated
from ..forms import DATE_FORMATS, TIME_FORMATS, Form, SubForm, year_in_range
from ..labels import RESOURCE_KIND
from ..lazytext import lazy_gettext as _l
from ..models import Resource, ResourceKind
from ..sessions.forms import SentOnce


# Fields a partner never sets: the organisation comes from the account, the status from the house.
FORBIDDEN_FIELDS = ("organisation_id", "organisation", "status", "requested_by_id", "decided_by_id",
                    "override_reason")
# Selects whose options are names the house typed: htmx ignores them (they trigger nothing themselves).
NAMES = {"hx-disable": True}
# How many pieces of equipment one request can bundle with a room.
EXTRA_ROWS = 3


def _optional_int(value):
    return int(value) if value not in (None, "") else None


def resource_choices(resources: list[Resource]) -> list[SelectChoice]:
    """Active resources grouped by kind, with capacity or quantity in the label."""
    choices = [SelectChoice("", _l("Please choose"))]
    for r in resources:
        name = translated(r, "name")
        if r.kind == ResourceKind.ROOM and r.capacity:
            label = _l("%(name)s (up to %(n)s people)", name=name, n=r.capacity)
        elif r.kind == ResourceKind.EQUIPMENT:
            label = _l("%(name)s (%(n)s available)", name=name, n=r.quantity)
        else:
            label = name
        choices.append(
            SelectChoice(str(r.id), label, render_kw={"data-kind": r.kind.value}, optgroup=RESOURCE_KIND[r.kind])
        )
    return choices


def purpose_choices(purposes) -> list[SelectChoice]:
    """The house's active purposes, each under the name people read in their language."""
    from ..reports.purposes import label

    return [SelectChoice("", _l("Please choose"))] + [SelectChoice(str(p.id), label(p)) for p in purposes]


def equipment_choices(resources: list[Resource]) -> list[SelectChoice]:
    choices = [SelectChoice("", _l("No equipment"))]
    choices += [SelectChoice(str(r.id), _l("%(name)s (%(n)s available)", name=translated(r, "name"), n=r.quantity))
                for r in resources if r.kind == ResourceKind.EQUIPMENT]
    return choices


class ExtraForm(SubForm):
    """One piece of equipment requested together with the room."""

    resource_id = SelectField(_l("Equipment"), coerce=_optional_int, validate_choice=False, render_kw=NAMES)
    units = IntegerField(
        _l("How many?"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1000."))],
    )


def _time_unless_plot(message):
    def check(form, field):
        if getattr(form, "plot", False):
            field.errors[:] = []
            raise StopValidation()
        if not field.data:
            raise StopValidation(message)
    return check


class SlotFields:
    """What decides whether a slot is free; shared by the request form and the live check."""

    resource_id = SelectField(
        _l("Room, plot or equipment"),
        coerce=_optional_int,
        validate_choice=False,
        render_kw=NAMES,
        validators=[InputRequired(_l("Please choose what you want to book."))],
    )
    date = DateField(_l("Date"), validators=[DataRequired(_l("Please enter a date.")), year_in_range],
                     format=DATE_FORMATS)
    start = TimeField(_l("From"), validators=[_time_unless_plot(_l("Please enter a start time."))],
                      format=TIME_FORMATS)
    end = TimeField(_l("Until"), validators=[_time_unless_plot(_l("Please enter an end time."))],
                    format=TIME_FORMATS)
    last_day = DateField(_l("Last day"), validators=[Optional(), year_in_range], format=DATE_FORMATS)
    extras = FieldList(FormField(ExtraForm), min_entries=EXTRA_ROWS, max_entries=EXTRA_ROWS)
    attendees = IntegerField(
        _l("Expected attendees"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l("Please enter a number from 1 to 10000."))],
    )
    units = IntegerField(
        _l("Units"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1000."))],
    )

    # Set by the view from the chosen resource: a plot is booked from `date` to `last_day`.
    plot = False

    def validate_end(self, field) -> None:
        if not self.plot and self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_last_day(self, field) -> None:
        if self.plot and self.date.data and field.data and field.data < self.date.data:
            raise ValidationError(_l("The last day cannot be before the first."))

    def extra_parts(self) -> list[tuple[int, int]]:
        """(resource id, units) of each equipment row that was filled in."""
        return [(row.resource_id.data, row.units.data or 1) for row in self.extras if row.resource_id.data]


class RepeatFields:
    """How a request repeats: weekly on chosen weekdays, every n weeks, or monthly."""

    repeat = SelectField(
        _l("Repeat"),
        choices=[SelectChoice("", _l("No, just this date")), SelectChoice("weekly", _l("Weekly")),
                 SelectChoice("monthly", _l("Monthly"))],
        default="",
    )
    every = SelectField(
        _l("How often"),
        choices=[SelectChoice("1", _l("every week")), SelectChoice("2", _l("every 2 weeks")),
                 SelectChoice("3", _l("every 3 weeks")), SelectChoice("4", _l("every 4 weeks"))],
        default="1",
    )
    weekdays = SelectMultipleField(
        _l("On these days"),
        coerce=int,
        validate_choice=False,
        choices=[SelectChoice(str(n), name) for n, name in enumerate(
            (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat")))],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    ordinal = SelectField(
        _l("Which one in the month"),
        coerce=int,
        choices=[SelectChoice("1", _l("the first")), SelectChoice("2", _l("the second")),
                 SelectChoice("3", _l("the third")), SelectChoice("4", _l("the fourth")),
                 SelectChoice("-1", _l("the last"))],
        default=1,
    )
    repeat_until = DateField(_l("Last date of the series"), validators=[Optional(), year_in_range],
                             format=DATE_FORMATS)
    repeat_count = IntegerField(
        _l("Or: number of dates"),
        validators=[Optional(), NumberRange(min=1, max=250, message=_l("Please enter a number from 1 to 250."))],
    )


class RequestForm(SentOnce, SlotFields, RepeatFields, Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give your event a title.")),
            Length(max=120, message=_l("At most %(max)d characters, please.")),
        ],
    )
    # The house's list of purposes (booking/reports/purposes.py): the view sets the choices.
    purpose_id = SelectField(
        _l("What is it for?"),
        coerce=_optional_int,
        validate_choice=False,
        render_kw=NAMES,
        validators=[InputRequired(_l("Please choose what it is for."))],
    )

    def validate_purpose_id(self, field) -> None:
        if field.data not in {int(c.value) for c in field.choices if getattr(c, "value", "")}:
            raise ValidationError(_l("Please choose what it is for from the list."))
    note = TextAreaField(
        _l("Note for the house"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters, please."))],
    )


class ManagerFields:
    """A manager requests on behalf of a group and may set partner rules aside, with a reason."""

    organisation_id = SelectField(
        _l("For the group"),
        coerce=_optional_int,
        validate_choice=False,
        render_kw=NAMES,
        validators=[InputRequired(_l("Please choose the group this is for."))],
    )
    override_reason = TextAreaField(
        _l("Reason for an exception"),
        validators=[Optional(), Length(max=500, message=_l("At most %(max)d characters, please."))],
    )


class ManagerRequestForm(ManagerFields, RequestForm):
    pass


class SlotCheckForm(SlotFields, Form):
    """The live check reads the same fields from the query string (a GET, so no CSRF)."""

    class Meta:
        csrf = False

