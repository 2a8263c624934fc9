"""Rooms, garden plots and equipment: list, add, edit and (de)activate."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import bp
from .. import contradictions
from ..clock import now
from ..extensions import db
from ..models import Resource, ResourceKind
from ..web import get_or_404, requires
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from .confirming import refused, unconfirmed
from .forms import ResourceEditForm, ResourceForm, commit_or_mark_taken


def _form_page(form, resource=None, status=None, **context):
    """The form again: 422 with what was typed after a refused POST, 409 when bookings stand in the way."""
    status = status or (422 if request.method == "POST" else 200)
    return render_template("manage/resource_form.html", form=form, resource=resource, **context), status


@bp.get("/resources/")
@requires("resource.manage")
def resources():
    """List the house's resources, one table per kind, active ones first."""
    rows = db.session.scalars(
        sa.select(Resource).order_by(Resource.active.desc(), Resource.name)
    ).all()
    groups = [(kind, [r for r in rows if r.kind == kind]) for kind in ResourceKind]
    return render_template("manage/resources.html", groups=groups)


@bp.route("/resources/new", methods=["GET", "POST"])
@requires("resource.manage")
def resource_new():
    """Add a room, a garden plot or a piece of equipment."""
    form = ResourceForm()
    repeat = repeat_of(form)  # the same form sent a second time: the first one's answer
    if repeat is not None:
        return repeat
    if form.validate_on_submit():
        resource = Resource(active=True)
        form.apply_to(resource)
        db.session.add(resource)
        response = answer_once(form, url_for("manage.resources"))
        if commit_or_mark_taken(form):
            flash(_("“%(name)s” was added.", name=resource.name), "success")
            return response
    return _form_page(form)


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@requires("resource.manage")
def resource_edit(resource_id: int):
    """Change a resource, or take it out of use (bookings keep referring to it)."""
    resource = get_or_404(Resource, resource_id)
    form = ResourceEditForm(editing=resource)
    if not form.validate_on_submit():
        return _form_page(form, resource)
    # The check and the write under one lock: no booking is approved in between.
    contradictions.lock(db.session, [resource.id])
    at = now()
    if contradictions.kind_changes(resource, form.kind.data):
        standing = contradictions.future_open(db.session, resource, at)
        if standing:
            return _form_page(form, resource, 409, kind_refused=refused(standing))
    found = contradictions.contradicted_by(db.session, [resource], at, lambda: form.apply_to(resource))
    shown = unconfirmed(form, found)
    if shown:
        return _form_page(form, resource, 409, contradictions=shown)
    if commit_or_mark_taken(form):
        flash(_("Changes to “%(name)s” were saved.", name=resource.name), "success")
        return redirect(url_for("manage.resources"), 303)
    return _form_page(form, resource)
