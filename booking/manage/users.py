"""Accounts: list, create, edit and (de)activate; who may touch which role is policy's call."""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from . import bp
from .. import policy
from ..extensions import db
from ..models import User
from ..web import get_or_404, requires
from .forms import AccountEditForm, AccountNewForm, commit_or_mark_taken


def _form_page(form, account=None):
    """The form again: 422 with what was typed after a refused POST."""
    status = 422 if request.method == "POST" else 200
    return render_template("manage/user_form.html", form=form, account=account), status


@bp.get("/users/")
@requires("user.manage")
def users():
    """List every account with its role and group, active ones first."""
    rows = db.session.scalars(
        sa.select(User)
        .options(joinedload(User.organisation))
        .order_by(User.active.desc(), User.name, User.email)
    ).all()
    return render_template("manage/users.html", accounts=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@requires("user.manage")
def user_new():
    """Create an account with an initial password; managers create partner and desk accounts only."""
    form = AccountNewForm(actor=current_user)
    if form.validate_on_submit():
        account = User(active=True)
        form.apply_to(account)
        account.set_password(form.password.data, method=current_app.config["PASSWORD_HASH_METHOD"])
        db.session.add(account)
        if commit_or_mark_taken(form):
            flash(_("The account for %(name)s was created.", name=account.name), "success")
            return redirect(url_for("manage.users"), 303)
    return _form_page(form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("user.manage")
def user_edit(user_id: int):
    """Change an account's name, role, group or access."""
    account = get_or_404(User, user_id)
    if not policy.can_manage_account(current_user, account):
        abort(403)
    form = AccountEditForm(actor=current_user, editing=account)
    if form.validate_on_submit():
        form.apply_to(account)
        db.session.commit()
        flash(_("Changes to the account of %(name)s were saved.", name=account.name), "success")
        return redirect(url_for("manage.users"), 303)
    return _form_page(form, account)
