"""The occupancy board: who is where on one day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from . import bp
from . import grid, present
from .. import freshness, markup, policy
from ..availability import overlapping
from ..clock import day_bounds, local, now
from ..content import translated
from ..extensions import db
from ..forms import Form
from ..lazytext import lazy_gettext as _l
from ..models import LONGEST_DAY, Booking, Organisation, Resource, ResourceKind, Role, Status, User, UTCDateTime
from ..web import is_htmx, render, requires

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def _within_range(form, field) -> None:
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Please choose a valid date between 2000 and 2100."))


class DayForm(Form):
    """The day to show, from the query string; no date means today."""

    date = DateField(
        _l("Date"),
        validators=[Optional(), _within_range],
        render_kw={"min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()},
    )


@dataclass(slots=True)
class Entry:
    """One approved booking as the viewer may read it: details only where policy allows."""

    id: int
    resource_id: int
    starts_at: datetime
    ends_at: datetime
    detailed: bool  # False: the viewer learns only that the time is booked
    organisation: str | None
    title: str | None
    attendees: int | None
    units: int | None
    own: bool  # a partner's own organisation booked it


def entry(booking, viewer: User) -> Entry:
    """What `viewer` may see of `booking` (a Booking or a row of approved_on) on the board."""
    detailed = policy.sees_details(viewer, booking)
    organisation = getattr(booking, "organisation_name", None)
    if organisation is None and detailed:
        organisation = booking.organisation.name
    return Entry(
        id=booking.id,
        resource_id=booking.resource_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        detailed=detailed,
        organisation=organisation if detailed else None,
        title=booking.title if detailed else None,
        attendees=booking.attendees if detailed else None,
        units=booking.units if detailed else None,
        own=viewer.role == Role.PARTNER and viewer.organisation_id == booking.organisation_id,
    )


_FROM, _UNTIL, _EARLIEST, _AT = (sa.bindparam(name, type_=UTCDateTime)
                                 for name in ("day_start", "day_end", "earliest", "at"))


@cache
def _approved():
    """The board's statement, built once (on first use: the desk's loans are imported late, the
    models import this module): the board sends the same statement every time, only the
    day's bounds change. `overdue`: lent equipment not back after the booking's end."""
    from ..desk.models import EquipmentLoan  # noqa: PLC0415

    overdue = sa.exists().where(EquipmentLoan.booking_id == Booking.id, EquipmentLoan.back_at.is_(None),
                                EquipmentLoan.due_at <= _AT)
    return (
        sa.select(
            Booking.id, Booking.resource_id, Booking.organisation_id, Booking.starts_at, Booking.ends_at,
            Booking.title, Booking.attendees, Booking.units, Organisation.name.label("organisation_name"),
            overdue.label("overdue"),
        )
        .join(Organisation, Organisation.id == Booking.organisation_id)
        .where(overlapping(_FROM, _UNTIL, Status.APPROVED, earliest=_EARLIEST))
    )


_ACTIVE = sa.select(Resource.id, Resource.kind, Resource.name, Resource.translations).where(Resource.active)


def approved_on(day: date, days: int = 1) -> list:
    """Approved bookings that overlap the day (or `days` days from it), with their
    organisation's name: one query whose cost does not grow with the years of history.
    Rows, not objects: the board only reads them."""
    start, end = day_bounds(day)[0], day_bounds(day + timedelta(days=days - 1))[1]
    return list(db.session.execute(_approved(), {"day_start": start, "day_end": end, "earliest": start - LONGEST_DAY,
                                               "at": now()}))


def active_resources() -> list:
    """The resources on the board, as rows (id, kind, name, translations): one query."""
    return list(db.session.execute(_ACTIVE))


def _asked_day(house_today: date) -> date | None:
    """The day in the query string as the form would read it, or None if the form must say why not."""
    raw = request.args.get("date")
    if not raw:
        return house_today
    try:
        asked = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    return asked if FIRST_DAY <= asked <= LAST_DAY else None


def _clock(shown: date, house_today: date, at: datetime) -> str:
    """What time does to the page: today's board moves its "now" every few minutes."""
    if shown != house_today:
        return ""
    wall = local(at)
    return f"{wall.hour:02d}{wall.minute // 5}"


def board_tag(shown: date, house_today: date, at: datetime, fragment: bool) -> str:
    """The ETag of the board for this viewer: page and fragment differ; a page is renewed
    every half hour so that its form tokens stay young."""
    page = "" if fragment else f"{at.timestamp() // 1800:.0f}"
    return freshness.etag("board", "fragment" if fragment else page, *freshness.viewer(), shown.isoformat(),
                          house_today.isoformat(), clock=_clock(shown, house_today, at))


