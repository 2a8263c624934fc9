"""A manager's change that would contradict approved bookings: shown first, saved once confirmed.

The page lists the bookings and carries their ids in the form's `confirm` field; the change is
saved when every booking then in the way was on the page the manager confirmed. A booking
approved in the meantime brings the page back with it listed.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..contradictions import LIST_LIMIT, Contradiction, confirmed_ids, ids_text, needs_confirmation, reload
from ..extensions import db
from ..models import Booking


def unconfirmed(form, found: Sequence[Contradiction]) -> list[Contradiction]:
    """The contradictions the manager has not yet confirmed: none, or all of them with nothing saved.

    When some are new, the transaction is rolled back (the change is not written) and the form's
    `confirm` field is set to what the page will list.
    """
    if not needs_confirmation([c.booking for c in found], confirmed_ids(form.confirm.data)):
        return []
    ids = [c.booking.id for c in found]  # read before the rollback expires them
    db.session.rollback()
    reload(db.session, ids[:LIST_LIMIT])  # the page shows these; the others count
    form.confirm.data = ids_text(c.booking for c in found)
    return list(found)


def refused(bookings: Sequence[Booking]) -> list[Booking]:
    """Bookings that stand in the way of a change that cannot be confirmed: nothing is saved."""
    ids = [b.id for b in bookings]
    db.session.rollback()
    return reload(db.session, ids[:LIST_LIMIT])
