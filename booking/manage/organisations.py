"""Partner groups (organisations): list, add, edit and (de)activate."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import bp
from .. import contradictions
from ..clock import now
from ..extensions import db
from ..models import Organisation
from ..web import get_or_404, requires
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from .confirming import unconfirmed
from .finding import PAGE_SIZE, FilterForm, Page, contains, paged, search_field
from .forms import OrganisationEditForm, OrganisationForm, commit_or_mark_taken


def _form_page(form, organisation=None, status=None, **context):
    """The form again: 422 with what was typed after a refused POST, 409 when bookings stand in the way."""
    status = status or (422 if request.method == "POST" else 200)
    return render_template(
        "manage/organisation_form.html", form=form, organisation=organisation, **context), status


class OrganisationFilterForm(FilterForm):
    q = search_field()


@bp.get("/organisations/")
@requires("organisation.manage")
def organisations():
    """List the groups that use the house, active ones first, a page at a time; found by name,
    contact person or e-mail address."""
    filters = OrganisationFilterForm()
    query = sa.select(Organisation)
    if filters.validate():
        if filters.q.data:
            query = query.where(sa.or_(*(contains(c, filters.q.data) for c in
                                         (Organisation.name, Organisation.contact_name, Organisation.email))))
        rows, page = paged(query, (Organisation.active.desc(), Organisation.name, Organisation.id))
        status = 200
    else:
        rows, page, status = [], Page(1, PAGE_SIZE, 0), 422
    return render_template("manage/organisations.html", organisations=rows, filters=filters, page=page,
                           query_args=filters.query_args()), status


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires("organisation.manage")
def organisation_new():
    """Add a group."""
    form = OrganisationForm()
    repeat = repeat_of(form)  # the same form sent a second time: the first one's answer
    if repeat is not None:
        return repeat
    if form.validate_on_submit():
        organisation = Organisation(active=True)
        form.apply_to(organisation)
        db.session.add(organisation)
        response = answer_once(form, url_for("manage.organisations"))
        if commit_or_mark_taken(form):
            flash(_("“%(name)s” was added.", name=organisation.name), "success")
            return response
    return _form_page(form)


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@requires("organisation.manage")
def organisation_edit(organisation_id: int):
    """Change a group's details, or deactivate it."""
    organisation = get_or_404(Organisation, organisation_id)
    form = OrganisationEditForm(editing=organisation)
    if not form.validate_on_submit():
        return _form_page(form, organisation)
    if organisation.active and not form.active.data:
        # A group that leaves still holds its approved bookings: the manager sees them first,
        # under the lock every approval takes, so none is approved unseen in between.
        contradictions.lock(db.session)
        coming = contradictions.of_organisation(db.session, organisation, now())
        shown = unconfirmed(form, [contradictions.Contradiction(b) for b in coming])
        if shown:
            return _form_page(form, organisation, 409, contradictions=shown, leaving=True)
    form.apply_to(organisation)
    if commit_or_mark_taken(form):
        flash(_("Changes to “%(name)s” were saved.", name=organisation.name), "success")
        return redirect(url_for("manage.organisations"), 303)
    return _form_page(form, organisation)
