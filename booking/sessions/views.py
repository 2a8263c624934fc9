"""Logging a browser in and out on the server's side, and "log out everywhere"."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import freshness
from ..clock import now
from ..database import take_write_lock
from ..extensions import db
from ..forms import EmptyForm
from ..models import User
from . import logins

bp = Blueprint("sessions", __name__)

# Where the session cookie keeps the key of its row in login_session.
SESSION_KEY = "login_session"


def lifetime() -> timedelta:
    return timedelta(days=current_app.config["LOGIN_SESSION_DAYS"])


def log_in(user: User) -> None:
    """Start a new session for this browser: nothing carried over from before. The caller commits."""
    take_write_lock(db.session)
    session.clear()
    session[SESSION_KEY] = logins.start(db.session, user, at=now(), lifetime=lifetime())
    login_user(user)


def account_of(user_id: int) -> User | None:
    """The account of this request's session, while the session lives on the server. The house's
    change counter comes with it and is this request's (freshness.version())."""
    user, house_version = logins.account_and_house(db.session, user_id, session.get(SESSION_KEY, ""),
                                                   at=now(), lifetime=lifetime())
    if user is not None:
        freshness.remember_version(house_version)
    return user


def log_out() -> None:
    """End this browser's session on the server and forget it here."""
    take_write_lock(db.session)
    logins.end(db.session, session.get(SESSION_KEY, ""))
    db.session.commit()
    logout_user()
    session.clear()


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of one's account, on every device, this one included."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    take_write_lock(db.session)
    logins.end_all(db.session, user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out on every device. Log in again here to go on."), "info")
    return redirect(url_for("auth.login"), 303)
