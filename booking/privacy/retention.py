"""What the house stops keeping, every night (`flask retention run`, docs/privacy.md).

- Accounts of partner groups and the front desk inactive for RETENTION_MONTHS are erased as a
  manager would erase them (erase.erase_person). Inactive: no login, no booking asked for or
  taking place, and no change to the account in that time. Managers' and administrators'
  accounts are the house's own staff: the house ends them when people leave.
- Groups inactive as long (no booking, no member's login, no change to the group) lose their
  contact person, e-mail and phone (erase.erase_contact); their name and bookings stay.
- Ended login sessions, sent-form keys older than two days, expired links and e-mails handled
  more than OUTBOX_KEEP_DAYS ago are deleted.

Idempotent: what one run erased or deleted is gone, so a second run finds nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import AccountToken, Booking, ChangeRecord, Organisation, Role, User
from ..notify.models import OutboxMessage, State
from ..sessions.models import LoginSession, Submission
from ..sessions.submissions import KEPT as SUBMISSIONS_KEPT
from . import erase
from .models import LastLogin

ERASED_ROLES = (Role.PARTNER, Role.DESK)
HANDLED = (State.SENT, State.DIGESTED, State.SKIPPED, State.FAILED)
BATCH = 200  # accounts erased per statement


@dataclass
class Report:
    accounts: int = 0
    organisations: int = 0
    sessions: int = 0
    submissions: int = 0
    links: int = 0
    messages: int = 0


def months_before(at: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter)."""
    month = at.year * 12 + at.month - 1 - months
    year, month = divmod(month, 12)
    day = at.day
    while True:
        try:
            return at.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def _recently_changed(subject: str, ident, since: datetime):
    return sa.exists().where(ChangeRecord.subject == subject, ChangeRecord.subject_id == ident,
                             ChangeRecord.action.in_(("created", "changed")), ChangeRecord.at >= since)


def inactive_accounts(session: Session, since: datetime) -> list[User]:
    """Partner and desk accounts with no login, no booking and no change since then."""
    return list(session.scalars(
        sa.select(User)
        .where(User.role.in_(ERASED_ROLES), User.email != erase.PLACEHOLDER_EMAIL)
        .where(~sa.exists().where(LastLogin.user_id == User.id, LastLogin.at >= since))
        .where(~sa.exists().where(Booking.requested_by_id == User.id,
                                  sa.or_(Booking.created_at >= since, Booking.ends_at >= since)))
        .where(~_recently_changed("user", User.id, since))
        .order_by(User.id)
    ))


def inactive_organisations(session: Session, since: datetime) -> list[Organisation]:
    """Groups with contact data, and no booking, no member's login and no change since then."""
    return list(session.scalars(
        sa.select(Organisation)
        .where(sa.or_(Organisation.contact_name != "", Organisation.email != "", Organisation.phone != ""))
        .where(~sa.exists().where(Booking.organisation_id == Organisation.id,
                                  sa.or_(Booking.created_at >= since, Booking.ends_at >= since)))
        .where(~sa.exists().where(User.organisation_id == Organisation.id, LastLogin.user_id == User.id,
                                  LastLogin.at >= since))
        .where(~_recently_changed("organisation", Organisation.id, since))
        .order_by(Organisation.id)
    ))


def run(session: Session, *, at: datetime, months: int, keep_days: int, session_days: int) -> Report:
    """One pass of the retention rules; flushes, the caller commits."""
    since = months_before(at, months)
    report = Report()
    needles: list[str] = []
    inactive = inactive_accounts(session, since)
    for start in range(0, len(inactive), BATCH):
        needles += erase.erase_people(session, inactive[start:start + BATCH], by=None, at=at, scrub_now=False).needles
    report.accounts = len(inactive)
    for organisation in inactive_organisations(session, since):
        needles += erase.erase_contact(session, organisation, by=None, at=at, scrub_now=False)
        report.organisations += 1
    erase.scrub(session, needles)
    report.sessions = session.execute(
        sa.delete(LoginSession).where(LoginSession.started_at <= at - timedelta(days=session_days))).rowcount
    report.submissions = session.execute(
        sa.delete(Submission).where(Submission.created_at < at - SUBMISSIONS_KEPT)).rowcount
    report.links = session.execute(sa.delete(AccountToken).where(AccountToken.expires_at < at)).rowcount
    report.messages = session.execute(
        sa.delete(OutboxMessage).where(OutboxMessage.state.in_(HANDLED),
                                       OutboxMessage.created_at < at - timedelta(days=keep_days))).rowcount
    session.flush()
    return report
