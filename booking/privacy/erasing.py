"""Erasing a person or a group's contact data: a page that lists what happens, a confirmation,
one transaction. The house's managers only (an administrator may erase their own account, but
never the last administrator's)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from .. import policy
from ..clock import now
from ..extensions import db
from . import erase
from .forms import EraseForm
from .views import bp, load_account, load_organisation


@bp.route("/privacy/accounts/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
def account_erase(user_id: int):
    """Erase a person: their pending requests listed first, withdrawn with the erasure."""
    account = load_account(user_id)
    if not policy.can_erase_person(current_user, account):
        abort(403)
    form = EraseForm()
    pending = erase.pending_requests(db.session, account, now())
    if erase.is_last_admin(db.session, account):
        refused = _("This is the last administrator's account. Make another administrator first.")
        return render_template("privacy/erase_account.html", account=account, form=None, pending=pending,
                               refused=refused), 409 if request.method == "POST" else 200
    if form.validate_on_submit():
        oneself = account.id == current_user.id
        done = erase.erase_person(db.session, account, by=current_user._get_current_object(), at=now())
        db.session.commit()
        if oneself:
            logout_user()
            session.clear()
            flash(_("Your account was erased."), "info")
            return redirect(url_for("auth.login"), 303)
        flash(ngettext("The account was erased; %(num)d pending request was withdrawn.",
                       "The account was erased; %(num)d pending requests were withdrawn.",
                       len(done.withdrawn)), "success")
        return redirect(url_for("manage.users"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("privacy/erase_account.html", account=account, form=form, pending=pending,
                           refused=None), status


@bp.route("/privacy/organisations/<int:organisation_id>/erase", methods=["GET", "POST"])
@login_required
def organisation_erase(organisation_id: int):
    """Erase a group's contact person, e-mail and phone; its name, members and bookings stay."""
    organisation = load_organisation(organisation_id)
    if not policy.can_erase_organisation(current_user):
        abort(403)
    form = EraseForm()
    if form.validate_on_submit():
        erase.erase_contact(db.session, organisation, by=current_user, at=now())
        db.session.commit()
        flash(_("The group's contact data were erased."), "success")
        return redirect(url_for("manage.organisations"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("privacy/erase_organisation.html", organisation=organisation, form=form), status
