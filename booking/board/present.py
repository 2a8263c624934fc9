"""What each booking on the board says, worked out once in Python for the template to print.

The template only prints these strings and classes: no macros per block, no formatting
calls per block. Dates go through Babel once per (language, day, pattern) and are cached;
the plural labels once per number and request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from .. import i18n, markup
from ..content import translated
from ..clock import HOUSE_TZ
from . import grid


@lru_cache(maxsize=4096)
def _skeleton(day: date, skeleton: str, locale: str) -> str:
    return i18n.format_day(day, skeleton, locale)


@dataclass(slots=True)
class Text:
    """One booking's words on the board, in the reader's language."""

    when: str  # "10:00–12:00", "all day", "21:00–So. 02:00"
    count: str  # "12 people", "2 units" or ""
    summary: str  # the block's tooltip: organisation, title, time and count, or "Booked" and time


class Words:
    """The reader's language, with what has been formatted in it during this request."""

    def __init__(self, day: date):
        self.day = day
        self.locale = str(get_locale() or "de")
        self._counts: dict[tuple[bool, int], str] = {}
        self.booked = _("Booked")
        self.all_day = _("all day")
        self.now = _("now")
        self.overdue = _("Overdue")
        self.detail_prefix = ""  # "/requests/": blocks link to their booking's page

    def _weekday(self, wall: datetime) -> str:
        return _skeleton(wall.date(), "E", self.locale)

    def _day_month(self, day: date) -> str:
        return _skeleton(day, "MMMd", self.locale)

    def when(self, starts_at: datetime, ends_at: datetime) -> str:
        """As the list and the blocks show it; a start or end on another day names its weekday."""
        start, end = starts_at.astimezone(HOUSE_TZ), ends_at.astimezone(HOUSE_TZ)
        if start.hour == start.minute == 0 and end.hour == end.minute == 0:
            if start.date() == self.day and (ends_at - starts_at).days < 2:
                return self.all_day
            last = (end - timedelta(hours=12)).date()
            return i18n.span(self._day_month(start.date()), self._day_month(last), self.locale)
        first = i18n.local_time(start)
        if start.date() != self.day:
            first = f"{self._weekday(start)} {first}"
        last = i18n.local_time(end)
        if end.date() != self.day and (end.hour, end.minute) != (0, 0):
            last = f"{self._weekday(end)} {last}"
        return i18n.time_range(first, last, self.locale)

    def count(self, equipment: bool, entry) -> str:
        number = entry.units if equipment else entry.attendees
        if not number:
            return ""
        key = (equipment, number)
        if key not in self._counts:
            if equipment:
                self._counts[key] = ngettext("%(num)d unit", "%(num)d units", number)
            else:
                self._counts[key] = ngettext("%(num)d person", "%(num)d people", number)
        return self._counts[key]

    def text(self, entry, equipment: bool) -> Text:
        when = self.when(entry.starts_at, entry.ends_at)
        if not entry.detailed:
            return Text(when, "", f"{self.booked} · {when}")
        count = self.count(equipment, entry)
        summary = f"{entry.organisation} · {entry.title} · {when}" + (f" · {count}" if count else "")
        return Text(when, count, summary)


@dataclass(slots=True)
class Shown:
    """A block on the grid or an item of the list, ready to print."""

    entry: object
    text: Text
    css: str
    resource_name: str = ""
    running: bool = False


def block_class(block: grid.Block, entry, running: bool) -> str:
    css = [f"block c-s-{block.start} c-e-{block.end}"]
    if block.lane <= grid.MAX_LANES:
        css.append(f"lane-{block.lane}")
    if not entry.detailed:
        css.append("block--private")
    if entry.own:
        css.append("block--own")
    if block.span.cut_start:
        css.append("block--cut-start")
    if block.span.cut_end:
        css.append("block--cut-end")
    if running:
        css.append("block--now")
    return " ".join(css)


def item_class(entry, phase: str) -> str:
    css = ["agenda__item"]
    if phase:
        css.append(f"agenda__item--{phase}")
    if not entry.detailed:
        css.append("agenda__item--private")
    if entry.own:
        css.append("agenda__item--own")
    return " ".join(css)


# The grid's blocks and the list's items are printed here rather than in a template loop: a
# busy day has hundreds, and a loop of template calls was most of the board's time. Each piece
# is made by booking.markup, which escapes every value; the classes are built from numbers and
# fixed words only.

