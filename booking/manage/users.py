"""Accounts: list, invite, edit and (de)activate; who may touch which role is policy's call.

A new account has no password: the person gets an e-mail with a link to choose one. The account
and the message are committed together; the outbox worker makes the link and sends it (a message
the mail server refuses shows on the page of undelivered e-mails, to be sent again).
"""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from . import bp
from wtforms import SelectField

from .. import accounts, labels, policy
from ..clock import now
from ..extensions import db
from ..forms import EmptyForm
from ..lazytext import lazy_gettext as _l
from ..models import Role, User
from ..notify import outbox
from ..privacy import PLACEHOLDER_EMAIL
from ..web import get_or_404, requires
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from .finding import PAGE_SIZE, FilterForm, Page, contains, paged, search_field
from .forms import AccountEditForm, AccountNewForm, commit_or_mark_taken


def _form_page(form, account=None):
    """The form again: 422 with what was typed after a refused POST."""
    status = 422 if request.method == "POST" else 200
    return render_template("manage/user_form.html", form=form, account=account), status


class AccountFilterForm(FilterForm):
    q = search_field()
    role = SelectField(_l("Role"), coerce=lambda v: None if v in (None, "") else Role(v))

    def __init__(self):
        super().__init__()
        self.role.choices = [("", _l("All roles"))] + [(r.value, labels.ROLE[r]) for r in Role]


@bp.get("/users/")
@requires("user.manage")
def users():
    """List the accounts with their role and group, active ones first, a page at a time; found by
    name or e-mail address and role."""
    filters = AccountFilterForm()
    query = (sa.select(User).options(joinedload(User.organisation))
             .where(User.email != PLACEHOLDER_EMAIL))  # stands for erased people: no one's account
    if filters.validate():
        if filters.q.data:
            query = query.where(sa.or_(contains(User.name, filters.q.data), contains(User.email, filters.q.data)))
        if filters.role.data:
            query = query.where(User.role == filters.role.data)
        rows, page = paged(query, (User.active.desc(), User.name, User.email, User.id))
        status = 200
    else:
        rows, page, status = [], Page(1, PAGE_SIZE, 0), 422
    return render_template("manage/users.html", accounts=rows, awaiting_invitation=accounts.awaiting_invitation,
                           filters=filters, page=page, query_args=filters.query_args()), status


@bp.route("/users/new", methods=["GET", "POST"])
@requires("user.manage")
def user_new():
    """Create an account and e-mail the person an invitation to choose a password; managers
    create partner and desk accounts only."""
    form = AccountNewForm(actor=current_user)
    repeat = repeat_of(form)  # the same form sent a second time: the first one's answer
    if repeat is not None:
        return repeat
    if form.validate_on_submit():
        account = User(active=True, password_hash="")
        form.apply_to(account)
        db.session.add(account)
        outbox.invitation(db.session, account)
        response = answer_once(form, url_for("manage.users"))
        if commit_or_mark_taken(form):
            flash(_("The account for %(name)s was created and an invitation sent to %(email)s.",
                    name=account.name, email=account.email), "success")
            return response
    return _form_page(form)


@bp.post("/users/<int:user_id>/invitation")
@requires("user.manage")
def user_invite(user_id: int):
    """Send the invitation again, with a new link; the older links stop working."""
    account = get_or_404(User, user_id)
    if not policy.can_manage_account(current_user, account):
        abort(403)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if not accounts.awaiting_invitation(account):
        if account.active:
            flash(_("%(name)s has already chosen a password; no invitation was sent.", name=account.name), "info")
        else:
            flash(_("The account of %(name)s is inactive; no invitation was sent.", name=account.name), "warning")
        return redirect(url_for("manage.users"), 303)
    outbox.invitation(db.session, account)  # the new link withdraws the older ones when it is made
    db.session.commit()
    flash(_("The invitation was sent again to %(email)s.", email=account.email), "success")
    return redirect(url_for("manage.users"), 303)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("user.manage")
def user_edit(user_id: int):
    """Change an account's name, role, group or access."""
    account = get_or_404(User, user_id)
    if not policy.can_manage_account(current_user, account):
        abort(403)
    form = AccountEditForm(actor=current_user, editing=account)
    if form.validate_on_submit():
        was_active = account.active
        form.apply_to(account)
        if was_active and not account.active:
            accounts.lock_out(db.session, account, at=now())  # logged out everywhere, links withdrawn
        db.session.commit()
        flash(_("Changes to the account of %(name)s were saved.", name=account.name), "success")
        return redirect(url_for("manage.users"), 303)
    return _form_page(form, account)
