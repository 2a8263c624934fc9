"""Partner groups request rooms, plots and equipment and follow their requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from . import bp
from .. import policy, quotas, workflow
from .. import series as serieswork
from ..availability import Alternative, alternatives, check
from ..content import translated
from ..calendar.views import free_panel
from ..desk.day import desk_facts
from ..clock import LocalTimeError, local, now, to_utc, today
from ..decisions.offers import open_offer, open_offers
from ..extensions import db
from ..forms import EmptyForm, local_time_message
from ..models import AuditEvent, Booking, Organisation, Resource, Role, Series, Status
from ..notify import inbox
from ..recurrence import Pattern, PatternError
from ..rules import Ask, Limits, Part, Verdict
from ..sessions.forms import answer as answer_once
from ..sessions.forms import repeat_of
from ..web import get_or_404, is_htmx, requires
from .forms import (
    FORBIDDEN_FIELDS,
    ManagerRequestForm,
    RequestForm,
    SlotCheckForm,
    equipment_choices,
    purpose_choices,
    resource_choices,
)
from ..reports.purposes import active_purposes

MINE_PAGE_SIZE = 25  # requests per page of "My requests"
# Reasons that say the request itself is malformed: no point looking for alternatives.
MALFORMED = frozenset({"inactive", "order", "too_long", "whole_days", "quantity", "bundle"})
# Reasons that mean someone else holds the slot: answered with 409 Conflict.
CONFLICTS = frozenset({"taken", "units"})


@dataclass
class Answer:
    """What the form's live check and the submit both need to know about a request."""

    complete: bool = False
    ask: Ask | None = None
    verdict: Verdict | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)  # the fields cannot be read
    alternatives: list[Alternative] = field(default_factory=list)
    quota: quotas.Quota | None = None  # the group's quotas, shown beside the live check

    @property
    def reasons(self):
        return self.verdict.reasons if self.verdict else []

    @property
    def conflict(self) -> bool:
        return any(r.code in CONFLICTS for r in self.reasons)


def partner_limits(quota: quotas.Quota | None = None) -> Limits:
    return Limits(notice=timedelta(hours=current_app.config["MIN_NOTICE_HOURS"]),
                  horizon=timedelta(days=current_app.config["HORIZON_DAYS"]), quota=quota)


def quota_for(form, starts_at: datetime, ends_at: datetime, at: datetime) -> quotas.Quota | None:
    """The quotas of the group the request is for (a manager's: the group chosen, once chosen);
    a submission counts under the group's lock."""
    if is_manager():
        chosen = getattr(form, "organisation_id", None)
        organisation = db.session.get(Organisation, chosen.data) if chosen is not None and chosen.data else None
    else:
        organisation = current_user.organisation
    return quotas.load(db.session, organisation, starts_at, ends_at, at=at, lock=request.method == "POST")


def active_resources() -> list[Resource]:
    resources = db.session.scalars(sa.select(Resource).where(Resource.active)).all()
    return sorted(resources, key=lambda r: r.sort_key)


def is_manager() -> bool:
    return current_user.role in policy.MANAGERS


def build_form(resources: list[Resource], formdata=None, check_only: bool = False):
    """The request form (or the live check's view of it) with its choices, read from formdata."""
    if check_only:
        form = SlotCheckForm(formdata=formdata)
    elif is_manager():
        form = ManagerRequestForm(formdata=formdata) if formdata is not None else ManagerRequestForm()
        groups = db.session.scalars(
            sa.select(Organisation).where(Organisation.active).order_by(Organisation.name)).all()
        form.organisation_id.choices = [("", _("Please choose"))] + [(str(o.id), o.name) for o in groups]
    else:
        form = RequestForm(formdata=formdata) if formdata is not None else RequestForm()
    form.resource_id.choices = resource_choices(resources)
    if not check_only:
        form.purpose_id.choices = purpose_choices(active_purposes(db.session))
    for row in form.extras:
        row.resource_id.choices = equipment_choices(resources)
    chosen = next((r for r in resources if r.id == form.resource_id.data), None)
    form.plot = chosen is not None and chosen.whole_days
    return form


