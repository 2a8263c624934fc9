"""The occupancy board: who is where on one day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from . import bp
from . import grid
from .. import policy
from ..availability import overlapping
from ..clock import day_bounds, now, today
from ..extensions import db
from ..forms import Form
from ..lazytext import lazy_gettext as _l
from ..models import Booking, Resource, Role, Status, User
from ..web import render, requires

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


@dataclass(frozen=True)
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


def entry(booking: Booking, viewer: User) -> Entry:
    """What `viewer` may see of `booking` on the board."""
    detailed = policy.sees_details(viewer, booking)
    return Entry(
        id=booking.id,
        resource_id=booking.resource_id,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        detailed=detailed,
        organisation=booking.organisation.name if detailed else None,
        title=booking.title if detailed else None,
        attendees=booking.attendees if detailed else None,
        units=booking.units if detailed else None,
        own=viewer.role == Role.PARTNER and viewer.organisation_id == booking.organisation_id,
    )


def approved_on(day: date) -> list[Booking]:
    """Approved bookings of active resources that overlap the day, with their organisations: one query."""
    start, end = day_bounds(day)
    return list(
        db.session.scalars(
            sa.select(Booking)
            .join(Booking.resource)
            .where(
                Resource.active,
                Booking.status == Status.APPROVED,
                overlapping(start, end),
            )
            .options(joinedload(Booking.organisation))
            .order_by(Booking.starts_at, Booking.ends_at, Booking.id)
        )
    )


@bp.get("/")
@requires("board.view")
def day():
    """Show one day's approved bookings as a grid of resources by hour and as a list by time."""
    form = DayForm(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        return render("board/day.html", "partials/_board.html", status=422, form=form, day=None, today=today())

    at = now()
    house_today = today()
    shown = form.date.data or house_today
    resources = db.session.scalars(sa.select(Resource).where(Resource.active)).all()
    entries = [entry(b, current_user) for b in approved_on(shown)]
    # Today the list starts with what is on now; what is over folds away.
    earlier, agenda = grid.split_past(entries, at) if shown == house_today else ([], grid.in_order(entries))
    return render(
        "board/day.html",
        "partials/_board.html",
        form=form,
        day=shown,
        today=house_today,
        previous_day=shown - timedelta(days=1) if shown > FIRST_DAY else None,
        next_day=shown + timedelta(days=1) if shown < LAST_DAY else None,
        groups=grid.board(shown, resources, entries),
        hours=grid.hours(),
        max_lanes=grid.MAX_LANES,
        earlier=earlier,
        agenda=agenda,
        resources={r.id: r for r in resources},
        now_line=grid.now_line(shown, at),
        phase=lambda e: grid.phase(e.starts_at, e.ends_at, at),
    )
