"""Finding things in the manager's lists: GET filter forms and pages of a bounded size.

Filters come from the address (bookmarkable, no CSRF). A value that cannot be read (a malformed
date, a group or resource that does not exist) makes the form invalid: the page answers 422 with
the message beside the field. Page numbers are clamped instead: below 1 is the first page, past
the end the last one, so a huge number never reaches the database as an OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from flask import request
from werkzeug.datastructures import MultiDict
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from ..clock import to_utc
from ..extensions import db
from ..forms import SubForm, year_in_range
from ..lazytext import lazy_gettext as _l
from .forms import optional_id, strip

PAGE_SIZE = 50
MAX_PAGE_DIGITS = 9  # a longer number is past any list's end


class FilterForm(SubForm):
    """A GET form: read from the query string, never posted, so without a CSRF token."""

    def __init__(self, **kwargs):
        args = MultiDict((k, v) for k, v in request.args.items(multi=True) if k not in ("page", "size"))
        super().__init__(formdata=args, **kwargs)

    def query_args(self) -> dict[str, str]:
        """The filters as sent, to keep them in the page links."""
        return {k: v for k, v in request.args.items() if k not in ("page", "size") and v}


def not_after(other: str):
    """The end of a date range comes on or after its start."""
    def check(form, field):
        start = form[other].data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end date must not be before the start date."))
    return check


def date_field(label, after: str | None = None) -> DateField:
    validators = [Optional(), year_in_range]
    if after:
        validators.append(not_after(after))
    return DateField(label, validators=validators)


def search_field() -> SearchField:
    return SearchField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=100)])


def id_choices(rows, empty) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(r.id), r.name) for r in rows]


def id_select(label) -> SelectField:
    """A select of rows by id; an id that is not offered is refused (422), never looked up blindly."""
    return SelectField(label, coerce=optional_id, validate_choice=True)


def day_start(day: date):
    """The first instant of a day in the house."""
    return to_utc(day, time(0, 0))


def day_after(day: date):
    """The first instant of the next day: a range of days is half-open like everything else."""
    return to_utc(day + timedelta(days=1), time(0, 0))


def contains(column, text: str):
    """Case-insensitive substring search, with LIKE's wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


@dataclass
class Page:
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def requested_page() -> int:
    """The page asked for, at least 1; garbage reads as the first, a huge number as the last."""
    raw = (request.args.get("page") or "1").strip()
    if not raw.isdigit():
        return 1
    if len(raw) > MAX_PAGE_DIGITS:
        return 10 ** MAX_PAGE_DIGITS
    return max(int(raw), 1)


def requested_size(default: int = PAGE_SIZE, largest: int = 200) -> int:
    raw = (request.args.get("size") or "").strip()
    if not raw.isdigit() or len(raw) > MAX_PAGE_DIGITS:
        return default
    return min(max(int(raw), 1), largest)


def paged(query, order_by, size: int | None = None) -> tuple[list, Page]:
    """One page of the query's rows in a fixed order, and where it lies among all pages."""
    size = size or requested_size()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    page = Page(requested_page(), size, total)
    page.number = min(page.number, page.pages)
    rows = db.session.scalars(query.order_by(*order_by).limit(size).offset(page.offset)).unique().all()
    return rows, page