def read_ask(form, resources: list[Resource], answer: Answer) -> Ask | None:
    """Turn the form's fields into a request: local dates and times become UTC instants."""
    by_id = {r.id: r for r in resources}
    lead = by_id.get(form.resource_id.data)
    if lead is None:
        answer.problems["resource_id"] = [_("This resource cannot be booked. Please choose another.")]
        return None
    try:
        if lead.whole_days:
            last_day = form.last_day.data or form.date.data
            starts_at = to_utc(form.date.data, time())
            ends_at = to_utc(last_day + timedelta(days=1), time())
        else:
            starts_at = _local_instant(form.date.data, form.start.data, "start", answer)
            ends_at = _local_instant(form.date.data, form.end.data, "end", answer)
    except LocalTimeError as error:  # midnight never falls into a gap in Berlin, but be safe
        answer.problems.setdefault("date", []).append(local_time_message(error))
        return None
    if starts_at is None or ends_at is None:
        return None
    parts = [Part(lead, form.units.data or 1)]
    seen = {lead.id}
    for resource_id, units in form.extra_parts():
        extra = by_id.get(resource_id)
        if extra is None or resource_id in seen:
            answer.problems.setdefault("extras", []).append(
                _("Please choose each piece of equipment once, from the list."))
            return None
        seen.add(resource_id)
        parts.append(Part(extra, units))
    return Ask(tuple(parts), starts_at, ends_at, form.attendees.data)


def _local_instant(day, at, name: str, answer: Answer) -> datetime | None:
    try:
        return to_utc(day, at)
    except LocalTimeError as error:
        answer.problems.setdefault(name, []).append(local_time_message(error))
        return None


def evaluate(form, resources: list[Resource], with_alternatives: bool = True) -> Answer:
    """Read the request from the form, judge it by the house rules, and find alternatives."""
    answer = Answer(complete=True)
    answer.ask = read_ask(form, resources, answer)
    if answer.ask is None:
        return answer
    at = now()
    answer.quota = quota_for(form, answer.ask.starts_at, answer.ask.ends_at, at)
    limits = partner_limits(answer.quota)
    answer.verdict = check(db.session, answer.ask, at, limits)
    codes = {r.code for r in answer.verdict.reasons}
    if with_alternatives and not answer.verdict.free and not codes & MALFORMED:
        answer.alternatives = [
            alt for alt in alternatives(db.session, answer.ask, at, None if is_manager() else limits)
            if alt.resource.whole_days or local(alt.starts_at).date() == local(alt.ends_at).date()
        ]
    return answer


def alternative_fields(alt: Alternative, form) -> dict[str, str]:
    """The form fields that an alternative fills in (the rest of the form stays as it is)."""
    fields = {"resource_id": str(alt.resource.id), "date": local(alt.starts_at).date().isoformat()}
    if alt.resource.whole_days:
        fields["last_day"] = (local(alt.ends_at).date() - timedelta(days=1)).isoformat()
    else:
        fields["start"] = f"{local(alt.starts_at):%H:%M}"
        fields["end"] = f"{local(alt.ends_at):%H:%M}"
    return fields


def check_from_query(resources: list[Resource]) -> Answer:
    """The live check: evaluate once the slot's fields are filled in; until then say nothing."""
    check_form = build_form(resources, request.args, check_only=True)
    if check_form.validate():
        return evaluate(check_form, resources)
    answer = Answer()
    needed = ("resource_id", "date") if check_form.plot else ("resource_id", "date", "start", "end")
    answer.complete = all(getattr(check_form, name).raw_data not in (None, [], [""]) for name in needed)
    if answer.complete:
        answer.problems = _form_errors(check_form)
    return answer


def _form_errors(form) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        if name == "extras":  # one dict per row
            flat = [m for row in messages if isinstance(row, dict) for ms in row.values() for m in ms]
            errors[name] = [str(m) for m in flat]
        else:
            errors[name] = [str(m) for m in messages]
    return errors


def _attach(form, answer: Answer) -> None:
    """Show each problem at its field, where the form has that field."""
    messages: dict[str, list[str]] = {name: list(ms) for name, ms in answer.problems.items()}
    for reason in answer.reasons:
        if reason.overridable and is_manager():
            continue  # shown with the reason field instead
        messages.setdefault(reason.field, []).append(str(reason))
    for name, ms in messages.items():
        if name in form._fields and name != "extras":
            form[name].errors = [*form[name].errors, *ms]


