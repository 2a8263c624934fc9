"""The manager's forms for changing a booking, offering another slot and deciding together."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..clock import LocalTimeError, to_utc
from ..forms import Form, local_time_message, year_in_range
from ..lazytext import lazy_gettext as _l
from ..models import Booking, Resource
from ..sessions.forms import SentOnce
from .together import OFFER, REJECT

MAX_UNITS = 10_000


class SlotForm(Form):
    """Where and when: a resource of the request's kind, a day and the times (plots: the days)."""

    resource_id = SelectField(_l("Resource"), coerce=int, validators=[InputRequired(_l("Please choose a resource."))])
    date = DateField(_l("Date"), validators=[DataRequired(_l("Please enter a date.")), year_in_range])
    start = TimeField(_l("From"), validators=[Optional()])
    end = TimeField(_l("Until"), validators=[Optional()])
    last_day = DateField(_l("Last day"), validators=[Optional(), year_in_range])

    def offer_resources(self, resources: list[Resource]) -> None:
        self.resource_id.choices = [SelectChoice(r.id, r.name) for r in resources]
        self._resources = {r.id: r for r in resources}

    @property
    def resource(self) -> Resource | None:
        return self._resources.get(self.resource_id.data)

    def slot(self) -> tuple[datetime, datetime] | None:
        """The instants typed, or None with the reason on the field."""
        resource = self.resource
        day = self.date.data
        if resource is None or day is None:
            return None
        try:
            if resource.whole_days:
                last = self.last_day.data or day
                if last < day:
                    self.last_day.errors = [_l("The last day cannot be before the first.")]
                    return None
                return to_utc(day, time(0)), to_utc(last + timedelta(days=1), time(0))
            if self.start.data is None or self.end.data is None:
                field = self.start if self.start.data is None else self.end
                field.errors = [_l("Please enter a time.")]
                return None
            return to_utc(day, self.start.data), to_utc(day, self.end.data)
        except LocalTimeError as error:
            self.start.errors = [local_time_message(error)]
            return None


class OfferForm(SentOnce, SlotForm):
    message = TextAreaField(_l("Message for the group"), validators=[
        Optional(), Length(max=500, message=_l("At most %(max)d characters, please."))])


class ChangeForm(SlotForm):
    """The slot, and how many of each item bundled with the request (fields units_<item id>)."""

    @classmethod
    def for_booking(cls, booking: Booking, formdata=None, **kw) -> ChangeForm:
        fields = {
            f"units_{item.id}": IntegerField(item.resource.name, default=item.units, validators=[
                InputRequired(_l("Please enter a number.")),
                NumberRange(min=1, max=MAX_UNITS, message=_l("Please enter a number from 1 to %(max)s."))])
            for item in booking.items
        }
        form_class = type("BookingChangeForm", (cls,), fields)
        return form_class(formdata=formdata, **kw)

    def units(self, booking: Booking) -> dict[int, int]:
        return {item.id: self[f"units_{item.id}"].data for item in booking.items}

    def unit_fields(self, booking: Booking) -> list:
        return [self[f"units_{item.id}"] for item in booking.items]


class TogetherForm(Form):
    chosen = RadioField(_l("Approve"), coerce=int, validate_choice=False,
                        validators=[InputRequired(_l("Please choose the request to approve."))])
    others = RadioField(_l("The others"), default=REJECT, choices=[
        SelectChoice(REJECT, _l("Reject them")),
        SelectChoice(OFFER, _l("Offer each the next free slot (rejected if there is none)"))],
        validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the others"), validators=[
        DataRequired(_l("Please give a reason for the others.")),
        Length(max=500, message=_l("At most %(max)d characters, please."))])
    seen = HiddenField()

    def validate_chosen(self, field) -> None:
        if field.data not in getattr(self, "allowed_ids", ()):
            raise ValidationError(_l("Please choose the request to approve."))
