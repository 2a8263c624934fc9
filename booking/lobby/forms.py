"""The lobby's forms: name a new screen; show a group's name or not."""

from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form
from ..lazytext import lazy_gettext as _l


class ScreenForm(Form):
    name = StringField(_l("Where the screen hangs"), validators=[DataRequired(), Length(max=80)])


class NameShownForm(Form):
    shown = BooleanField(_l("Show the group's name in the lobby"))
