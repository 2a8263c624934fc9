"""The season round's pages: seasons, applying, allocating, the waiting list and offers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from . import domain
from .. import policy, workflow
from ..clock import local, now
from ..database import is_overlap_violation
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import local_date
from ..models import Resource
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from ..web import get_or_404, requires
from .forms import AllocateForm, ApplyForm, SeasonForm, active_plots
from .models import ApplicationStatus, GardenApplication, GardenSeason

bp = Blueprint("garden", __name__, url_prefix="/garden")


def _season_or_404(season_id: int) -> GardenSeason:
    season = db.session.scalar(
        sa.select(GardenSeason).where(GardenSeason.id == season_id).options(
            selectinload(GardenSeason.applications).options(
                joinedload(GardenApplication.organisation), joinedload(GardenApplication.wish),
                joinedload(GardenApplication.plot), joinedload(GardenApplication.applied_by))))
    if season is None:
        abort(404)
    return season


def _application_or_404(application_id: int) -> GardenApplication:
    application = get_or_404(GardenApplication, application_id)
    if not policy.can_see_application(current_user, application):
        abort(404)  # another group's application does not exist for a partner
    return application


@bp.get("/")
@requires("garden.view")
def seasons():
    """The seasons, newest first; for a group, with its own application in each."""
    rows = db.session.scalars(sa.select(GardenSeason).order_by(GardenSeason.starts_on.desc(), GardenSeason.id.desc())
                              .limit(50)).all()
    own = {}
    if current_user.organisation_id is not None:
        own = {a.season_id: a for a in db.session.scalars(sa.select(GardenApplication).where(
            GardenApplication.organisation_id == current_user.organisation_id,
            GardenApplication.season_id.in_([s.id for s in rows])))}
    return render_template("garden/seasons.html", seasons=rows, own=own, today=local(now()).date())


@bp.route("/seasons/new", methods=["GET", "POST"])
@requires("garden.manage")
def season_new():
    """Open a season with its application window."""
    form = SeasonForm()
    repeat = repeat_of(form)
    if repeat is not None:
        return repeat
    if form.validate_on_submit():
        season = domain.create_season(
            db.session, by=current_user, name=form.name.data, starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, apply_from=form.apply_from.data, apply_until=form.apply_until.data,
            offer_days=form.offer_days.data)
        response = answer_once(form, url_for("garden.season", season_id=season.id))
        db.session.commit()
        flash(_("The season “%(name)s” is open for applications from %(day)s.", name=season.name,
                day=local_date(season.apply_from)), "success")
        return response
    status = 422 if form.is_submitted() else 200
    return render_template("garden/season_form.html", form=form), status


def _season_page(season: GardenSeason, status: int = 200, apply_form=None, allocate_forms=None,
                 refusal: str | None = None):
    """The season: for a group its own application (and place on the list), for the house all."""
    at = now()
    manager = policy.allowed(current_user, "garden.manage")
    own = next((a for a in season.applications if a.organisation_id == current_user.organisation_id), None)
    waiting = domain.waiting_list(season)
    plots = active_plots() if manager else []
    free = domain.free_plots(db.session, season) if manager else []
    allocate_forms = allocate_forms or {}
    for a in waiting:
        if a.id not in allocate_forms:
            form = AllocateForm(formdata=None, plots=plots)
            form.plot.data = a.wish_id if a.wish_id in {p.id for p in free} else None
            allocate_forms[a.id] = form
    return render_template(
        "garden/season.html", season=season, manager=manager, own=own, waiting=waiting,
        place=waiting.index(own) + 1 if own in waiting else None, free=free,
        apply_form=apply_form or ApplyForm(formdata=None), allocate_forms=allocate_forms,
        form=EmptyForm(), today=local(at).date(), at=at, refusal=refusal, Status=ApplicationStatus,
    ), status


@bp.get("/seasons/<int:season_id>")
@requires("garden.view")
def season(season_id: int):
    """One season: its window, the applications one may see, the waiting list and offers."""
    return _season_page(_season_or_404(season_id))


def _refused(season_id: int, message, **forms):
    """Nothing is written: roll back and show the season again with the reason (409)."""
    db.session.rollback()
    return _season_page(_season_or_404(season_id), 409, refusal=str(message), **forms)


@bp.post("/seasons/<int:season_id>/apply")
@requires("garden.apply")
def apply(season_id: int):
    """A group applies for a plot, or for any plot, with a short note."""
    season = _season_or_404(season_id)
    form = ApplyForm()
    repeat = repeat_of(form)
    if repeat is not None:
        return repeat
    if not form.validate_on_submit():
        return _season_page(season, 422, apply_form=form)
    wish = db.session.get(Resource, form.wish.data) if form.wish.data else None
    try:
        domain.apply(db.session, season, by=current_user, organisation=current_user.organisation, wish=wish,
                     note=form.note.data or "", at=now())
        response = answer_once(form, url_for("garden.season", season_id=season_id))
        db.session.commit()
    except domain.GardenConflict as refusal:
        return _refused(season_id, refusal.message, apply_form=form)
    except IntegrityError:  # the same group applied at the same moment
        return _refused(season_id, _("Your group has already applied for this season."), apply_form=form)
    flash(_("Your application has been sent."), "success")
    return response


def _step(application: GardenApplication, action, message: str, **kwargs):
    """Run one step on an application; 409 with the reason and nothing written if it is refused."""
    season_id = application.season_id
    at = now()
    try:
        domain.move_on(db.session, application.season, at)
        action(db.session, application.id, by=current_user, at=at, **kwargs)
        db.session.commit()
    except (domain.GardenConflict, workflow.WorkflowError) as refusal:
        return _refused(season_id, refusal.message)
    except IntegrityError as error:
        if not is_overlap_violation(error):
            raise
        return _refused(season_id, _("Another booking was approved for this time just now."))
    flash(message, "success")
    return redirect(url_for("garden.season", season_id=season_id), 303)


@bp.post("/applications/<int:application_id>/allocate")
@requires("garden.manage")
def allocate(application_id: int):
    """Give a waiting application a plot for the season: an approved booking of it."""
    application = _application_or_404(application_id)
    form = AllocateForm(plots=active_plots())
    if not form.validate_on_submit():
        return _season_page(_season_or_404(application.season_id), 422, allocate_forms={application.id: form})
    plot = db.session.get(Resource, form.plot.data)
    return _step(application, domain.allocate, _("The plot was allocated."), plot=plot)


@bp.post("/applications/<int:application_id>/give-back")
@requires("garden.view")
def give_back(application_id: int):
    """The group gives its plot back (or the house takes it back): offered to the next on the list."""
    application = _application_or_404(application_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _step(application, domain.give_back, _("The plot was given back."))


@bp.post("/applications/<int:application_id>/accept")
@requires("garden.apply")
def accept(application_id: int):
    """The group takes the plot offered to it."""
    application = _application_or_404(application_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _step(application, domain.accept, _("The plot is yours for the season."))


@bp.post("/applications/<int:application_id>/decline")
@requires("garden.apply")
def decline(application_id: int):
    """The group says no to the plot offered; the next on the list is offered it."""
    application = _application_or_404(application_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _step(application, domain.decline, _("You declined the plot."))