@bp.get("/")
@requires("board.view")
def day():
    """Show one day's approved bookings as a grid of resources by hour and as a list by time."""
    at = now()
    house_today = local(at).date()
    asked = _asked_day(house_today)
    if asked is not None:
        live_tag = board_tag(asked, house_today, at, fragment=True)
        tag = live_tag if is_htmx() else board_tag(asked, house_today, at, fragment=False)
        if (unchanged := freshness.not_modified(tag)) is not None:
            return unchanged

    form = DayForm(formdata=request.args, meta={"csrf": False})
    if not form.validate() or asked is None:
        return render("board/day.html", "partials/_board.html", status=422, form=form, day=None, today=house_today)

    shown = asked
    live_url = url_for("board.day", **({"date": shown.isoformat()} if request.args.get("date") else {}))
    highlight = freshness.changed_since()
    page = not is_htmx()

    def render_board():
        # The fragment needs none of the layout's forms: it is rendered without the context processors.
        return markup.template("partials/_board.html", _board(form, shown, house_today, at, live_tag, live_url,
                                                              highlight, page))

    # The same board for everyone its tag names: rendered once per version of the house.
    board = freshness.kept().get((live_tag, live_url, highlight, page), render_board)
    if not page:
        return freshness.tagged(board, tag)
    return freshness.tagged(render_template("board/day.html", board=board, day=shown), tag)


def _board(form, shown: date, house_today: date, at: datetime, live_tag: str, live_url: str,
           highlight: bool, page: bool) -> dict:
    """Everything the board's fragment shows."""
    resources = active_resources()
    active = {r.id: r for r in resources}
    viewer = current_user._get_current_object()  # not the proxy: it is read for every booking
    rows = [b for b in approved_on(shown) if b.resource_id in active]
    entries = [entry(b, viewer) for b in rows]
    from ..desk.walkin import WINDOW_DAYS  # noqa: PLC0415 (the desk's package imports the board's neighbours)

    may_request = shown >= house_today and policy.allowed(viewer, "request.create")
    # The desk books walk-ins from empty slots, for today and the days it may book.
    walk_in = (not may_request and policy.allowed(viewer, "desk.work")
               and house_today <= shown <= house_today + timedelta(days=WINDOW_DAYS))
    overdue = frozenset(b.id for b in rows if b.overdue) if policy.allowed(viewer, "desk.work") else frozenset()
    context = _layout(shown, house_today, at, resources, entries, may_request or walk_in,
                      url_for("desk.walk_in") if walk_in else None, overdue)
    context.update(
        form=form,
        day=shown,
        today=house_today,
        previous_day=shown - timedelta(days=1) if shown > FIRST_DAY else None,
        next_day=shown + timedelta(days=1) if shown < LAST_DAY else None,
        hours=grid.HOURS,
        max_lanes=grid.MAX_LANES,
        live_tag=live_tag,
        live_url=live_url,
        highlight=highlight,
    )
    if page:
        context["page"] = True
    return context


def _layout(shown: date, house_today: date, at: datetime, resources, entries: list[Entry],
            may_request: bool = False, slot_url: str | None = None, overdue: frozenset[int] = frozenset()) -> dict:
    """The grid's rows and the list's items, each with its words and classes, worked out once."""
    words = present.Words(shown)
    words.detail_prefix = url_for("requests.detail", booking_id=0)[:-1]
    new_request_url = slot_url or url_for("requests.new")
    is_today = shown == house_today
    kinds = {r.id: r.kind for r in resources}
    texts = {e.id: words.text(e, kinds[e.resource_id] == ResourceKind.EQUIPMENT) for e in entries}
    for e in entries:
        if e.id in overdue:  # lent equipment not back after the booking's end
            texts[e.id].summary += f" · {words.overdue}"
    running = {e.id for e in entries if is_today and e.starts_at <= at < e.ends_at}
    groups = []
    for group in grid.board(shown, resources, entries):
        rows = []
        for row in group.rows:
            blocks = markup.joined(
                present.block_html(
                    present.Shown(b.item, texts[b.item.id], present.block_class(b, b.item, b.item.id in running)
                                  + (" block--overdue" if b.item.id in overdue else "")),
                    words)
                for b in row.blocks
            )
            if may_request and row.resource.kind != ResourceKind.PLOT:
                blocks = present.free_slots_html(row.resource, row.blocks, grid.HOURS, shown, new_request_url,
                                                 walk_in=slot_url is not None) + blocks
            rows.append((row.resource, min(row.lanes, grid.MAX_LANES), blocks))
        groups.append((group.kind, rows))
    names = {r.id: translated(r, "name") for r in resources}
    # Today the list starts with what is on now; what is over folds away.
    earlier, agenda = grid.split_past(entries, at) if is_today else ([], grid.in_order(entries))

    def item(e: Entry, phase: str) -> Markup:
        shown = present.Shown(e, texts[e.id], present.item_class(e, phase), names[e.resource_id], phase == "now")
        return present.item_html(shown, words)

    return {
        "groups": groups,
        "earlier": len(earlier),
        "earlier_items": markup.joined((item(e, "past") for e in earlier), "\n"),
        "agenda": markup.joined((item(e, grid.phase(e.starts_at, e.ends_at, at) if is_today else "")
                                 for e in agenda), "\n"),
        "now_line": grid.now_line(shown, at),
        "words": words,
    }