@bp.get("/")
@requires("request.list_own")
def mine():
    """List this organisation's requests: upcoming soonest first, or past ones latest first."""
    past = request.args.get("when") == "past"
    query = (
        sa.select(Booking)
        .options(joinedload(Booking.resource), selectinload(Booking.items).joinedload(Booking.resource))
        .where(Booking.organisation_id == current_user.organisation_id, Booking.bundle_of_id.is_(None),
               Booking.series_id.is_(None))
    )
    if past:
        query = query.where(Booking.ends_at <= now())
    else:
        query = query.where(Booking.ends_at > now())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // MINE_PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)  # anything else: the nearest page
    order = (Booking.starts_at.desc(), Booking.id.desc()) if past else (Booking.starts_at, Booking.id)
    bookings = db.session.scalars(
        query.order_by(*order).limit(MINE_PAGE_SIZE).offset((page - 1) * MINE_PAGE_SIZE)).all()
    series = [] if past else db.session.scalars(
        sa.select(Series)
        .where(Series.organisation_id == current_user.organisation_id,
               Series.bookings.any(Booking.ends_at > now()))
        .options(selectinload(Series.bookings), joinedload(Series.resource))
        .order_by(Series.first_day)
    ).all()
    news = inbox.decided_since_last_visit(db.session, current_user, now())
    db.session.commit()
    return render_template(
        "requests/mine.html", bookings=bookings, series=series, past=past, form=EmptyForm(), at=now(),
        total=total, page=page, pages=pages, summary=serieswork.summary, next_date=serieswork.next_date, news=news,
        offers=open_offers(db.session, bookings),
    )


def _series_or_404(series_id: int) -> Series:
    """A series the current user may see: the group's own, or any for the house's staff."""
    found = get_or_404(Series, series_id)
    if current_user.role not in policy.STAFF and found.organisation_id != current_user.organisation_id:
        abort(404)
    return found


@bp.get("/series/<int:series_id>")
@requires("board.view")
def series_page(series_id: int, status: int = 200, error: str | None = None):
    """A series' dates with their status; cancel some, or change them from a date on."""
    found = _series_or_404(series_id)
    resources = [r for r in active_resources() if r.kind == found.resource.kind]
    return render_template(
        "requests/series.html", series=found, at=now(), summary=serieswork.summary(found),
        scopes=serieswork.SCOPES, resources=resources, error=error,
        can_change=policy.can_change_series(current_user, found),
    ), status


@bp.post("/series/<int:series_id>/cancel")
@requires("board.view")
def series_cancel(series_id: int):
    """Cancel one date, this and all following, or the whole series."""
    found = _series_or_404(series_id)
    if not (EmptyForm().validate_on_submit() and policy.can_change_series(current_user, found)):
        abort(403)
    booking = next((b for b in found.bookings if b.id == request.form.get("booking_id", type=int)), None)
    scope = request.form.get("scope", "one")
    if booking is None or scope not in serieswork.SCOPES:
        abort(400)
    try:
        cancelled = serieswork.cancel(db.session, booking, scope, current_user, now())
        db.session.commit()
    except workflow.WorkflowError as refusal:
        db.session.rollback()
        return series_page(series_id, 409, str(refusal.message))
    flash(ngettext("%(num)d date cancelled.", "%(num)d dates cancelled.", len(cancelled)), "success")
    return redirect(url_for("requests.series_page", series_id=series_id), code=303)


@bp.post("/series/<int:series_id>/change")
@requires("board.view")
def series_change(series_id: int):
    """Move this and all following open dates to another time or room; they go back to pending."""
    found = _series_or_404(series_id)
    if not (EmptyForm().validate_on_submit() and policy.can_change_series(current_user, found)):
        abort(403)
    booking = next((b for b in found.bookings if b.id == request.form.get("booking_id", type=int)), None)
    resource = db.session.get(Resource, request.form.get("resource_id", type=int) or 0)
    try:
        start = time.fromisoformat(request.form.get("start", ""))
        end = time.fromisoformat(request.form.get("end", ""))
    except ValueError:
        return series_page(series_id, 422, _("Please enter a start and an end time."))
    if booking is None or resource is None or not resource.active or resource.kind != found.resource.kind:
        return series_page(series_id, 422, _("Please choose a date and a room from the lists."))
    try:
        changed = serieswork.change_from(db.session, booking, current_user, now(), start=start, end=end,
                                         resource=resource)
        db.session.commit()
    except workflow.WorkflowError as refusal:
        db.session.rollback()
        return series_page(series_id, 409, str(refusal.message))
    flash(ngettext("%(num)d date changed; it waits for the house's decision again.",
                   "%(num)d dates changed; they wait for the house's decision again.", len(changed)), "success")
    return redirect(url_for("requests.series_page", series_id=series_id), code=303)


