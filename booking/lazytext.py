"""Translations made when they are shown, and always shown as text.

Flask-Babel's lazy strings have `__html__`, so Jinja and WTForms take them for markup and put
them on the page as they are, with whatever was interpolated into them: a room named
`<b hx-post=…>` would become an element. These lazy strings escape themselves instead, the frame
and every value in it, wherever they are shown: in a template, a form's label, a select's option,
a field's error or a flash message. Import `lazy_gettext` from here, never from flask_babel.
"""

from flask_babel import gettext, ngettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class LazyText(LazyString):
    """A lazy translation that is text, not markup: it is escaped like any `str`."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyText:
    return LazyText(ngettext, singular, plural, num, **variables)
