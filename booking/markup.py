"""HTML pieces built in Python, for pages that print hundreds of them (the board's blocks).

A template loop that called a macro per booking was most of the board's time, so the board
builds its blocks here instead. This module and `booking/lazytext.py` are the only places that
make `Markup`, and this one does it one way only: a template that is the app's own string
literal, its `{name}` fields filled by `str.format` with values that markupsafe has escaped
first (a value that is markup already, a piece made here or an escaped lazy translation, stays
as it is). Escaped values are strings, so a field cannot reach into the objects they came
from either. User text reaches the page as text only, and no code can pass a ready-made string
through as markup.
tests/http/test_xss.py checks that every call names the module (`markup.piece(...)`) and gives
a string literal as the template.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import LiteralString

from markupsafe import Markup, escape

EMPTY = Markup("")


def piece(template: LiteralString, /, **values: object) -> Markup:
    """The template with its fields filled, every value escaped: `piece('<li title="{t}">', t=text)`.

    (`Markup(template).format` escapes too, but parses the template in Python on every call:
    several times slower, on the board's hundreds of blocks.)
    """
    return Markup(template.format_map({name: _escaped(value) for name, value in values.items()}))


def _escaped(value: object) -> str:
    """A value as text in HTML: escaped, unless it is markup already (a piece, an escaped
    translation). Plain strings and numbers skip markupsafe's wrapper: the board has thousands."""
    kind = type(value)
    if kind is str:  # as markupsafe escapes it, character for character
        return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                .replace("'", "&#39;").replace('"', "&#34;"))
    if kind is int:
        return str(value)
    return escape(value)


def template(name: LiteralString, context: dict) -> Markup:
    """One of the app's own templates rendered alone, autoescaped like every page, as a piece of a
    page (the board's fragment, kept between requests by booking/freshness.py)."""
    from flask import current_app

    return Markup(current_app.jinja_env.get_template(name).render(context))


def joined(pieces: Iterable[object], separator: LiteralString = "") -> Markup:
    """The pieces one after the other; a plain string among them is escaped."""
    return Markup(separator).join(pieces)
