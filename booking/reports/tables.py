"""The report's tables as people read them: headings, words for codes, and the rows of each."""

from __future__ import annotations

from ..labels import ORGANISATION_KIND, RESOURCE_KIND_SINGULAR, STATUS
from ..lazytext import lazy_gettext as _l
from ..models import Attendance, OrganisationKind, ResourceKind, Status
from .export import Table
from .figures import Report
from .purposes import label_of

ATTENDANCE = {
    Attendance.ARRIVED: _l("arrived"),
    Attendance.NO_SHOW: _l("no-show"),
    Attendance.RELEASED: _l("no-show, released"),
}

OUTCOMES = [
    ("pending", STATUS[Status.PENDING]),
    ("approved", STATUS[Status.APPROVED]),
    ("rejected", STATUS[Status.REJECTED]),
    ("cancelled", STATUS[Status.CANCELLED]),
    ("arrived", _l("approved: the group came")),
    ("no_show", _l("approved: nobody came")),
    ("released", _l("approved: nobody came, slot given free")),
]

# The tables of the report, in the page's order: (name, title).
TABLES = [
    ("purposes", _l("By purpose")),
    ("organisations", _l("By group")),
    ("organisation_kinds", _l("By kind of group")),
    ("resources", _l("By room, plot or equipment")),
    ("resource_kinds", _l("By kind of resource")),
    ("rooms", _l("Use of rooms")),
    ("outcomes", _l("Requests and what became of them")),
    ("bookings", _l("All requests in the period")),
]
TITLES = dict(TABLES)


class Words:
    """Codes in the reader's words (for the booking list)."""

    @staticmethod
    def resource_kind(kind):
        return RESOURCE_KIND_SINGULAR[ResourceKind(kind)]

    @staticmethod
    def organisation_kind(kind):
        return ORGANISATION_KIND[OrganisationKind(kind)]

    @staticmethod
    def purpose(key, name):
        return label_of(key, name)

    @staticmethod
    def status(status):
        return STATUS[Status(status)]

    @staticmethod
    def attendance(attendance):
        return ATTENDANCE[Attendance(attendance)]


def kind_label(name: str, kind):
    """The word for a kind in a table by kind."""
    if name == "organisation_kinds":
        return ORGANISATION_KIND[OrganisationKind(kind)]
    return RESOURCE_KIND_SINGULAR[ResourceKind(kind)]


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 2)


def table(report: Report, name: str) -> Table:
    """One table of the report as exported (the booking list is made by export.booking_rows)."""
    title = str(TITLES[name])
    if name == "rooms":
        return Table(name, title, [str(_l("Room")), str(_l("Hours booked")), str(_l("Hours open")),
                                   str(_l("Share"))],
                     [[u.label, _hours(u.booked_seconds), _hours(u.open_seconds),
                       round(u.share, 4) if u.share is not None else None] for u in report.rooms])
    if name == "outcomes":
        return Table(name, title, [str(_l("Outcome")), str(_l("Requests"))],
                     [[str(word), report.outcomes.get(key, 0)] for key, word in OUTCOMES])
    rows = getattr(report, name)
    first = {"purposes": _l("Purpose"), "organisations": _l("Group"), "organisation_kinds": _l("Kind of group"),
             "resources": _l("Resource"), "resource_kinds": _l("Kind of resource")}[name]
    headings = [str(first), str(_l("Bookings")), str(_l("Hours")), str(_l("Attendees"))]
    labelled = [(kind_label(name, r.key) if name.endswith("_kinds") else r.label, r) for r in rows]
    return Table(name, title, headings, [[str(label), r.bookings, _hours(r.seconds), r.attendees]
                                         for label, r in labelled])


def booking_headings() -> list[str]:
    return [str(h) for h in (
        _l("Number"), _l("Start date"), _l("From"), _l("End date"), _l("Until"), _l("Resource"), _l("Kind of resource"),
        _l("Group"), _l("Kind of group"), _l("Purpose"), _l("Title"), _l("Attendees"), _l("Units"), _l("Status"),
        _l("Attendance"), _l("Part of request"), _l("Hours"))]
