"""The one-time key of a create form, and the two steps a create view takes with it."""

from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import HiddenField

from ..clock import now
from ..extensions import db
from . import submissions


class SentOnce:
    """Mixin for a create form: a one-time key, made fresh each time the form is shown."""

    submission_key = HiddenField(default=submissions.new_key)


def _key(form) -> str | None:
    """The key the post carried; None if it carried none (a page from before keys existed)."""
    field = getattr(form, "submission_key", None)
    if field is None or not field.raw_data:
        return None
    key = field.raw_data[0]
    if not submissions.WELL_FORMED.fullmatch(key):
        abort(400)
    return key


def repeat_of(form):
    """Claim the form's key. None: this post creates. Else the answer the first post got: a
    redirect to what it made, with a word that nothing was saved twice."""
    key = _key(form) if request.method == "POST" else None
    if key is None:
        return None
    location = submissions.claim(db.session, current_user.id, key, at=now())
    if location is None:
        return None
    flash(_("This form had already been sent. Nothing was saved twice."), "info")
    return redirect(location, 303)


def answer(form, location: str):
    """Record where this post leads, for a repeat of it, and go there. The caller commits."""
    key = _key(form)
    if key is not None:
        submissions.answered(db.session, current_user.id, key, location)
    return redirect(location, 303)
