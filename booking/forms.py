"""Forms and form helpers shared by several areas."""

import re

import wtforms
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import StopValidation, ValidationError

from . import i18n
from .clock import LocalTimeError
from .lazytext import lazy_gettext as _l

FIRST_YEAR, LAST_YEAR = 2000, 2100

# Control characters (C0, DEL and C1) other than tab, line feed and carriage return: a line
# break comes from a browser as CR LF. None of them belongs in a name or a note, and PostgreSQL
# refuses NUL in text outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control_characters(form, field) -> None:
    """Refuse a typed text that holds invisible control characters."""
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise StopValidation(_("This field contains invisible control characters. Please remove them "
                               "(for example by typing the text again instead of pasting it)."))


def drop_control_characters(value):
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class _TextOnly:
    """Form meta: every field people type text into (a line, a note, an e-mail address, a password)
    refuses control characters before its own checks run, so no form can forget it. A hidden field
    is filled by the page, not typed: control characters are dropped from it without a word."""

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if isinstance(field, HiddenField):
            field.filters = (*field.filters, drop_control_characters)
        elif isinstance(field, StringField):
            field.validators = [no_control_characters, *field.validators]
        return field


class Form(FlaskForm):
    """The base of every form the house's pages post (CSRF included)."""

    class Meta(_TextOnly):
        pass


class SubForm(wtforms.Form):
    """The base of a form repeated inside another (a `FormField` row), with the same checks."""

    class Meta(_TextOnly):
        pass


#: What date and time fields take: the ISO values date and time inputs send, and, where a
#: browser shows a plain text box, what the hint beside the field asks for ("TT.MM.JJJJ", "HH:MM").
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M"]


class EmptyForm(Form):
    """A button-only POST (approve, withdraw, log out) that still carries a CSRF token."""


def year_in_range(form, field) -> None:
    """Dates far in the past or future are typing mistakes."""
    if field.data and not (FIRST_YEAR <= field.data.year <= LAST_YEAR):
        raise ValidationError(_l("Please choose a date between %(a)s and %(b)s.", a=FIRST_YEAR, b=LAST_YEAR))


def local_time_message(error: LocalTimeError) -> str:
    """Why a wall-clock time typed for the night the clocks change cannot be taken."""
    if error.kind == "nonexistent":
        return _("The clocks go forward that night: %(time)s does not exist. Please choose another time.",
                 time=i18n.local_time(error.when))
    return _("The clocks go back that night: %(time)s happens twice. Please choose another time.",
             time=i18n.local_time(error.when))