def _form_page(form, answer: Answer, status: int = 200, **more):
    """The request page; htmx gets the live check, or the whole form when an alternative fills it."""
    context = dict(form=form, answer=answer, min_date=today(), alternative_fields=alternative_fields, **more)
    if is_htmx():
        partial = ("partials/_request_form.html" if request.headers.get("HX-Target") == "request-form"
                   else "partials/_slot_check.html")
        return render_template(partial, **context), status, {"Vary": "HX-Request, HX-Target"}
    # The panel of free times beside the form: the chosen resource's week around the chosen date.
    context.update(free_panel(form.resource_id.data, form.date.data, form.units.data))
    return render_template("requests/new.html", **context), status, {"Vary": "HX-Request, HX-Target"}


@bp.route("/new", methods=["GET", "POST"])
@requires("request.create")
def new():
    """The request form; htmx asks the same URL for the live answer about the chosen slot."""
    if (request.method == "POST" and not is_manager()
            and any(name in request.form for name in FORBIDDEN_FIELDS)):
        abort(403)
    resources = active_resources()
    if request.method == "GET":
        # The live check (htmx), an alternative picked, and a shared link all arrive as a GET.
        form = build_form(resources, request.args or None)
        return _form_page(form, check_from_query(resources))

    form = build_form(resources)
    series_preview = form.repeat.data and not form.plot and "send" not in request.form
    repeat = None if series_preview else repeat_of(form)  # sent a second time: the first one's answer
    if repeat is not None:
        return repeat
    if not form.validate():
        return _form_page(form, Answer(complete=True, problems=_form_errors(form)), 422)
    if form.repeat.data and not form.plot:
        return _series_step(form, resources)
    answer = evaluate(form, resources)
    overriding = is_manager() and bool((form.override_reason.data or "").strip())
    standing = answer.verdict.hard(overriding) if answer.verdict else []
    if answer.problems or standing:
        _attach(form, answer)
        if is_manager() and not overriding and any(r.overridable for r in answer.reasons):
            form.override_reason.errors = [*form.override_reason.errors,
                                           _("To make an exception to these rules, please give a reason.")]
        return _form_page(form, answer, 409 if answer.conflict else 422)

    organisation = (db.session.get(Organisation, form.organisation_id.data) if is_manager()
                    else current_user.organisation)
    if organisation is None or not organisation.active:
        form.organisation_id.errors = [_("Please choose the group this is for.")]
        return _form_page(form, answer, 422)
    used_override = overriding and any(r.overridable for r in answer.reasons)
    booking = workflow.submit(
        db.session,
        answer.ask,
        by=current_user,
        organisation=organisation,
        title=form.title.data.strip(),
        note=(form.note.data or "").strip(),
        override_reason=form.override_reason.data.strip() if used_override else "",
        purpose_id=form.purpose_id.data,
    )
    if is_manager():
        flash(_("The request for %(name)s is in the queue.", name=translated(booking.resource, "name")), "success")
        response = answer_once(form, url_for("manage.queue"))
    else:
        flash(_("Your request for %(name)s has been sent. The house will reply soon.", name=translated(booking.resource, "name")),
              "success")
        response = answer_once(form, url_for("requests.mine"))
    db.session.commit()
    return response


def _pattern(form) -> Pattern:
    monthly = form.repeat.data == "monthly"
    weekdays = tuple(form.weekdays.data or ()) if not monthly else (form.date.data.weekday(),)
    return Pattern(
        first_day=form.date.data, start=form.start.data, end=form.end.data,
        weekdays=weekdays or (form.date.data.weekday(),), every=1 if monthly else int(form.every.data),
        ordinal=form.ordinal.data if monthly else None,
        until=form.repeat_until.data, count=form.repeat_count.data,
    )


