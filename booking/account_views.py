"""One's own password: the link for a forgotten one, the page an e-mailed link opens
(invitation or reset), and changing it when logged in. The rules are in accounts.py."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from . import accounts, audit
from .auth import home_for
from .clock import now
from .extensions import db, limiter
from .forms import Form
from .lazytext import lazy_gettext as _l
from .models import TokenPurpose, User
from .notify import outbox
from .sessions.throttle import failed_attempt
from .sessions.views import log_in

bp = Blueprint("account", __name__)

NO_STORE = {"Cache-Control": "no-store"}
# A page whose address holds a token tells no other page where it came from.
LINK_PAGE_HEADERS = {**NO_STORE, "Referrer-Policy": "no-referrer"}
LENGTHS = {"min_length": accounts.MIN_PASSWORD_LENGTH, "max_length": accounts.MAX_PASSWORD_LENGTH}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ForgotForm(Form):
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[DataRequired(), Length(max=254), Email()])


class NewPasswordForm(Form):
    """A new password, typed twice; the rules for the account it is for."""

    password = PasswordField(_l("New password"), validators=[DataRequired()])  # the rules: validate_password
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )

    def __init__(self, *args, account: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def validate_password(self, field) -> None:
        problems = accounts.password_problems(field.data or "", self.account.email)
        if problems:
            raise ValidationError(str(problems[0]))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])

    def validate_current(self, field) -> None:
        if not self.account.check_password(field.data or ""):
            raise ValidationError(_("This is not your current password."))

    def validate_password(self, field) -> None:
        super().validate_password(field)
        if field.data and field.data == self.current.data:
            raise ValidationError(_("Please choose a password different from your current one."))


def _method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _email_key() -> str:
    """Reset requests are counted per e-mail address typed, whether or not such an account exists."""
    return "reset:" + User.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_ACCOUNT"], key_func=_email_key, methods=["POST"])
def forgot():
    """Ask for a reset link. The answer is the same whether or not an active account has this address."""
    form = ForgotForm()
    if form.validate_on_submit():
        response = redirect(url_for("auth.login"), 303)
        user = User.by_email(form.email.data)
        if user is not None and user.active:
            outbox.password_reset(db.session, user)  # the worker makes the link and sends it
            db.session.commit()
        hours = current_app.config["RESET_HOURS"]
        flash(ngettext(
            "If an account exists for this address, we have sent a link to it for choosing a new password. "
            "The link is valid for %(num)d hour.",
            "If an account exists for this address, we have sent a link to it for choosing a new password. "
            "The link is valid for %(num)d hours.",
            hours,
        ), "info")
        return response
    status = 422 if request.method == "POST" else 200
    return render_template("account/forgot.html", form=form), status


def _link_invalid():
    return render_template("account/link_invalid.html"), 410, LINK_PAGE_HEADERS


@bp.route("/password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    """The page an invitation or reset link opens: choose a password, then you are logged in."""
    link = accounts.valid_link(db.session, token, now())
    if link is None:
        return _link_invalid()
    account = link.user
    invitation = link.purpose == TokenPurpose.INVITATION
    form = NewPasswordForm(account=account)
    if form.validate_on_submit():
        audit.act_as(db.session, account)  # nobody is logged in: the change is the account holder's
        try:
            user = accounts.redeem(db.session, token, form.password.data, at=now(), method=_method())
        except accounts.PasswordRefused as refused:
            db.session.rollback()
            form.password.errors.append(str(refused.problems[0]))
        else:
            if user is None:  # used or withdrawn a moment ago
                db.session.rollback()
                return _link_invalid()
            log_in(user)  # a new session: nothing carried over from before
            db.session.commit()
            if invitation:
                flash(_("Welcome, %(name)s! Your password is set and you are logged in.", name=user.name), "success")
            else:
                flash(_("Your new password is set and you are logged in. Any other sessions of your account "
                        "were logged out."), "success")
            return redirect(home_for(user), 303)
    status = 422 if request.method == "POST" else 200
    page = render_template("account/choose_password.html", form=form, account=account, invitation=invitation,
                           token=token, **LENGTHS)
    return page, status, LINK_PAGE_HEADERS


def _account_key() -> str:
    """Wrong current passwords are counted per account, like failed logins."""
    return f"password:{getattr(current_user, 'id', '')}"


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=failed_attempt)
def change_password():
    """Change one's own password; the account's other sessions end, this one stays."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(account=user)
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, user, form.password.data, at=now(), method=_method())
        except accounts.PasswordRefused as refused:
            db.session.rollback()
            form.password.errors.append(str(refused.problems[0]))
        else:
            db.session.commit()
            login_user(user)  # this session carries the account's new session version
            flash(_("Your password was changed. Any other sessions of your account were logged out."), "success")
            return redirect(home_for(user), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("account/change_password.html", form=form, **LENGTHS), status, NO_STORE
