"""Partner groups request rooms, plots and equipment and follow their requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from . import bp
from .. import policy, workflow
from ..availability import SlotReport, check_slot
from ..clock import LocalTimeError, now, to_utc, today
from ..extensions import db
from ..forms import EmptyForm
from ..models import AuditEvent, Booking, Resource, Status
from ..web import get_or_404, is_htmx, render, requires
from .forms import FORBIDDEN_FIELDS, RequestForm, SlotCheckForm, resource_choices

LIST_LIMIT = 200


@dataclass
class SlotAnswer:
    """What the form's live check and the submit both need to know about a slot."""

    resource: Resource | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    report: SlotReport | None = None
    complete: bool = False
    problems: dict[str, list[str]] = field(default_factory=dict)


def active_resources() -> list[Resource]:
    resources = db.session.scalars(sa.select(Resource).where(Resource.active)).all()
    return sorted(resources, key=lambda r: r.sort_key)


def evaluate_slot(form: SlotCheckForm | RequestForm) -> SlotAnswer:
    """Turn the slot fields into instants, apply the house rules and look for clashes."""
    answer = SlotAnswer()
    if form.resource_id.data is None or not (form.date.data and form.start.data and form.end.data):
        return answer
    answer.complete = True
    answer.resource = db.session.get(Resource, form.resource_id.data)
    for name in ("start", "end"):
        try:
            value = to_utc(form.date.data, getattr(form, name).data)
        except LocalTimeError as error:
            answer.problems.setdefault(name, []).append(_dst_message(error))
            continue
        setattr(answer, "starts_at" if name == "start" else "ends_at", value)
    if answer.starts_at is None or answer.ends_at is None:
        return answer
    units = form.units.data or 1
    for problem in workflow.request_problems(
        answer.resource, answer.starts_at, answer.ends_at, form.attendees.data, units, now()
    ):
        answer.problems.setdefault(problem.field, []).append(str(problem.message))
    if answer.resource is not None and answer.resource.active and answer.ends_at > answer.starts_at:
        answer.report = check_slot(db.session, answer.resource, answer.starts_at, answer.ends_at, units)
    return answer


def check_from_query(check: SlotCheckForm) -> SlotAnswer:
    """Evaluate the slot once its fields are filled in; until then there is nothing to say."""
    if check.validate():
        return evaluate_slot(check)
    answer = SlotAnswer()
    slot_fields = ("resource_id", "date", "start", "end")
    answer.complete = all(getattr(check, name).raw_data not in (None, [], [""]) for name in slot_fields)
    if answer.complete:
        answer.problems = {name: [str(e) for e in errors] for name, errors in check.errors.items()}
    return answer


def _dst_message(error: LocalTimeError) -> str:
    if error.kind == "nonexistent":
        return _("The clocks go forward that night: %(time)s does not exist. Please choose another time.",
                 time=f"{error.when:%H:%M}")
    return _("The clocks go back that night: %(time)s happens twice. Please choose another time.",
             time=f"{error.when:%H:%M}")


def _attach(form, problems: dict[str, list[str]]) -> None:
    for name, messages in problems.items():
        getattr(form, name).errors = [*getattr(form, name).errors, *messages]


@bp.get("/")
@requires("request.list_own")
def mine():
    """List this organisation's requests: upcoming soonest first, or past ones latest first."""
    past = request.args.get("when") == "past"
    query = (
        sa.select(Booking)
        .options(joinedload(Booking.resource))
        .where(Booking.organisation_id == current_user.organisation_id)
    )
    if past:
        query = query.where(Booking.ends_at <= now()).order_by(Booking.starts_at.desc())
    else:
        query = query.where(Booking.ends_at > now()).order_by(Booking.starts_at)
    bookings = db.session.scalars(query.limit(LIST_LIMIT)).all()
    return render_template(
        "requests/mine.html", bookings=bookings, past=past, form=EmptyForm(), at=now(), limit=LIST_LIMIT
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("request.create")
def new():
    """The request form; htmx asks the same URL for the live answer about the chosen slot."""
    if request.method == "POST" and any(name in request.form for name in FORBIDDEN_FIELDS):
        abort(403)
    resources = active_resources()
    if request.method == "GET":
        # The live check (htmx) and a shared or reloaded link both arrive here as a GET.
        form = RequestForm(formdata=request.args or None)
        form.resource_id.choices = resource_choices(resources)
        answer = check_from_query(SlotCheckForm(formdata=request.args))
        return render("requests/new.html", "partials/_slot_check.html", form=form, answer=answer,
                      min_date=today())

    form = RequestForm()
    form.resource_id.choices = resource_choices(resources)
    if not form.validate():
        return render_template("requests/new.html", form=form, answer=SlotAnswer(), min_date=today()), 422
    answer = evaluate_slot(form)
    if answer.problems:
        _attach(form, answer.problems)
        return render_template("requests/new.html", form=form, answer=answer, min_date=today()), 422
    if answer.report.blocked:
        return render_template("requests/new.html", form=form, answer=answer, min_date=today()), 409

    booking = workflow.submit(
        db.session,
        by=current_user,
        organisation=current_user.organisation,
        resource=answer.resource,
        starts_at=answer.starts_at,
        ends_at=answer.ends_at,
        title=form.title.data.strip(),
        attendees=form.attendees.data,
        note=(form.note.data or "").strip(),
        units=form.units.data or 1,
    )
    db.session.commit()
    flash(_("Your request for %(name)s has been sent. The house will reply soon.", name=booking.resource.name),
          "success")
    return redirect(url_for("requests.mine"), code=303)


def _own_booking_or_404(booking_id: int) -> Booking:
    """Load a booking the current user may see; other groups' bookings do not exist for them."""
    booking = get_or_404(Booking, booking_id)
    if not policy.can_view_request(current_user, booking):
        abort(404)
    return booking


@bp.get("/<int:booking_id>")
@requires("board.view")
def detail(booking_id: int):
    """One request with its history."""
    booking = _own_booking_or_404(booking_id)
    events = db.session.scalars(
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(AuditEvent.booking_id == booking.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return render_template("requests/detail.html", booking=booking, events=events, form=EmptyForm(), at=now())


@bp.post("/<int:booking_id>/withdraw")
@requires("request.create")
def withdraw(booking_id: int):
    """Withdraw a request (or give up an approved booking) before it starts."""
    booking = _own_booking_or_404(booking_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if not policy.can_withdraw(current_user, booking, now()):
        message = _("This request can no longer be withdrawn.")
        if is_htmx():
            return render_template("partials/_my_request_row.html", b=booking, form=form, at=now(),
                                   error=message), 409
        flash(message, "error")
        return redirect(url_for("requests.mine"), code=303)
    workflow.withdraw(db.session, booking, current_user, now())
    db.session.commit()
    if is_htmx():
        return render_template("partials/_my_request_row.html", b=booking, form=form, at=now(),
                               done=_("Withdrawn."))
    flash(_("Your request has been withdrawn."), "success")
    return redirect(url_for("requests.mine"), code=303)
