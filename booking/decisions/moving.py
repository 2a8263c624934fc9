"""A manager changes a booking's time, room or equipment: under the same lock and house rules
as an approval, told to the group, kept in the request's history and the record of changes."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from .. import workflow
from ..availability import check_booking
from ..clock import now
from ..database import lock_for_decision
from ..i18n import local_date, local_time
from ..lazytext import lazy_gettext as _l
from ..models import AuditEvent, Booking, ChangeRecord, Resource, Status, User
from ..notify import outbox
from ..notify.models import Kind

CHANGEABLE = (Status.PENDING, Status.APPROVED)


def describe(booking: Booking) -> str:
    """"Saal, 12.01.2027 10:00–12:00, Beamer × 1": how the history names a slot."""
    text = f"{booking.resource.name}, {local_date(booking.starts_at)} {local_time(booking.starts_at)}–{local_time(booking.ends_at)}"
    items = ", ".join(f"{item.resource.name} × {item.units}" for item in booking.items)
    return f"{text}, {items}" if items else text


def change(session: Session, booking: Booking, by: User, at: datetime, *, resource: Resource,
           starts_at: datetime, ends_at: datetime, units: dict[int, int] | None = None) -> Booking:
    """Move a pending or approved request (and its items) to another time or room, or change how
    many of each item: refused (ConflictError, with the reasons) unless the new slot is free."""
    lead = booking.bundle_of or booking
    lock_for_decision(session, [*(part.resource_id for part in lead.parts), resource.id])
    session.expire_all()  # what was read before the lock may be out of date
    if lead.status not in CHANGEABLE:
        raise workflow.WorkflowError(_l("Only pending or approved bookings can be changed."))
    if resource.kind != lead.resource.kind:
        raise workflow.WorkflowError(_l("Please choose a resource of the same kind."))
    before = describe(lead)
    old = [{"field": "resource_id", "old": lead.resource_id, "new": resource.id},
           {"field": "starts_at", "old": lead.starts_at.isoformat(), "new": starts_at.isoformat()},
           {"field": "ends_at", "old": lead.ends_at.isoformat(), "new": ends_at.isoformat()}]
    lead.resource = resource
    for part in lead.parts:
        if part is not lead and units and part.id in units:
            old.append({"field": f"units:{part.resource.name}", "old": part.units, "new": units[part.id]})
            part.units = units[part.id]
        part.starts_at, part.ends_at = starts_at, ends_at
        part.busy_from, part.busy_until = part.resource.busy_span(starts_at, ends_at)
        part.exclusive = part.resource.exclusive
    session.flush()
    verdict = check_booking(session, lead, at)
    if not verdict.ok:
        raise workflow.ConflictError(" ".join(str(reason) for reason in verdict.reasons))
    after = describe(lead)
    if after == before:
        raise workflow.WorkflowError(_l("Nothing was changed."))
    session.add(AuditEvent(actor=by, booking=lead, from_status=lead.status, to_status=lead.status,
                           reason=f"{before} → {after}"))
    changes = [c for c in old if c["old"] != c["new"]]
    session.add(ChangeRecord(at=now(), actor_id=by.id, subject="booking", subject_id=lead.id, action="changed",
                             label=lead.title[:254], changes=json.dumps(changes, ensure_ascii=False)))
    session.flush()
    outbox.decided(session, Kind.MOVED, [lead], by)
    return lead
