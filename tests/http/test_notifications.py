"""Messages for every step of a request, sent by the outbox worker to a real SMTP server.

Requests only write rows to the outbox; reading the mailbox runs the worker once (see
tests/mailserver.py), so each test reads what the people concerned would find in their mail.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import icalendar
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from booking import series as serieswork
from booking import workflow
from booking.clock import now
from booking.extensions import db
from booking.models import Booking, Role, Status
from booking.notify import outbox, worker
from booking.notify.models import Kind, OutboxMessage, State
from booking.recurrence import Pattern
from tests.conftest import count_rows, future_day
from tests.mailserver import Handler, mailserver  # noqa: F401 (a fixture)

PUBLIC = "https://treffpunkt.example.org"


@pytest.fixture
def app_config(app_config):
    app_config["PUBLIC_URL"] = PUBLIC
    return app_config


@pytest.fixture
def house(make):
    """Two managers (German, English), a group with two members (German, English), a room."""
    group = make.organisation("Deutsch für alle e.V.", email="kontakt@dfa.example")
    return {
        "group": group,
        "leitung": make.user(Role.MANAGER, name="Petra Leitung", email="leitung@example.org", language="de"),
        "manager_en": make.user(Role.MANAGER, name="Sam Manager", email="sam@example.org", language="en"),
        "amal": make.user(Role.PARTNER, group, name="Amal Haddad", email="amal@example.org", language="de"),
        "erin": make.user(Role.PARTNER, group, name="Erin Moss", email="erin@example.org", language="en"),
        "room": make.resource("Seminarraum 1", capacity=20, location="1. OG"),
    }


def request_data(room, day=None, **overrides):
    data = {"resource_id": str(room.id), "date": (day or future_day()).isoformat(), "start": "18:00",
            "end": "20:00", "purpose_id": "7", "title": "Deutschkurs A2", "attendees": "12", "units": "1", "note": ""}
    return data | overrides


def rows(*where) -> list[OutboxMessage]:
    db.session.commit()
    return db.session.scalars(sa.select(OutboxMessage).where(*where).order_by(OutboxMessage.id)).all()


def test_a_new_request_tells_each_manager_once_in_their_language(client, auth, mailserver, house):
    auth.login(house["amal"])
    assert client.post("/requests/new", data=request_data(house["room"])).status_code in (302, 303)
    booking = db.session.scalars(sa.select(Booking)).one()
    german = mailserver.only("leitung@example.org")
    english = mailserver.only("sam@example.org")
    assert german.subject.startswith("Neue Anfrage: Deutschkurs A2 – Seminarraum 1, ")
    assert english.subject.startswith("New request: Deutschkurs A2 – Seminarraum 1, ")
    assert german.message["Content-Language"] == "de" and english.message["Content-Language"] == "en"
    assert f"{PUBLIC}/requests/{booking.id}" in german.body and f'href="{PUBLIC}/requests/{booking.id}"' in german.html
    assert "Deutsch für alle e.V. fragt Seminarraum 1 an" in german.body
    assert mailserver.to("amal@example.org") == []  # the one who asked knows
    assert len(mailserver.messages) == 2


def test_an_approval_reaches_each_member_once_with_a_link_and_a_calendar_file(client, auth, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"], start="18:00", end="20:00")
    auth.login(house["leitung"])
    assert client.post(f"/manage/bookings/{booking.id}/approve").status_code == 303
    for address, word in (("amal@example.org", "Bestätigt: Seminarraum 1, "), ("erin@example.org", "Approved: Seminarraum 1, ")):
        received = mailserver.only(address)
        assert received.subject.startswith(word) and received.subject.endswith(", 18:00–20:00")
        assert f"{PUBLIC}/requests/{booking.id}" in received.body
        [ics] = [part for part in received.message.iter_attachments() if part.get_content_type() == "text/calendar"]
        [event] = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
        assert event.decoded("dtstart") == booking.starts_at and event.decoded("dtend") == booking.ends_at
        assert str(event["summary"]) == "Treffen"
    assert mailserver.to("leitung@example.org") == []
    assert len(mailserver.messages) == 2


def test_a_rejection_carries_the_reason_and_no_calendar_file(client, auth, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"])
    auth.login(house["leitung"])
    client.post(f"/manage/bookings/{booking.id}/reject", data={"reason": "Der Raum wird renoviert."})
    received = mailserver.only("amal@example.org")
    assert received.subject.startswith("Abgelehnt: Seminarraum 1, ")
    assert "Der Raum wird renoviert." in received.body and "Der Raum wird renoviert." in received.html
    assert not list(received.message.iter_attachments())
    assert len(mailserver.to("erin@example.org")) == 1


def test_a_withdrawal_tells_the_other_members_not_the_one_who_withdrew(client, auth, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"])
    auth.login(house["amal"])
    assert client.post(f"/requests/{booking.id}/withdraw").status_code == 303
    received = mailserver.only("erin@example.org")
    assert received.subject.startswith("Withdrawn: Seminarraum 1, ")
    assert "Amal Haddad withdrew" in received.body
    assert mailserver.to("amal@example.org") == []


def send_series(house, count=4):
    pattern = Pattern(future_day(1, weeks=3), time(17), time(19), (1,), count=count)
    chosen = [p for p in serieswork.preview(db.session, pattern, house["room"], 12, now(), None) if p.wanted]
    series = serieswork.send(db.session, pattern, chosen, resource=house["room"], by=house["amal"],
                             organisation=house["group"], title="Kurs", attendees=12)
    db.session.commit()
    return series


def test_a_series_is_one_message_with_its_dates_each_way(client, auth, mailserver, house):
    series = send_series(house)
    n = len(series.bookings)
    asked = mailserver.only("leitung@example.org")
    assert asked.subject.startswith(f"Neue Serie: Kurs – Seminarraum 1, {n} Termine ab ")
    assert asked.body.count("\n- ") == n
    assert f"{PUBLIC}/manage/series/{series.id}" in asked.body

    auth.login(house["leitung"])
    client.post(f"/manage/series/{series.id}/approve", data={"booking_ids": [b.id for b in series.bookings]})
    approved = mailserver.only("amal@example.org")
    assert approved.subject.startswith(f"Bestätigt: Seminarraum 1, {n} Termine ab ")
    assert f"{PUBLIC}/requests/series/{series.id}" in approved.body
    [ics] = list(approved.message.iter_attachments())
    events = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert sorted(e.decoded("dtstart") for e in events) == [b.starts_at for b in series.bookings]

    client.post(f"/requests/series/{series.id}/cancel", data={"booking_id": series.bookings[0].id, "scope": "all"})
    cancelled = mailserver.to("erin@example.org")[-1]
    assert cancelled.subject.startswith(f"Cancelled: Seminarraum 1, {n} dates from ")
    assert len(mailserver.to("erin@example.org")) == 2


def test_moving_a_series_tells_the_group_once(client, auth, mailserver, house, make):
    series = send_series(house)
    other = make.resource("Seminarraum 2", capacity=20)
    auth.login(house["leitung"])
    mailserver.received.clear()
    rows()  # the managers' messages about the new series are sent first
    worker.send_due()
    mailserver.received.clear()
    response = client.post(f"/requests/series/{series.id}/change", data={
        "booking_id": series.bookings[1].id, "start": "16:00", "end": "18:00", "resource_id": str(other.id)})
    assert response.status_code == 303
    changed = mailserver.only("amal@example.org")
    assert changed.subject.startswith("Geändert: Seminarraum 2, ") and ", 16:00–18:00" in changed.body


def test_a_closure_tells_each_group_affected_once(client, auth, mailserver, house, make):
    day = future_day(weekday=2, weeks=3)
    make.booking(house["room"], house["group"], day=day, status=Status.APPROVED, title="Chorprobe")
    make.booking(house["room"], house["group"], day=day, start="14:00", end="15:00", status=Status.APPROVED,
                 title="Elterncafé")
    make.booking(house["room"], house["group"], day=day + timedelta(days=1), status=Status.APPROVED)
    other_group = make.organisation("Chor", email="")
    make.user(Role.PARTNER, other_group, email="chor@example.org")
    make.booking(house["room"], other_group, day=day, start="16:00", end="17:00", status=Status.APPROVED)
    auth.login(house["leitung"])
    response = client.post("/manage/closures/new", data={"resource_id": "", "first_day": day.isoformat(),
                                                          "reason": "Wasserschaden"})
    assert response.status_code == 303
    received = mailserver.only("amal@example.org")
    assert received.subject.startswith("Schließung: Seminarraum 1, ")
    assert "Chorprobe" in received.body and "Elterncafé" in received.body and "Wasserschaden" in received.body
    assert len(mailserver.only("chor@example.org").body) > 0
    assert len(mailserver.to("erin@example.org")) == 1


def test_a_rolled_back_change_sends_nothing(app, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"])
    workflow.approve(db.session, booking, house["leitung"], now())
    db.session.rollback()
    assert mailserver.messages == []
    assert count_rows(OutboxMessage) == 0


def test_a_refused_approval_sends_nothing(client, auth, mailserver, house, make):
    make.booking(house["room"], make.organisation(), status=Status.APPROVED)
    clash = make.booking(house["room"], house["group"], requested_by=house["amal"])
    auth.login(house["leitung"])
    assert client.post(f"/manage/bookings/{clash.id}/approve").status_code == 409
    assert mailserver.messages == []


def test_nothing_is_sent_inside_the_request(client, auth, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"])
    auth.login(house["leitung"])
    client.post(f"/manage/bookings/{booking.id}/approve")
    assert mailserver.received == []  # the server has not been spoken to
    assert [r.state for r in rows()] == [State.PENDING, State.PENDING]
    assert len(mailserver.messages) == 2  # the worker sends them


def test_mail_server_down_and_up_again_everything_arrives_once(app, client, auth, mailserver, house, make):
    port = mailserver.controller.port
    mailserver.controller.stop()
    bookings = [make.booking(house["room"], house["group"], requested_by=house["amal"],
                             day=future_day(weeks=w)) for w in (2, 3, 4)]
    auth.login(house["leitung"])
    for booking in bookings:
        assert client.post(f"/manage/bookings/{booking.id}/approve").status_code == 303
    db.session.commit()
    report = worker.send_due()
    assert report.retrying == 6 and report.sent == 0
    assert {r.attempts for r in rows()} == {1} and all("Connection" in r.last_error for r in rows())

    mailserver.controller = Controller(Handler(mailserver), hostname="127.0.0.1", port=port)
    mailserver.controller.start()
    assert worker.send_due().sent == 0  # each waits its minute
    assert worker.send_due(at=now() + timedelta(minutes=2)).sent == 6
    worker.send_due(at=now() + timedelta(hours=3))
    assert len(mailserver.received) == 6
    assert sorted(len(mailserver.to(a)) for a in ("amal@example.org", "erin@example.org")) == [3, 3]
    assert {r.state for r in rows()} == {State.SENT}


def test_titles_cannot_add_headers_or_markup(client, auth, mailserver, house, make):
    title = 'Kurs\r\nBcc: evil@example.org\r\n\r\n<script>alert(1)</script><a href="https://evil.example">x</a>'
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"], title=title)
    outbox.request_submitted(db.session, booking, house["amal"])
    db.session.commit()
    received = mailserver.only("leitung@example.org")
    assert received.message["Bcc"] is None and "\n" not in received.subject
    assert received.subject.startswith("Neue Anfrage: Kurs Bcc: evil@example.org <script>")
    assert all(m.rcpt_tos in (["leitung@example.org"], ["sam@example.org"]) for m in mailserver.messages)
    assert "<script>" not in received.html and "&lt;script&gt;" in received.html
    assert 'href="https://evil.example"' not in received.html


def test_the_calendar_file_holds_the_right_instants_across_the_clock_change(mailserver, house, make):
    """18:00 in Plauen is 17:00 UTC before the last Sunday of March and 16:00 UTC after it."""
    before, after = date(2027, 3, 23), date(2027, 3, 30)
    dates = [make.booking(house["room"], house["group"], day=d, start="18:00", end="20:00",
                          title='Kurs; "A";\nB,C', status=Status.APPROVED) for d in (before, after)]
    outbox.decided(db.session, Kind.APPROVED, dates, house["leitung"])
    db.session.commit()
    received = mailserver.only("amal@example.org")
    [ics] = list(received.message.iter_attachments())
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [e.decoded("dtstart").isoformat() for e in events] == ["2027-03-23T17:00:00+00:00", "2027-03-30T16:00:00+00:00"]
    assert [e.decoded("dtend").isoformat() for e in events] == ["2027-03-23T19:00:00+00:00", "2027-03-30T18:00:00+00:00"]
    assert all(str(e["summary"]) == 'Kurs; "A";\nB,C' for e in events)  # the title stays inside its field
    assert received.subject == "Bestätigt: Seminarraum 1, 2 Termine ab Di., 23. März 2027, 18:00–20:00"


def test_a_recipient_without_an_address_is_skipped_and_the_skip_recorded(client, auth, mailserver, house, make):
    lonely = make.organisation("Ohne Adresse", email="")
    booking = make.booking(house["room"], lonely, requested_by=make.user(Role.PARTNER, lonely, email="x@example.org"))
    db.session.execute(sa.update(type(house["amal"])).where(type(house["amal"]).organisation_id == lonely.id)
                       .values(active=False))
    db.session.commit()
    outbox.decided(db.session, Kind.APPROVED, [booking], house["leitung"])
    mute = make.user(Role.PARTNER, house["group"], email="")
    outbox.decided(db.session, Kind.APPROVED, [make.booking(house["room"], house["group"], day=future_day(weeks=5))],
                   house["leitung"])
    db.session.commit()
    assert mailserver.to("") == []
    skipped = rows(OutboxMessage.state == State.SKIPPED)
    assert {(r.recipient_id, r.last_error) for r in skipped} == {(None, "no e-mail address"),
                                                                 (mute.id, "no e-mail address")}
    auth.login(house["leitung"])
    page = client.get("/manage/outbox").text
    assert page.count("Keine E-Mail-Adresse") == 2


def test_a_bounce_fails_at_once_and_is_not_tried_again(client, auth, mailserver, house, make):
    mailserver.refuse["erin@example.org"] = "550 5.1.1 No such user"
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"])
    outbox.decided(db.session, Kind.APPROVED, [booking], house["leitung"])
    db.session.commit()
    assert len(mailserver.to("amal@example.org")) == 1 and mailserver.to("erin@example.org") == []
    for hours in (1, 5, 48):
        worker.send_due(at=now() + timedelta(hours=hours))
    [failed] = rows(OutboxMessage.state == State.FAILED)
    assert failed.attempts == 1 and "550" in failed.last_error

    auth.login(house["leitung"])
    page = client.get("/manage/outbox")
    assert "550 5.1.1 No such user" in page.text and "Erin Moss" in page.text
    assert "Unzustellbare E-Mails" in client.get("/manage/queue").text  # the navigation points to it
    del mailserver.refuse["erin@example.org"]
    assert client.post(f"/manage/outbox/{failed.id}/retry").status_code == 303
    assert len(mailserver.to("erin@example.org")) == 1
    assert rows(OutboxMessage.id == failed.id)[0].state == State.SENT


def test_send_again_is_only_for_failed_messages(client, auth, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"])
    outbox.decided(db.session, Kind.APPROVED, [booking], house["leitung"])
    db.session.commit()
    waiting = rows()[0]
    auth.login(house["leitung"])
    client.post(f"/manage/outbox/{waiting.id}/retry")
    assert rows(OutboxMessage.id == waiting.id)[0].state == State.PENDING
    assert client.post("/manage/outbox/999999/retry").status_code == 404
    auth.logout()
    auth.login(house["amal"])
    assert client.get("/manage/outbox").status_code == 403
    assert client.post(f"/manage/outbox/{waiting.id}/retry").status_code == 403


def test_the_long_running_worker_sends_on_each_pass(app, mailserver, house, make):
    booking = make.booking(house["room"], house["group"], requested_by=house["amal"])
    outbox.decided(db.session, Kind.APPROVED, [booking], house["leitung"])
    db.session.commit()
    passes, lines = [], []
    worker.run(0, stop=lambda: passes.append(1) or len(passes) > 2, log=lines.append)
    assert len(mailserver.received) == 2  # sent on the first pass, never again
    assert lines == ["sent 2, failed 0, retrying 0, skipped 0, held 0, scheduled 0"]


def test_on_sqlite_a_second_worker_does_not_start(app, runner):
    import fcntl
    from pathlib import Path

    if db.engine.dialect.name != "sqlite":
        pytest.skip("several workers share the work on PostgreSQL")
    with (Path(app.instance_path) / "outbox-worker.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "Another outbox worker is running" in result.output
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
