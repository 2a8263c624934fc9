"""Forms and form helpers shared by several areas."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from .clock import LocalTimeError

FIRST_YEAR, LAST_YEAR = 2000, 2100


class EmptyForm(FlaskForm):
    """A button-only POST (approve, withdraw, log out) that still carries a CSRF token."""


def year_in_range(form, field) -> None:
    """Dates far in the past or future are typing mistakes."""
    if field.data and not (FIRST_YEAR <= field.data.year <= LAST_YEAR):
        raise ValidationError(_l("Please choose a date between %(a)s and %(b)s.", a=FIRST_YEAR, b=LAST_YEAR))


def local_time_message(error: LocalTimeError) -> str:
    """Why a wall-clock time typed for the night the clocks change cannot be taken."""
    if error.kind == "nonexistent":
        return _("The clocks go forward that night: %(time)s does not exist. Please choose another time.",
                 time=f"{error.when:%H:%M}")
    return _("The clocks go back that night: %(time)s happens twice. Please choose another time.",
             time=f"{error.when:%H:%M}")
