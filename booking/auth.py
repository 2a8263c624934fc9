"""Logging in and out, the language switch, and the start page for each role."""

import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms.validators import DataRequired, Length

from .database import reading_first
from .extensions import db, limiter
from .forms import EmptyForm, Form
from .lazytext import lazy_gettext as _l
from .models import Role, User
from .sessions import throttle
from .sessions.views import log_in, log_out
from .web import error_page

from .i18n import language_names  # noqa: E402

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class LanguageForm(Form):
    language = SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in language_names()])
    next = HiddenField()


def safe_next(target: str | None) -> str | None:
    """Accept only a path on this site: no scheme, no host, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user: User) -> str:
    if user.role == Role.PARTNER:
        return url_for("requests.mine")
    if user.role == Role.DESK:
        return url_for("board.day")
    return url_for("manage.queue")


@bp.get("/")
def index():
    """Send each visitor to where their work starts."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_for(current_user))


@lru_cache(maxsize=4)
def _stand_in_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _as_slow_as_a_real_check(password: str) -> None:
    check_password_hash(_stand_in_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


@bp.route("/login", methods=["GET", "POST"])
# The design, and why: sessions/throttle.py and docs/security.md ("Login throttling").
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"], key_func=throttle.account_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ADDRESS"], methods=["POST"],
               deduct_when=throttle.failed_attempt, exempt_when=throttle.known_device)
def login():
    """Log in with e-mail and password; then back to the page asked for, if it is on this site."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data) or home_for(current_user))
    if form.validate_on_submit():
        with reading_first(db.session):  # no one waits for the write lock while a password is checked
            user = User.by_email(form.email.data)
            if user is None:
                _as_slow_as_a_real_check(form.password.data)  # the answer's timing tells nothing either
            correct = user is not None and user.active and user.check_password(form.password.data)
        if correct:
            log_in(user)  # a new session on login: nothing carried over from before
            db.session.commit()
            return throttle.logged_in(redirect(safe_next(form.next.data) or home_for(user)), user.email)
        form.password.errors.append(_("E-mail or password is not correct."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.app_errorhandler(RateLimitExceeded)
def throttled(error):
    """Too many failed logins: the form again, with the same words whether or not the account exists."""
    if request.endpoint != "auth.login":
        return error_page("error.html", 429, error=error)
    form = LoginForm(formdata=None, email=request.form.get("email", "")[:254], next=request.form.get("next", ""))
    form.password.errors = [_("Too many attempts to log in. Please wait 15 minutes and try again.")]
    return error_page("auth/login.html", 429, form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out and forget the session."""
    form = EmptyForm()
    if form.validate_on_submit():
        log_out()
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    """Switch the language; remembered in the account when logged in."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("auth.index"))


@bp.app_context_processor
def forms_for_layout():
    """The header's forms (language, log out), on every page."""
    languages = current_app.config["LANGUAGES"]
    return {
        # formdata=None: the header never reads the request's body (it may be too large to read)
        "language_form": LanguageForm(formdata=None, next=request.full_path.rstrip("?")),
        "logout_form": EmptyForm(formdata=None),
        "languages": languages,
    }
