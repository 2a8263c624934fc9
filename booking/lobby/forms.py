"""The lobby's forms: name a new screen; show a group's name or not."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length


class ScreenForm(FlaskForm):
    name = StringField(_l("Where the screen hangs"), validators=[DataRequired(), Length(max=80)])


class NameShownForm(FlaskForm):
    shown = BooleanField(_l("Show the group's name in the lobby"))
