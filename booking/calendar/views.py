"""The week and the month of the house, and the request form's panel of free times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import freshness, markup, policy, sqltime
from ..availability import busy_overlapping, house_hours, overlapping, situation
from ..clock import day_bounds, local, now, today
from ..content import translated
from ..extensions import db
from ..i18n import weekday_names
from ..models import LONGEST_DAY, Booking, Closure, Organisation, Resource, ResourceKind, Role, Status, User
from ..rules import LONGEST_BUSY, Limits
from ..web import is_htmx, render, requires
from . import gaps, month as monthwork, week as weekwork
from .forms import FreeForm, MonthForm, WeekForm

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
NOT_APPROVED = tuple(status for status in Status if status != Status.APPROVED)


@dataclass(frozen=True)
class Entry:
    """One approved booking as the viewer may read it in the week: details only where policy allows."""

    id: int
    resource_id: int
    resource_name: str
    starts_at: datetime
    ends_at: datetime
    detailed: bool
    organisation: str | None
    title: str | None
    own: bool
    closure: bool = False


def entry(row, viewer: User, names: dict[int, str] | None = None) -> Entry:
    """A week's booking row (id, resource, times, organisation, title) as `viewer` may read it.

    `names`: the resources' names in the viewer's language, by id (else the row's German one).
    """
    detailed = policy.sees_details(viewer, row)
    name = (names or {}).get(row.resource_id, row.resource_name)
    return Entry(row.id, row.resource_id, name, row.starts_at, row.ends_at,
                 detailed, row.organisation_name if detailed else None, row.title if detailed else None,
                 viewer.role == Role.PARTNER and viewer.organisation_id == row.organisation_id)


@dataclass(frozen=True)
class ClosedEntry:
    id: int
    resource_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    closure: bool = True


def _bad(template: str, partial: str, message: str, **context):
    return render(template, partial, status=422, error=message, **context)


def _week_context(resources: list[Resource], days: list[date], single: Resource | None):
    """Bookings, closures and hours of a week: four queries, whatever the number of resources."""
    start, end = day_bounds(days[0])[0], day_bounds(days[-1])[1]
    ids = sorted(r.id for r in resources)
    # Only the columns the week shows, not whole bookings: a busy week has hundreds.
    bookings = db.session.execute(
        sa.select(Booking.id, Booking.resource_id, Booking.organisation_id, Booking.starts_at, Booking.ends_at,
                  Booking.title, Organisation.name.label("organisation_name"), Resource.name.label("resource_name"))
        .join(Organisation, Organisation.id == Booking.organisation_id)
        .join(Resource, Resource.id == Booking.resource_id)
        # "not any other status" rather than "approved": SQLite would otherwise read every approved
        # booking through ix_booking_status_time instead of each room's stretch of ix_booking_resource_busy.
        .where(Booking.status.not_in(NOT_APPROVED), busy_overlapping(resources, start, end),
               Booking.starts_at < end, Booking.ends_at > start)
        .order_by(Booking.starts_at, Booking.id)
    ).all() if ids else []
    closures = db.session.scalars(
        sa.select(Closure).where(Closure.starts_at < end, Closure.ends_at > start)
        .where(sa.or_(Closure.resource_id.is_(None), Closure.resource_id.in_(ids)))
        .order_by(Closure.starts_at)
    ).all() if ids else []
    hours = house_hours(db.session)
    shown = [c for c in closures if any(c.applies_to(r) for r in resources)]
    names = {r.id: translated(r, "name") for r in resources}
    items = [entry(b, current_user, names) for b in bookings]
    items += [ClosedEntry(c.id, c.resource_id, c.starts_at, c.ends_at, translated(c, "reason")) for c in shown]
    first_hour, last_hour = weekwork.hour_range(hours, ids, days)
    if single is not None and single.whole_days:
        first_hour, last_hour = weekwork.DEFAULT_HOURS

    def open_minutes(day: date):
        if single is None:  # several resources: the house's hours
            return None if resources and resources[0].whole_days else hours.minutes(None, day.weekday())
        if single.whole_days:
            return None
        return hours.minutes(single.id, day.weekday())

    return dict(
        # Only one resource's week has empty hours to click: several resources have no single one.
        columns=weekwork.columns(days, items, first_hour, last_hour, open_minutes, with_slots=single is not None),
        hour_labels=weekwork.hour_labels(first_hour, last_hour),
        rows=(last_hour - first_hour) * weekwork.QUARTERS_PER_HOUR,
        max_lanes=weekwork.MAX_LANES,
    )


def _choices(resources: list[Resource]) -> list[Resource]:
    return sorted(resources, key=lambda r: r.sort_key)


@bp.get("/week")
@requires("board.view")
def week():
    """One resource's week, or every resource of a kind: days as columns, hours as rows."""
    tag = _tag("week")
    if (unchanged := freshness.not_modified(tag)) is not None:
        return unchanged
    if (kept := _kept_answer(tag, "calendar/week.html", "partials/_week.html")) is not None:
        return kept  # rendered before for this version of the house: no query, no form
    form = WeekForm(formdata=request.args)
    all_active = _choices(db.session.scalars(sa.select(Resource).where(Resource.active)).all())
    context = dict(form=form, all_resources=all_active, kinds=list(ResourceKind), today=today())
    if not form.validate():
        if form.resource.errors:
            abort(404)  # not a resource's number
        return _bad("calendar/week.html", "partials/_week.html",
                    str(next(iter(form.errors.values()))[0]), days=None, **context)
    single = None
    if form.resource.data is not None:
        single = next((r for r in all_active if r.id == form.resource.data), None)
        if single is None:
            abort(404)
        resources, kind = [single], single.kind
    else:
        try:
            kind = ResourceKind(form.kind.data or ResourceKind.ROOM.value)
        except ValueError:
            abort(404)
        resources = [r for r in all_active if r.kind == kind]
    shown = form.date.data or today()
    days = gaps.week_of(shown)
    if days[0] < FIRST_DAY or days[-1] > LAST_DAY:
        return _bad("calendar/week.html", "partials/_week.html",
                    _("Please choose a date between %(a)s and %(b)s.", a=2000, b=2100), days=None, **context)
    link = {"resource": single.id} if single else {"kind": kind.value}
    return _kept_answer(tag, "calendar/week.html", "partials/_week.html", lambda: dict(
        days=days, single=single, kind=kind, link=link, shown=shown, error=None,
        previous_week=days[0] - timedelta(days=7) if days[0] - timedelta(days=7) >= FIRST_DAY else None,
        next_week=days[0] + timedelta(days=7) if days[-1] + timedelta(days=7) <= LAST_DAY else None,
        may_request=policy.allowed(current_user, "request.create"),
        **_week_context(resources, days, single), **context,
    ))


@bp.get("/month")
@requires("board.view")
def month():
    """The house's month: one cell per day with how full each kind is; a day opens its board."""
    tag = _tag("month")
    if (unchanged := freshness.not_modified(tag)) is not None:
        return unchanged
    if (kept := _kept_answer(tag, "calendar/month.html", "partials/_month.html")) is not None:
        return kept  # rendered before for this version of the house: no query, no form
    form = MonthForm(formdata=request.args)
    context = dict(form=form, today=today())
    if not form.validate():
        return _bad("calendar/month.html", "partials/_month.html", str(form.month.errors[0]), weeks=None, **context)
    if form.month.data:
        year, number = map(int, form.month.data.split("-"))
    else:
        year, number = today().year, today().month
    weeks = monthwork.weeks(year, number)
    return _kept_answer(tag, "calendar/month.html", "partials/_month.html",
                        lambda: _month_context(year, number, weeks, context))


def _month_context(year: int, number: int, weeks, context: dict) -> dict:
    days = [d for w in weeks for d in w]
    start, end = day_bounds(days[0])[0], day_bounds(days[-1])[1]
    resources = db.session.execute(
        sa.select(Resource.id, Resource.kind, Resource.quantity).where(Resource.active)).all()
    dialect = db.engine.dialect.name
    day = sqltime.house_day(Booking.starts_at, start - LONGEST_DAY, end, dialect)
    seconds = sqltime.seconds_between(Booking.starts_at, Booking.ends_at, dialect)
    # Bookings of at most a day, summed per resource and day by the database; the few longer ones as rows.
    per_day = db.session.execute(
        sa.select(Booking.resource_id, day, sa.func.sum(seconds), sa.func.sum(seconds * Booking.units))
        .where(Booking.status == Status.APPROVED, overlapping(start, end), Booking.multi_day == sa.false())
        .group_by(Booking.resource_id, day)
    ).all()
    long_bookings = db.session.execute(
        sa.select(Booking.resource_id, Booking.starts_at, Booking.ends_at, Booking.units)
        .where(Booking.status == Status.APPROVED, Booking.multi_day == sa.true(),
               Booking.ends_at > start, Booking.starts_at < end)
    ).all()
    fills = monthwork.fullness(days, resources, house_hours(db.session), per_day, long_bookings)
    first = date(year, number, 1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return dict(
        weeks=weeks, fills=fills, first=first, error=None,
        previous_month=previous if previous >= FIRST_DAY else None,
        next_month=following if following <= LAST_DAY else None,
        kinds=[k for k in monthwork.KINDS if any(r.kind == k for r in resources)],
        day_names=weekday_names("abbreviated"), **context,
    )


def _tag(view: str) -> str:
    """The ETag of a calendar page: the house's version, the viewer, what was asked and the house's
    date. A whole page is renewed every half hour, so that its form tokens stay young."""
    at = now()
    part = "fragment" if is_htmx() else f"{at.timestamp() // 1800:.0f}"
    asked = sorted((key, value) for key, value in request.args.items(multi=True))
    return freshness.etag(view, part, *freshness.viewer(), repr(asked), local(at).date().isoformat())


def _kept_answer(tag: str, page_template: str, partial_template: str, make_context=None):
    """The fragment rendered once per version of the house (booking/freshness.py), alone for htmx
    or inside its page. Without `make_context`: the kept answer, or None if there is none yet."""
    page = not is_htmx()
    key = (tag, partial_template)

    def render_fragment():
        context = make_context()
        if page:
            context["page"] = True
        return markup.template(partial_template, context)

    if make_context is None:
        fragment = freshness.kept().peek(key)
        if fragment is None:
            return None
    else:
        fragment = freshness.kept().get(key, render_fragment)
    html = render_template(page_template, fragment=fragment) if page else fragment
    return freshness.tagged(make_response(html), tag)


def partner_limits() -> Limits | None:
    """The partner rules for partner groups; a manager requests past them."""
    if current_user.role in policy.MANAGERS:
        return None
    return Limits(notice=timedelta(hours=current_app.config["MIN_NOTICE_HOURS"]),
                  horizon=timedelta(days=current_app.config["HORIZON_DAYS"]))


def free_panel(resource_id, day, units=None) -> dict:
    """What the request form's panel shows: the chosen resource's week around the chosen date."""
    resource = db.session.get(Resource, resource_id) if resource_id else None
    if resource is None or not resource.active:
        return dict(free_resource=None, free_days=None)
    shown = day or today()
    if not FIRST_DAY <= shown <= LAST_DAY:
        return dict(free_resource=None, free_days=None)
    days = gaps.week_of(shown)
    start, end = day_bounds(days[0])[0], day_bounds(days[-1])[1]
    found = situation(db.session, [resource], start - LONGEST_BUSY[resource.kind], end + LONGEST_BUSY[resource.kind])
    units = units if resource.kind == ResourceKind.EQUIPMENT and units else 1
    limits = partner_limits()
    return dict(
        free_resource=resource, free_shown=shown,
        free_notice=(int(limits.notice.total_seconds() // 3600), now() + limits.notice) if limits else None,
        free_days=gaps.free_days(resource, days, found, at=now(), limits=limits, units=units),
        free_previous=days[0] - timedelta(days=7) if days[0] - timedelta(days=7) >= max(FIRST_DAY, today() - timedelta(days=today().weekday())) else None,
        free_next=days[0] + timedelta(days=7) if days[-1] + timedelta(days=7) <= LAST_DAY else None,
    )


@bp.get("/free")
@requires("request.create")
def free():
    """The free times of one resource in the week around a date, for the request form."""
    form = FreeForm(formdata=request.args)
    if not form.validate():
        field_errors = form.date.errors or form.units.errors
        if form.resource_id.errors:
            abort(404)
        return render("calendar/free.html", "partials/_free_times.html", status=422,
                      free_error=str(field_errors[0]), free_resource=None, free_days=None)
    if form.resource_id.data is not None:
        found = db.session.get(Resource, form.resource_id.data)
        if found is None or not found.active:
            abort(404)
    return render("calendar/free.html", "partials/_free_times.html", free_error=None,
                  **free_panel(form.resource_id.data, form.date.data, form.units.data))


from . import feed_views  # noqa: E402,F401  (the feed routes share this blueprint)
