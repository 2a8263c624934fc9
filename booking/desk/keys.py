"""The key register: keys per room with their copies, handed out, back, or lost.

Every hand-out takes the same lock as an approval (the key's room), so two desks handing
out the last copy at once cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ..database import lock_for_decision
from ..lazytext import lazy_gettext as _l
from ..models import Booking, Organisation, Status, User
from ..workflow import ConflictError, WorkflowError
from .models import Key, KeyLoan


def copies_out(session: Session, key: Key) -> int:
    return session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(KeyLoan.copies), 0))
        .where(KeyLoan.key_id == key.id, KeyLoan.back_at.is_(None), KeyLoan.lost_at.is_(None))
    )


def copies_lost(session: Session, key: Key) -> int:
    return session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(KeyLoan.copies), 0))
        .where(KeyLoan.key_id == key.id, KeyLoan.lost_at.is_not(None))
    )


def hand_out(session: Session, key: Key, *, by: User, at: datetime, holder_name: str, organisation: Organisation,
             booking: Booking | None, copies: int) -> KeyLoan:
    """Hand copies of a key to a person of a group; refused if fewer are at the desk."""
    lock_for_decision(session, [key.resource_id])
    session.expire_all()
    if not key.active:
        raise WorkflowError(_l("This key is no longer in the register."))
    if booking is not None and (booking.status != Status.APPROVED or booking.organisation_id != organisation.id):
        raise WorkflowError(_l("Please choose an approved booking of this group."))
    left = key.copies - copies_lost(session, key) - copies_out(session, key)
    if copies > left:
        raise ConflictError(_l("Only %(n)s copies of this key are at the desk.", n=max(left, 0)))
    loan = KeyLoan(key=key, organisation=organisation, booking=booking, holder_name=holder_name, copies=copies,
                   out_at=at, out_by_id=by.id, due_at=booking.ends_at if booking is not None else None)
    session.add(loan)
    session.flush()
    return loan


def take_back(session: Session, loan: KeyLoan, *, by: User, at: datetime) -> None:
    lock_for_decision(session, [loan.key.resource_id])
    session.expire_all()
    if not loan.out:
        raise ConflictError(_l("This key is not handed out."))
    loan.back_at, loan.back_by_id = at, by.id
    session.flush()


def mark_lost(session: Session, loan: KeyLoan, *, by: User, at: datetime) -> None:
    """The holder lost it: it is no longer out, and the house has one copy fewer to give."""
    lock_for_decision(session, [loan.key.resource_id])
    session.expire_all()
    if not loan.out:
        raise ConflictError(_l("This key is not handed out."))
    loan.lost_at, loan.back_by_id = at, by.id
    session.flush()


def register(session: Session) -> list[tuple[Key, int, int]]:
    """Every key with the copies out and lost: three queries."""
    keys = session.scalars(sa.select(Key).options(joinedload(Key.resource)).order_by(Key.resource_id, Key.name)).all()
    out = dict(session.execute(
        sa.select(KeyLoan.key_id, sa.func.sum(KeyLoan.copies))
        .where(KeyLoan.back_at.is_(None), KeyLoan.lost_at.is_(None)).group_by(KeyLoan.key_id)).all())
    lost = dict(session.execute(
        sa.select(KeyLoan.key_id, sa.func.sum(KeyLoan.copies))
        .where(KeyLoan.lost_at.is_not(None)).group_by(KeyLoan.key_id)).all())
    return [(k, out.get(k.id, 0), lost.get(k.id, 0)) for k in keys]


def lost(session: Session, limit: int = 50) -> list[KeyLoan]:
    """The copies reported lost, latest first, with the date."""
    return list(session.scalars(
        sa.select(KeyLoan).where(KeyLoan.lost_at.is_not(None))
        .options(joinedload(KeyLoan.key), joinedload(KeyLoan.organisation))
        .order_by(KeyLoan.lost_at.desc()).limit(limit)
    ))