def block_html(shown: Shown, words: Words) -> Markup:
    """One booking on the grid: `<li id="board-block-N" ...>`."""
    e, t = shown.entry, shown.text
    if not e.detailed:
        return _private_block(int(e.id), t.summary, shown.css, words.booked, t.when)
    return _block(int(e.id), t.summary, shown.css, words.detail_prefix, e.organisation, e.title, t.when, t.count)


def item_html(shown: Shown, words: Words) -> Markup:
    """One line of the day's list in time order."""
    e, t = shown.entry, shown.text
    now = words.now if shown.running else ""
    if not e.detailed:
        return _private_item(shown.css, t.when, shown.resource_name, now, words.booked)
    return _item(shown.css, t.when, shown.resource_name, now, e.organisation, e.title, t.count)


# The pieces are kept by everything they are made of: after a change to the house, the board is
# rendered again, but most of its bookings look as before and are not escaped and formatted again.

@lru_cache(maxsize=8192)
def _private_block(id: int, summary: str, css: str, booked: str, when: str) -> Markup:
    return markup.piece(
        '<li id="board-block-{id}" title="{summary}" class="{css}"><span class="block__org">{booked}</span>'
        '<span class="block__meta">{when}</span></li>',
        id=id, summary=summary, css=css, booked=booked, when=when)


@lru_cache(maxsize=8192)
def _block(id: int, summary: str, css: str, prefix: str, organisation: str, title: str, when: str,
           count: str) -> Markup:
    if prefix:  # the block opens the booking's page for those who may see it
        org = markup.piece('<a href="{prefix}{id}">{org}</a>', prefix=prefix, id=id, org=organisation)
    else:
        org = organisation
    return markup.piece(
        '<li id="board-block-{id}" title="{summary}" class="{css}"><span class="block__org">{org}</span>'
        '<span class="block__title">{title}</span><span class="block__meta">{when}{count}</span></li>',
        id=id, summary=summary, css=css, org=org, title=title, when=when,
        count=f" · {count}" if count else "")


def forget() -> None:
    """Drop the kept pieces (the benchmarks time a board never shown before)."""
    for kept in (_private_block, _block, _private_item, _item):
        kept.cache_clear()


def _now(now: str):
    return markup.piece(' <span class="agenda__now">{now}</span>', now=now) if now else ""


@lru_cache(maxsize=8192)
def _private_item(css: str, when: str, where: str, now: str, booked: str) -> Markup:
    return markup.piece(
        '<li class="{css}"><span class="agenda__time">{when}</span> '
        '<span class="agenda__where">{where}{running}</span> <span class="agenda__what">{booked}</span></li>',
        css=css, when=when, where=where, running=_now(now), booked=booked)


@lru_cache(maxsize=8192)
def _item(css: str, when: str, where: str, now: str, organisation: str, title: str, count: str) -> Markup:
    return markup.piece(
        '<li class="{css}"><span class="agenda__time">{when}</span> '
        '<span class="agenda__where">{where}{running}</span> '
        '<span class="agenda__what"><strong>{org}</strong> · {title}{count}</span></li>',
        css=css, when=when, where=where, running=_now(now), org=organisation,
        title=title, count=f" · {count}" if count else "")


def free_slots_html(resource, blocks, hours, day: date, new_request_url: str, walk_in: bool = False) -> Markup:
    """Each empty hour of a row as a link that starts a request (the desk: a walk-in) for that room and hour."""
    out = []
    for h in hours:
        if any(b.start < h.end and b.end > h.start for b in blocks):
            continue
        start, end = f"{h.hour:02d}:00", f"{h.hour + 1:02d}:00"
        query = urlencode({"resource_id": resource.id, "date": day.isoformat(), "start": start, "end": end}, safe=":")
        name = translated(resource, "name")
        label = (_("Book %(name)s %(start)s–%(end)s", name=name, start=start, end=end) if walk_in
                 else _("Request %(name)s %(start)s–%(end)s", name=name, start=start, end=end))
        out.append(markup.piece(
            '<li class="board-slot c-s-{start} c-e-{end}"><a href="{url}?{query}">'
            '<span class="visually-hidden">{label}</span></a></li>',
            start=h.start, end=h.end, url=new_request_url, query=query, label=label))
    return markup.joined(out)