def _series_step(form, resources: list[Resource]):
    """A repeating request: first every date with its verdict to choose from, then send."""
    lead = next((r for r in resources if r.id == form.resource_id.data), None)
    answer = Answer()
    if lead is None or form.extra_parts():
        form.repeat.errors = [_("Repeating requests are for one room or one piece of equipment; "
                                "please request equipment for a series separately.")] if lead else []
        if lead is None:
            form.resource_id.errors = [_("This resource cannot be booked. Please choose another.")]
        return _form_page(form, answer, 422)
    # The live answer about the first date stays on the page beside the dates.
    answer = evaluate(form, resources, with_alternatives=False)
    pattern = _pattern(form)
    limits = None if is_manager() else partner_limits()
    try:
        planned = serieswork.preview(db.session, pattern, lead, form.attendees.data, now(), limits,
                                     language=str(get_locale() or "de"))
    except PatternError as refusal:
        field_name = {"until": "repeat_until", "count": "repeat_count"}.get(refusal.field, refusal.field)
        form[field_name].errors = [*form[field_name].errors, str(refusal.message)]
        return _form_page(form, answer, 422)
    dated = [p for p in planned if p.verdict is not None]
    if dated:  # the group's quotas, counted date by date: the series is one open request
        quota = quota_for(form, dated[0].occurrence.starts_at, dated[-1].occurrence.ends_at, now())
        quotas.judge_series(dated, quota, lead)
    context = dict(planned=planned)
    if "send" not in request.form:
        return _form_page(form, answer, 200, **context)
    wanted = set(request.form.getlist("dates"))
    chosen = [p for p in planned if p.day.isoformat() in wanted and p.verdict is not None]
    if not chosen:
        return _form_page(form, answer, 422, series_error=_("Please choose at least one date."), **context)
    refused = [p for p in chosen if p.verdict.hard(is_manager())]
    if refused:
        return _form_page(form, answer, 409 if any(r.code in CONFLICTS for p in refused for r in p.verdict.reasons)
                          else 422, series_error=_("Some chosen dates cannot be requested: please untick them."),
                          **context)
    organisation = (db.session.get(Organisation, form.organisation_id.data) if is_manager()
                    else current_user.organisation)
    if organisation is None or not organisation.active:
        form.organisation_id.errors = [_("Please choose the group this is for.")]
        return _form_page(form, answer, 422, **context)
    series = serieswork.send(db.session, pattern, chosen, resource=lead, by=current_user, organisation=organisation,
                             title=form.title.data.strip(), attendees=form.attendees.data,
                             note=(form.note.data or "").strip(), purpose_id=form.purpose_id.data)
    flash(ngettext("Your series with %(num)d date has been sent. The house will reply soon.",
                   "Your series with %(num)d dates has been sent. The house will reply soon.", len(chosen)),
          "success")
    response = answer_once(form, url_for("manage.queue") if is_manager()
                           else url_for("requests.series_page", series_id=series.id))
    db.session.commit()
    return response


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
    offer = open_offer(db.session, booking) if booking.status == Status.PENDING else None
    desk = desk_facts(db.session, booking, now()) if policy.sees_contact(current_user, booking) else None
    return render_template("requests/detail.html", booking=booking, events=events, form=EmptyForm(), at=now(),
                           offer=offer, desk=desk)


@bp.post("/<int:booking_id>/withdraw")
@requires("request.create")
def withdraw(booking_id: int):
    """Withdraw a request (or give up an approved booking) before it starts."""
    if current_user.role != Role.PARTNER:
        abort(403)  # the group's own step: the house rejects a request instead
    booking = _own_booking_or_404(booking_id)
    if booking.organisation_id != current_user.organisation_id:
        abort(404)  # a resource's approver reads others' requests, but withdraws none of them
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    refused = not policy.can_withdraw(current_user, booking, now())
    if not refused:
        try:
            workflow.withdraw(db.session, booking, current_user, now())
            db.session.commit()
        except workflow.WorkflowError:  # decided by the house a moment ago
            db.session.rollback()
            refused = True
    if refused:
        message = _("This request can no longer be withdrawn.")
        if is_htmx():
            return render_template("partials/_my_request_row.html", b=booking, form=form, at=now(),
                                   error=message), 409
        flash(message, "error")
        return redirect(url_for("requests.mine"), code=303)
    if is_htmx():
        return render_template("partials/_my_request_row.html", b=booking, form=form, at=now(),
                               done=_("Withdrawn."))
    flash(_("Your request has been withdrawn."), "success")
    return redirect(url_for("requests.mine"), code=303)
