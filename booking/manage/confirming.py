"""A manager's change that would contradict approved bookings: shown first, saved once confirmed.

The page lists the bookings and carries their ids in the form's `confirm` field; the change is
saved when every booking then in the way was on the page the manager confirmed. A booking
approved in the meantime brings the page back with it listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..contradictions import LIST_LIMIT, Contradiction, confirmed_ids, ids_text, needs_confirmation, reload
from ..extensions import db
from ..models import Booking


@dataclass
class Listing:
    """What the page lists: the first LIST_LIMIT rows (loaded again after the rollback), and how many in all."""

    rows: list = field(default_factory=list)
    total: int = 0
    limit: int = LIST_LIMIT

    def __bool__(self) -> bool:
        return self.total > 0


def unconfirmed(form, found: Sequence[Contradiction]) -> Listing:
    """The contradictions the manager has not yet confirmed: none, or all of them with nothing saved.

    When some are new, the transaction is rolled back (the change is not written) and the form's
    `confirm` field is set to what the page lists.
    """
    if not needs_confirmation([c.booking for c in found], confirmed_ids(form.confirm.data)):
        return Listing()
    ids = [c.booking.id for c in found]  # read before the rollback expires them
    db.session.rollback()
    reload(db.session, ids[:LIST_LIMIT])
    form.confirm.data = ids_text(ids)
    return Listing(list(found[:LIST_LIMIT]), len(ids))


def refused(bookings: Sequence[Booking]) -> Listing:
    """Bookings that stand in the way of a change that cannot be confirmed: nothing is saved."""
    ids = [b.id for b in bookings]
    db.session.rollback()
    return Listing(reload(db.session, ids[:LIST_LIMIT]), len(ids))
