"""Each person's e-mail settings, the unsubscribe link, reminders and daily summaries, and what
the app itself shows: the managers' count of pending requests, a partner's news since last visit."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from booking import workflow
from booking.clock import HOUSE_TZ, now
from booking.extensions import db
from booking.models import Role, Status
from booking.notify import outbox, worker
from booking.notify.models import Choice, Kind, NotificationChoice, OutboxMessage, State, Topic
from tests.conftest import future_day
from tests.mailserver import mailserver  # noqa: F401 (a fixture)


@pytest.fixture
def house(make):
    group = make.organisation("Deutsch für alle e.V.")
    return {
        "group": group,
        "leitung": make.user(Role.MANAGER, name="Petra Leitung", email="leitung@example.org", language="de"),
        "amal": make.user(Role.PARTNER, group, name="Amal Haddad", email="amal@example.org", language="de"),
        "room": make.resource("Seminarraum 1", capacity=20),
    }


def choose(client, **choices):
    return client.post("/account/notifications", data=choices)


def saved(user) -> dict:
    db.session.commit()
    return {c.topic: c.choice for c in db.session.scalars(
        sa.select(NotificationChoice).where(NotificationChoice.user_id == user.id))}


def next_morning(hour: int = 8) -> datetime:
    """Tomorrow at this hour in the house: past DIGEST_HOUR whatever the time of the run."""
    day = datetime.now(HOUSE_TZ).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=HOUSE_TZ)


def test_a_partner_chooses_per_topic_and_cannot_switch_decisions_off(client, auth, house):
    auth.login(house["amal"])
    page = client.get("/account/notifications")
    assert page.status_code == 200
    assert 'name="decisions" type="radio" value="off"' not in page.text
    assert 'name="reminders" type="radio" value="off"' in page.text
    assert choose(client, decisions="digest", closures="off", reminders="immediately").status_code == 303
    assert saved(house["amal"]) == {Topic.DECISIONS: Choice.DIGEST, Topic.CLOSURES: Choice.OFF,
                                    Topic.REMINDERS: Choice.IMMEDIATELY}
    refused = choose(client, decisions="off", closures="digest", reminders="digest")
    assert refused.status_code == 422 and "Not a valid choice" in refused.text or "Keine gültige" in refused.text
    assert saved(house["amal"])[Topic.DECISIONS] == Choice.DIGEST  # nothing half-saved
    assert saved(house["amal"])[Topic.CLOSURES] == Choice.OFF


def test_settings_need_a_login(client):
    assert client.get("/account/notifications").status_code == 302


def test_switched_off_messages_are_skipped_and_decisions_still_come(mailserver, house, make):
    db.session.add_all([NotificationChoice(user_id=house["amal"].id, topic=Topic.CLOSURES, choice=Choice.OFF),
                        NotificationChoice(user_id=house["amal"].id, topic=Topic.DECISIONS, choice=Choice.OFF)])
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"], status=Status.APPROVED)
    outbox.decided(db.session, Kind.APPROVED, [booking], house["leitung"])
    db.session.commit()
    assert len(mailserver.to("amal@example.org")) == 1  # a decision cannot be switched off, even by hand


def test_the_unsubscribe_link_in_a_reminder_switches_reminders_off_in_one_click(app, client, mailserver, house,
                                                                                 make):
    day = (now() + timedelta(hours=10)).astimezone(HOUSE_TZ)
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"], status=Status.APPROVED,
                           day=day.date(), start="23:00", end="23:30")
    booking.starts_at, booking.ends_at = now() + timedelta(hours=10), now() + timedelta(hours=11)
    db.session.commit()
    received = mailserver.only("amal@example.org")
    assert received.subject.startswith("Erinnerung: Seminarraum 1, ")
    header = received.message["List-Unsubscribe"]
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(https?://[^>]+)>", header.strip()).group(1)  # folded onto its own line
    assert link in received.body
    path = re.sub(r"^https?://[^/]+", "", link)
    assert "Erinnerungen vor den Buchungen Ihrer Gruppe" in client.get(path).text
    assert saved(house["amal"]) == {}  # looking is not unsubscribing
    # What a mail program sends on its own: a POST without a session or a CSRF token.
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert saved(house["amal"]) == {Topic.REMINDERS: Choice.OFF}
    forged = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    assert client.get(forged).status_code == 404 and client.post(forged).status_code == 404


def test_a_reminder_goes_out_once_before_each_approved_booking(mailserver, house, make):
    soon = make.booking(house["room"], house["group"], requested_by=house["amal"], status=Status.APPROVED)
    soon.starts_at, soon.ends_at = now() + timedelta(hours=20), now() + timedelta(hours=22)
    later = make.booking(house["room"], house["group"], day=future_day(weeks=3), status=Status.APPROVED)
    pending = make.booking(house["room"], house["group"], day=future_day(weeks=3), start="14:00", end="15:00")
    pending.starts_at, pending.ends_at = now() + timedelta(hours=5), now() + timedelta(hours=6)
    db.session.commit()
    for _ in range(3):
        worker.send_due()
    assert len(mailserver.to("amal@example.org")) == 1
    [reminder] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == Kind.REMINDER)).all()
    assert json.loads(reminder.payload)["booking"] == soon.id
    assert later.id and pending.id  # neither is due for a reminder


def test_a_reminder_for_a_booking_withdrawn_meanwhile_is_not_sent(mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"], status=Status.APPROVED)
    booking.starts_at, booking.ends_at = now() + timedelta(hours=20), now() + timedelta(hours=22)
    db.session.commit()
    worker.schedule()
    booking.status = Status.CANCELLED
    db.session.commit()
    assert mailserver.messages == []
    [reminder] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert reminder.state == State.SKIPPED and reminder.last_error == "the booking has changed since"


def test_a_manager_who_chose_the_digest_gets_one_summary_a_day(client, auth, mailserver, house, make):
    auth.login(house["leitung"])
    assert choose(client, requests="digest").status_code == 303
    auth.logout()
    for weeks in (2, 3):
        booking = make.booking(house["room"], house["group"], requested_by=house["amal"], day=future_day(weeks=weeks),
                               title=f"Kurs {weeks}")
        outbox.request_submitted(db.session, booking, house["amal"])
    db.session.commit()
    # Held for the summary (today's may already have gone out with the queue's count).
    assert not any(m.subject.startswith("Neue Anfrage") for m in mailserver.messages)
    mailserver.received.clear()
    morning = next_morning()
    worker.send_due(at=morning)
    worker.send_due(at=morning + timedelta(hours=3))
    summary = mailserver.only("leitung@example.org")
    assert summary.subject.startswith("Treffpunkt: Ihre Zusammenfassung vom ")
    assert "Neue Anfrage: Kurs 2" in summary.body and "Neue Anfrage: Kurs 3" in summary.body
    assert "2 Anfragen warten auf eine Entscheidung" in summary.body
    assert "http://localhost/manage/queue" in summary.body
    worker.send_due(at=morning + timedelta(days=1))  # nothing new held; the queue still waits
    assert len(mailserver.to("leitung@example.org")) == 2
    assert "Neue Anfrage" not in mailserver.to("leitung@example.org")[1].body


def test_the_managers_badge_counts_pending_requests_and_series_once(client, auth, house, make):
    auth.login(house["leitung"])
    assert 'id="pending-count"' not in client.get("/board/").text
    make.booking(house["room"], house["group"])
    make.booking(house["room"], house["group"], day=future_day(weeks=3))
    page = client.get("/board/").text
    assert re.search(r'id="pending-count"><span class="visually-hidden">2 warten</span><span aria-hidden="true">2</span>',
                     page)
    auth.logout()
    auth.login(house["amal"])
    assert 'id="pending-count"' not in client.get("/requests/").text


def test_a_partner_sees_what_was_decided_since_the_last_visit(client, auth, house, make):
    first = make.booking(house["room"], house["group"], requested_by=house["amal"], title="Chorprobe")
    second = make.booking(house["room"], house["group"], requested_by=house["amal"], day=future_day(weeks=3),
                          title="Elterncafé")
    auth.login(house["amal"])
    assert "decided-since-last-visit" not in client.get("/requests/").text  # the first visit
    workflow.approve(db.session, first, house["leitung"], now())
    db.session.commit()
    page = client.get("/requests/").text
    assert "Seit Ihrem letzten Besuch wurde 1 Anfrage entschieden" in page
    row = re.search(rf'<tr id="booking-{first.id}">.*?</tr>', page, re.S).group(0)
    assert "badge--new" in row
    assert "badge--new" not in re.search(rf'<tr id="booking-{second.id}">.*?</tr>', page, re.S).group(0)
    assert "decided-since-last-visit" not in client.get("/requests/").text  # seen now
