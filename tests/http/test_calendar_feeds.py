"""Calendar feeds: valid iCalendar, stable events, privacy, secret addresses, 304 and revocation."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timezone
from html import unescape
from urllib.parse import urlsplit

import icalendar
import pytest
import sqlalchemy as sa
from flask import current_app

from booking import workflow
from booking.calendar.models import FeedToken
from booking.clock import now
from booking.extensions import db
from booking.models import Role, Status
from tests.conftest import future_day

URL = re.compile(r'id="feed-url-new"[^>]*value="([^"]+)"')


def make_feed(client, **data) -> str:
    """Make a feed on the page; the path of its new address."""
    response = client.post("/calendar/feeds/new", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    url = unescape(URL.search(response.get_data(as_text=True))[1])
    return url.removeprefix("http://localhost")


def uid(booking) -> str:
    """A booking's event UID: its id at the host of the site's address (PUBLIC_URL)."""
    return f"booking-{booking.id}@{urlsplit(current_app.config['PUBLIC_URL']).hostname}"


def events(body: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def house(make):
    ours = make.organisation("Deutsch für alle e.V.")
    theirs = make.organisation("Geheimer Chor")
    saal = make.resource("Saal", capacity=80)
    member = make.user(Role.PARTNER, ours)
    day = future_day(weekday=2, weeks=3)
    approved = make.booking(saal, ours, day=day, start="10:00", end="12:00", status=Status.APPROVED, title="Sprachkurs")
    pending = make.booking(saal, ours, day=day, start="14:00", end="15:00", status=Status.PENDING, title="Elterncafé")
    cancelled = make.booking(saal, ours, day=day, start="16:00", end="17:00", status=Status.CANCELLED, title="Abgesagt")
    secret = make.booking(saal, theirs, day=day, start="18:00", end="20:00", status=Status.APPROVED, title="Geheime Probe")
    return dict(ours=ours, theirs=theirs, saal=saal, member=member, day=day, approved=approved, pending=pending,
                cancelled=cancelled, secret=secret)


def test_the_group_feed_carries_its_bookings_with_their_status(client, auth, house):
    auth.login(house["member"])
    path = make_feed(client, kind="organisation")
    auth.logout()  # calendar programs have no session: the address is the permission
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    cal = icalendar.Calendar.from_ical(body)
    assert icalendar.Calendar.from_ical(cal.to_ical()) == cal  # round trip
    assert cal.to_ical() == body
    found = events(body)
    status = {str(e["SUMMARY"]).split(" · ")[0]: str(e["STATUS"]) for e in found.values()}
    assert status == {"Sprachkurs": "CONFIRMED", "Elterncafé": "TENTATIVE", "Abgesagt": "CANCELLED"}
    assert "Geheime Probe" not in body.decode()
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert zones == ["Europe/Berlin"]
    event = found[uid(house["approved"])]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART").astimezone(timezone.utc) == house["approved"].starts_at
    assert str(event["LOCATION"]) == "Saal"


def test_uids_stay_and_the_sequence_rises_with_every_change(client, auth, make, house):
    auth.login(house["member"])
    path = make_feed(client, kind="organisation")
    pending = uid(house["pending"])
    first = events(client.get(path).data)[pending]
    manager = make.user(Role.MANAGER)
    workflow.approve(db.session, house["pending"], manager, now())
    db.session.commit()
    second = events(client.get(path).data)[pending]
    assert str(second["STATUS"]) == "CONFIRMED"
    assert int(second["SEQUENCE"]) > int(first["SEQUENCE"])
    house["pending"].title = "Elterncafé neu"
    db.session.commit()
    third = events(client.get(path).data)[pending]
    assert int(third["SEQUENCE"]) > int(second["SEQUENCE"])
    assert str(third["SUMMARY"]).startswith("Elterncafé neu")


def test_unchanged_feeds_answer_304(client, auth, house):
    auth.login(house["member"])
    path = make_feed(client, kind="organisation")
    first = client.get(path)
    tag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    house["approved"].title = "Sprachkurs B1"
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_a_change_elsewhere_in_the_house_still_answers_304_with_a_new_tag(client, auth, house):
    auth.login(house["member"])
    path = make_feed(client, kind="organisation")
    tag = client.get(path).headers["ETag"]
    house["secret"].title = "Noch geheimer"  # another group's booking: not in this feed
    db.session.commit()
    db.session.rollback()
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] != tag  # the house moved on: the copy is current under its new tag
    newer = again.headers["ETag"]
    db.session.rollback()
    assert client.get(path, headers={"If-None-Match": newer}).status_code == 304
    house["approved"].title = "Sprachkurs B2"
    db.session.commit()
    db.session.rollback()
    assert client.get(path, headers={"If-None-Match": newer}).status_code == 200


def test_a_title_cannot_inject_lines(client, auth, make, house):
    evil = 'Chor; Probe, "laut"\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:gefälscht\\'
    make.booking(house["saal"], house["ours"], day=house["day"], start="08:00", end="09:00", status=Status.APPROVED,
                 title=evil)
    auth.login(house["member"])
    body = client.get(make_feed(client, kind="organisation")).data
    found = events(body)
    assert "evil" not in found
    assert len(found) == 4
    # The text comes back as it was typed (a line break reads as one newline).
    assert any(str(e["SUMMARY"]) == f"{evil.replace(chr(13), '')} · Deutsch für alle e.V." for e in found.values())
    for line in body.split(b"\r\n"):
        assert not line.startswith(b"UID:evil") and not line.startswith(b"SUMMARY:gef")


def test_times_around_the_change_of_the_clocks_are_the_right_instants(client, auth, make, house):
    back = date(2027, 10, 31)  # the clocks go back at 03:00
    forward = date(2027, 3, 28)  # the clocks go forward at 02:00
    make.booking(house["saal"], house["ours"], day=back, start="10:00", end="12:00", status=Status.APPROVED, title="Herbst")
    make.booking(house["saal"], house["ours"], day=forward, start="10:00", end="12:00", status=Status.APPROVED, title="Frühling")
    auth.login(house["member"])
    found = {str(e["SUMMARY"]).split(" · ")[0]: e for e in events(client.get(make_feed(client, kind="organisation")).data).values()}
    assert found["Herbst"].decoded("DTSTART").astimezone(timezone.utc) == datetime(2027, 10, 31, 9, 0, tzinfo=timezone.utc)
    assert found["Frühling"].decoded("DTSTART").astimezone(timezone.utc) == datetime(2027, 3, 28, 8, 0, tzinfo=timezone.utc)
    assert found["Frühling"].decoded("DTEND").astimezone(timezone.utc) == datetime(2027, 3, 28, 10, 0, tzinfo=timezone.utc)


def test_a_series_appears_as_its_dates(client, auth, make, house):
    from datetime import time

    from booking import series as serieswork
    from booking.recurrence import Pattern
    first = future_day(weekday=3, weeks=4)
    pattern = Pattern(first, time(17), time(19), (first.weekday(),), count=3)
    planned = [p for p in serieswork.preview(db.session, pattern, house["saal"], 10, now(), None) if p.wanted]
    serieswork.send(db.session, pattern, planned, resource=house["saal"], by=house["member"],
                    organisation=house["ours"], title="Kurs", attendees=10)
    db.session.commit()
    auth.login(house["member"])
    found = events(client.get(make_feed(client, kind="organisation")).data)
    dates = sorted(e.decoded("DTSTART").date() for e in found.values() if str(e["SUMMARY"]).startswith("Kurs "))
    assert len(dates) == 3 and len(set(dates)) == 3


def test_a_partner_s_resource_feed_shows_others_only_as_busy(client, auth, house):
    auth.login(house["member"])
    body = client.get(make_feed(client, kind="resource", resource_id=house["saal"].id)).data
    text = body.decode()
    assert "Geheime Probe" not in text and "Geheimer Chor" not in text
    found = events(body)
    assert str(found[uid(house["secret"])]["SUMMARY"]) == "Belegt"
    assert str(found[uid(house["approved"])]["SUMMARY"]).startswith("Sprachkurs")
    assert uid(house["pending"]) not in found  # busy means approved


def test_the_manager_s_feed_holds_everything_pending(client, auth, make, house):
    auth.login(make.user(Role.MANAGER))
    found = events(client.get(make_feed(client, kind="pending")).data)
    assert list(found) == [uid(house["pending"])]
    auth.logout()
    auth.login(house["member"])
    assert client.post("/calendar/feeds/new", data={"kind": "pending"}).status_code == 403


def test_revoked_and_renewed_addresses_answer_404(client, auth, house):
    auth.login(house["member"])
    old = make_feed(client, kind="organisation")
    new = make_feed(client, kind="organisation")  # a new address: the old one stops working
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    feed_id = db.session.scalar(sa.select(FeedToken.id).where(FeedToken.revoked_at.is_(None)))
    assert client.post(f"/calendar/feeds/{feed_id}/revoke").status_code == 200
    assert client.get(new).status_code == 404


def test_tokens_are_long_random_and_stored_only_hashed(client, auth, house):
    auth.login(house["member"])
    path = make_feed(client, kind="organisation")
    token = path.removeprefix("/calendar/feed/").removesuffix(".ics")
    assert len(token) >= 22 and len(set(token)) > 10  # at least 128 bits, URL-safe
    stored = db.session.scalars(sa.select(FeedToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
    assert client.get(path.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code == 404
    assert client.get("/calendar/feed/x.ics").status_code == 404


def test_another_group_s_feeds_do_not_exist_for_a_partner(client, auth, make, house):
    stranger = make.user(Role.PARTNER, house["theirs"])
    auth.login(stranger)
    make_feed(client, kind="organisation")
    theirs = db.session.scalar(sa.select(FeedToken.id))
    auth.logout()
    auth.login(house["member"])
    assert client.post("/calendar/feeds/new", data={"kind": "organisation",
                                                    "organisation_id": house["theirs"].id}).status_code == 404
    assert client.post(f"/calendar/feeds/{theirs}/revoke").status_code == 404
    assert client.post("/calendar/feeds/999999/revoke").status_code == 404
    page = client.get("/calendar/feeds").get_data(as_text=True)
    assert "Geheimer Chor" not in page


def test_a_feed_ends_with_its_account(client, auth, house):
    auth.login(house["member"])
    path = make_feed(client, kind="organisation")
    house["member"].active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_feed_addresses_never_reach_the_access_log(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    secret = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
    logging.getLogger("werkzeug").info('%s - - [x] "%s" %s -', "127.0.0.1", f"GET /calendar/feed/{secret}.ics HTTP/1.1", 404)
    assert caplog.records
    assert secret not in caplog.text
    assert "/calendar/feed/[token].ics" in caplog.text


def test_the_feeds_page_and_its_forms_keep_csrf(app_config, make):
    app_config["WTF_CSRF_ENABLED"] = True
    from booking import create_app
    app = create_app(app_config)
    with app.app_context():
        from tests.conftest import Factory, PASSWORD
        user = Factory(app).user(Role.PARTNER)
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page)[1]
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert client.post("/calendar/feeds/new", data={"kind": "organisation"}).status_code == 400
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedToken)) == 0
        db.session.remove()
        db.engine.dispose()
