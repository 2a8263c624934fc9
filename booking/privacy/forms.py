"""The confirmation an erasure asks for."""

from wtforms import BooleanField
from wtforms.validators import InputRequired

from ..forms import Form
from ..lazytext import lazy_gettext as _l


class EraseForm(Form):
    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[InputRequired(message=_l("Tick the box to confirm the erasure."))],
    )
