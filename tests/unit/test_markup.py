"""Pieces of HTML made in Python escape every value exactly as the templates do."""

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from booking import markup


@given(st.text())
def test_text_is_escaped_as_markupsafe_escapes_it(text):
    assert markup.piece('<b title="{v}">{v}</b>', v=text) == Markup('<b title="{0}">{0}</b>').format(text)
    assert str(markup.piece("{v}", v=text)) == str(escape(text))


@given(st.integers())
def test_numbers_are_printed_as_numbers(number):
    assert markup.piece("{n}", n=number) == str(number)


def test_a_piece_inside_a_piece_is_not_escaped_twice():
    inner = markup.piece("<i>{t}</i>", t="<x>")
    assert markup.piece("<b>{inner}</b>", inner=inner) == "<b><i>&lt;x&gt;</i></b>"
