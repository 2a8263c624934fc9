"""`flask retention run`: inactive accounts and groups' contact data erased, old sessions, keys,
links and e-mails deleted, and a second run changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from booking.clock import now
from booking.extensions import db
from booking.models import AccountToken, Booking, ChangeRecord, Organisation, Role, Status, TokenPurpose, User
from booking.notify.models import Kind, OutboxMessage, State
from booking.privacy import retention
from booking.privacy.models import LastLogin
from booking.sessions.models import LoginSession, Submission
from tests.conftest import count_rows


def everything() -> dict[str, list]:
    """Every row of every table, to compare two states of the database."""
    return {t.name: sorted(map(tuple, db.session.execute(sa.select(t)).all()), key=repr)
            for t in db.Model.metadata.sorted_tables}


def long_ago(months: int) -> datetime:
    return now() - timedelta(days=31 * months)


def old_house(make):
    """A group that last booked three years ago with a member who never came back, and an active one."""
    resting = make.organisation("Verein Ruhe", contact_name="Rita Ruhe", email="ruhe@verein.example")
    gone = make.user(Role.PARTNER, resting, name="Gerd Gegangen", email="gerd@verein.example")
    old = make.booking(make.resource("Saal"), resting, requested_by=gone, status=Status.APPROVED)
    old.starts_at, old.ends_at = long_ago(36), long_ago(36) + timedelta(hours=2)
    old.busy_from, old.busy_until = old.starts_at, old.ends_at
    old.created_at = long_ago(37)
    lively = make.organisation("Verein Leben", contact_name="Lea Leben")
    active = make.user(Role.PARTNER, lively, name="Anna Aktiv")
    db.session.add(LastLogin(user_id=active.id, at=long_ago(1)))
    db.session.add(LastLogin(user_id=gone.id, at=long_ago(30)))
    db.session.commit()
    # Their accounts were made long ago: the record of changes says when.
    db.session.execute(sa.update(ChangeRecord).values(at=long_ago(40)))
    db.session.commit()
    return resting, gone, lively, active


def run(at=None):
    report = retention.run(db.session, at=at or now(), months=24, keep_days=90, session_days=30)
    db.session.commit()
    return report


def test_inactive_accounts_and_groups_are_erased_active_ones_stay(app, make):
    resting, gone, lively, active = old_house(make)
    gone_id, resting_id = gone.id, resting.id
    report = run()
    assert (report.accounts, report.organisations) == (1, 1)
    db.session.expire_all()
    assert db.session.get(User, gone_id) is None and db.session.get(User, active.id) is not None
    group = db.session.get(Organisation, resting_id)
    assert (group.name, group.contact_name, group.email) == ("Verein Ruhe", "", "")
    assert db.session.get(Organisation, lively.id).contact_name == "Lea Leben"
    assert count_rows(Booking, Booking.organisation_id == resting_id) == 1  # the statistics stay


def test_running_twice_is_running_once(app, make):
    old_house(make)
    make.user(Role.DESK, name="Dora Desk")  # made just now: active
    at = now()
    first = run(at)
    after_first = everything()
    second = run(at)
    assert after_first == everything()
    assert vars(second) == vars(retention.Report())
    assert first.accounts == 1


def test_what_is_no_longer_needed_is_deleted(app, make):
    person = make.user(Role.PARTNER, name="Paula")
    at = now()
    db.session.add_all([
        LoginSession(user_id=person.id, key_hash="a" * 64, started_at=at - timedelta(days=31)),
        LoginSession(user_id=person.id, key_hash="b" * 64, started_at=at - timedelta(days=1)),
        Submission(user_id=person.id, key="k" * 20, created_at=at - timedelta(days=3)),
        Submission(user_id=person.id, key="l" * 20, created_at=at),
        AccountToken(user_id=person.id, purpose=TokenPurpose.RESET, token_hash="c" * 64,
                     expires_at=at - timedelta(hours=1)),
        AccountToken(user_id=person.id, purpose=TokenPurpose.RESET, token_hash="d" * 64,
                     expires_at=at + timedelta(hours=1)),
        OutboxMessage(kind=Kind.APPROVED, recipient_id=person.id, state=State.SENT, created_at=at - timedelta(days=91)),
        OutboxMessage(kind=Kind.APPROVED, recipient_id=person.id, state=State.SENT, created_at=at - timedelta(days=89)),
        OutboxMessage(kind=Kind.APPROVED, recipient_id=person.id, state=State.PENDING,
                      created_at=at - timedelta(days=91)),
    ])
    db.session.commit()
    report = run(at)
    assert (report.sessions, report.submissions, report.links, report.messages) == (1, 1, 1, 1)
    assert count_rows(LoginSession) == 1 and count_rows(Submission) == 1 and count_rows(AccountToken) == 1
    assert count_rows(OutboxMessage) == 2  # the recent one, and the one still waiting to be sent
    assert db.session.get(User, person.id) is not None


def test_the_command_says_what_it_did(app, make, runner):
    old_house(make)
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "Erased 1 inactive account(s) and the contact data of 1 inactive group(s)" in result.output
    again = runner.invoke(args=["retention", "run"])
    assert "Erased 0 inactive account(s) and the contact data of 0 inactive group(s)" in again.output


def test_months_before_keeps_to_the_calendar():
    at = datetime(2027, 3, 31, 12, tzinfo=timezone.utc)
    assert retention.months_before(at, 1) == datetime(2027, 2, 28, 12, tzinfo=timezone.utc)
    assert retention.months_before(at, 24) == datetime(2025, 3, 31, 12, tzinfo=timezone.utc)
    assert retention.months_before(at, 3) == datetime(2026, 12, 31, 12, tzinfo=timezone.utc)
