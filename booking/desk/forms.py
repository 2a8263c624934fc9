"""The desk's forms: a walk-in, a key, a key handed out, equipment out and back."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice
from wtforms import DateField, IntegerField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import Form, year_in_range
from ..lazytext import lazy_gettext as _l
from ..sessions.forms import SentOnce
from .models import Condition

NAMES = {"hx-disable": True}  # selects whose options are names the house typed


def _optional_int(value):
    return int(value) if value not in (None, "") and str(value).isdigit() else None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class WalkInForm(SentOnce, Form):
    """A group or a guest at the counter, for a free slot now or in the next days."""

    resource_id = SelectField(_l("Room or equipment"), coerce=_optional_int, validate_choice=False,
                              render_kw=NAMES, validators=[InputRequired(_l("Please choose what you want to book."))])
    date = DateField(_l("Date"), validators=[DataRequired(_l("Please enter a date.")), year_in_range])
    start = TimeField(_l("From"), validators=[DataRequired(_l("Please enter a start time."))])
    end = TimeField(_l("Until"), validators=[DataRequired(_l("Please enter an end time."))])
    units = IntegerField(_l("Units"), default=1, validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1000."))])
    equipment_id = SelectField(_l("Equipment"), coerce=_optional_int, validate_choice=False, render_kw=NAMES)
    equipment_units = IntegerField(_l("How many?"), default=1, validators=[
        Optional(), NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1000."))])
    organisation_id = SelectField(_l("Group"), coerce=_optional_int, validate_choice=False, render_kw=NAMES)
    guest_name = StringField(_l("Guest's name"), filters=[_strip], validators=[Length(max=120)])
    guest_phone = StringField(_l("Guest's phone"), filters=[_strip], validators=[Length(max=40)])
    title = StringField(_l("What for"), filters=[_strip], validators=[
        DataRequired(_l("Please say what the booking is for.")), Length(max=120)])
    attendees = IntegerField(_l("Expected attendees"), validators=[
        Optional(), NumberRange(min=1, max=10000, message=_l("Please enter a number from 1 to 10000."))])

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data <= self.start.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_guest_name(self, field) -> None:
        if self.organisation_id.data is None and not field.data:
            raise ValidationError(_l("Please choose a group, or give the guest's name and phone."))

    def validate_guest_phone(self, field) -> None:
        if self.organisation_id.data is None and not field.data:
            raise ValidationError(_l("Please give the guest's phone number."))


class KeyForm(SentOnce, Form):
    """A key or a set of keys to a room, and how many copies the house has."""

    resource_id = SelectField(_l("Room"), coerce=_optional_int, validate_choice=False, render_kw=NAMES,
                              validators=[InputRequired(_l("Please choose a room."))])
    name = StringField(_l("Key"), filters=[_strip], validators=[
        DataRequired(_l("Please name the key.")), Length(max=120)])
    copies = IntegerField(_l("Copies"), default=1, validators=[
        InputRequired(_l("Please enter a number from 1 to 100.")),
        NumberRange(min=1, max=100, message=_l("Please enter a number from 1 to 100."))])


class KeyEditForm(KeyForm):
    submission_key = None  # a change, not a new key


class KeyHandOutForm(SentOnce, Form):
    """Copies of a key to a person of a group, for a booking of today or standing."""

    holder_name = StringField(_l("Person"), filters=[_strip], validators=[
        DataRequired(_l("Please say who takes the key.")), Length(max=120)])
    organisation_id = SelectField(_l("Group"), coerce=_optional_int, validate_choice=False, render_kw=NAMES,
                                  validators=[InputRequired(_l("Please choose the group."))])
    booking_id = SelectField(_l("For the booking"), coerce=_optional_int, validate_choice=False, render_kw=NAMES)
    copies = IntegerField(_l("Copies"), default=1, validators=[
        InputRequired(_l("Please enter a number from 1 to 100.")),
        NumberRange(min=1, max=100, message=_l("Please enter a number from 1 to 100."))])


class HandOutForm(SentOnce, Form):
    """Units of an approved equipment booking, and who takes them."""

    units = IntegerField(_l("Units"), default=1, validators=[
        InputRequired(_l("Please enter a number from 1 to 1000.")),
        NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1000."))])
    taken_by = StringField(_l("Taken by"), filters=[_strip], validators=[
        DataRequired(_l("Please say who takes it.")), Length(max=120)])


CONDITIONS = [SelectChoice(Condition.GOOD.value, _l("In good order")),
              SelectChoice(Condition.DAMAGED.value, _l("Damaged")), SelectChoice(Condition.LOST.value, _l("Lost"))]


class ReturnForm(Form):
    """Units brought back, in what condition; damaged or lost ones are out of service until a day."""

    units = IntegerField(_l("Units"), default=1, validators=[
        InputRequired(_l("Please enter a number from 1 to 1000.")),
        NumberRange(min=1, max=1000, message=_l("Please enter a number from 1 to 1000."))])
    condition = SelectField(_l("Condition"), choices=CONDITIONS, default=Condition.GOOD.value,
                            validate_choice=False)
    out_until = DateField(_l("Out of service until"), validators=[Optional(), year_in_range])

    def validate_condition(self, field) -> None:
        if field.data not in {choice.value for choice in CONDITIONS}:
            raise ValidationError(_l("Please choose the condition from the list."))

    def validate_out_until(self, field) -> None:
        if self.condition.data != Condition.GOOD.value and field.data is None:
            raise ValidationError(_l("Please say until when the units are out of service."))
