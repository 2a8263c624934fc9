"""The manager decides well: a counter-offer's round trip (the manager proposes, the group accepts,
the front desk sees it on the board) and three competing Saal requests decided on one page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from booking.clock import to_utc
from booking.decisions.models import Offer, OfferState
from booking.extensions import db
from booking.models import Booking, Organisation, Resource, Status, User
from tests.browser.conftest import open_day

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/decide")


def keep(screenshot, page, name: str) -> None:
    """A screenshot in the usual place, and a copy for the person checking these pages."""
    path = screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def pending(live_server, group: str, day, start, end, title: str, attendees: int = 20, note: str = "") -> int:
    """A pending Saal request of a demo group, written straight into the server's database."""
    with live_server.app.app_context():
        saal = db.session.scalar(sa.select(Resource).where(Resource.name == "Saal"))
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == group))
        member = db.session.scalar(sa.select(User).where(User.organisation_id == organisation.id))
        booking = Booking(resource=saal, organisation=organisation, requested_by=member, title=title,
                          attendees=attendees, note=note, starts_at=to_utc(day, start), ends_at=to_utc(day, end),
                          status=Status.PENDING)
        db.session.add(booking)
        db.session.commit()
        return booking.id


def read(live_server, model, ident):
    with live_server.app.app_context():
        return db.session.get(model, ident)


def test_counter_offer_round_trip(new_page, login, live_server, de, browser_problems, screenshot):
    from datetime import time

    day = open_day(weekday=3, weeks=7)
    booking_id = pending(live_server, "Deutsch für alle e.V.", day, time(10), time(12), "Sprachcafé im Saal")

    manager = login(new_page(), "manager@example.org")
    manager.goto("/manage/queue")
    card = manager.locator(f"#request-{booking_id}")
    card.get_by_role("link", name=de("Offer another slot …")).click()
    expect(manager.get_by_role("heading", name=de("Offer another slot"), exact=True)).to_be_visible()
    alternatives = manager.locator(".decision-alternatives li")
    expect(alternatives.first).to_be_visible()
    keep(screenshot, manager, "offer-1280")
    alternatives.first.get_by_role("link", name=de("Take this")).click()
    offered_room = manager.get_by_label(de("Resource")).locator("option:checked").inner_text()
    manager.get_by_label(de("Message for the group")).fill("Der Saal ist vormittags schon vergeben.")
    manager.get_by_role("button", name=de("Send the offer")).click()
    expect(manager.locator(".flash")).to_contain_text(de("Counter-offer sent to %(group)s.", group="Deutsch für alle e.V."))
    expect(manager.locator(".notice--warn")).to_contain_text(offered_room)

    partner = login(new_page(phone=True), "partner@example.org")
    partner.goto("/requests/")
    row = partner.get_by_role("row").filter(has=partner.get_by_role("link", name="Sprachcafé im Saal"))
    expect(row).to_contain_text(de("The house offers you another time:"))
    expect(row).to_contain_text("Der Saal ist vormittags schon vergeben.")
    expect(row).to_contain_text(offered_room)
    keep(screenshot, partner, "offer-in-my-requests-360")
    phone = partner
    partner = login(new_page(), "partner@example.org")  # the header overflows a phone's width: see the report
    partner.goto("/requests/")
    row = partner.get_by_role("row").filter(has=partner.get_by_role("link", name="Sprachcafé im Saal"))
    button = row.get_by_role("button", name=de("Accept"))
    button.click()
    expect(partner.locator(".flash")).to_contain_text(de("Accepted. Your booking is approved."))
    expect(partner.locator(".badge--approved").first).to_be_visible()
    phone.goto(partner.url)
    keep(screenshot, phone, "offer-accepted-360")

    with live_server.app.app_context():
        moved = db.session.get(Booking, booking_id)
        assert moved.status == Status.APPROVED and moved.resource.name == offered_room
    desk = login(new_page(), "desk@example.org")
    desk.goto(f"/board/?date={day.isoformat()}")
    expect(desk.locator(f"#board-block-{booking_id}")).to_contain_text("Sprachcafé im Saal")
    browser_problems.assert_none()


def test_three_competing_saal_requests_decided_on_one_page(new_page, login, live_server, de, browser_problems,
                                                           screenshot):
    from datetime import time

    day = open_day(weekday=4, weeks=8)
    ids = [
        pending(live_server, "Frauencafé Plauen", day, time(14), time(18), "Frühlingsfest", 60,
                note="Mit Kuchenbuffet und Musik"),
        pending(live_server, "Syrisch-Deutscher Kulturverein", day, time(15), time(19), "Konzertabend", 70),
        pending(live_server, "Evangelische Kirchgemeinde", day, time(13), time(15), "Jahresversammlung", 40),
    ]
    manager = login(new_page(), "manager@example.org")
    manager.goto("/manage/queue")
    manager.locator(f"#request-{ids[0]}").get_by_role("link", name=de("Decide together …")).click()
    expect(manager.get_by_role("heading", name=de("Decide competing requests together"))).to_be_visible()
    for booking_id in ids:
        expect(manager.locator(f"#rival-{booking_id}")).to_be_visible()
    expect(manager.locator(f"#rival-{ids[0]}")).to_contain_text("Mit Kuchenbuffet und Musik")
    keep(screenshot, manager, "together-1280")
    phone = login(new_page(phone=True), "manager@example.org")
    phone.set_viewport_size({"width": 360, "height": 800})
    phone.goto(manager.url)
    keep(screenshot, phone, "together-360")

    manager.locator(f"#rival-{ids[1]}").get_by_text(de("Approve this one")).click()
    manager.get_by_label(de("Offer each the next free slot (rejected if there is none)")).check()
    manager.get_by_label(de("Reason for the others")).fill("Der Konzertabend war schon lange angekündigt.")
    manager.get_by_role("button", name=de("Decide"), exact=True).click()
    expect(manager).to_have_url(re.compile(r"/manage/queue"))
    expect(manager.locator(".flash")).to_contain_text("Konzertabend")

    statuses = [read(live_server, Booking, i).status for i in ids]
    assert statuses[1] == Status.APPROVED
    with live_server.app.app_context():
        open_offers = db.session.scalars(sa.select(Offer).where(Offer.booking_id.in_([ids[0], ids[2]]))).all()
        answered = {o.booking_id for o in open_offers if o.state == OfferState.OPEN}
        rejected = {i for i in (ids[0], ids[2]) if db.session.get(Booking, i).status == Status.REJECTED}
    assert answered | rejected == {ids[0], ids[2]}
    for name, path in (("offer-360", f"/manage/bookings/{ids[0]}/offer"), ("change-360", f"/manage/bookings/{ids[1]}/change")):
        phone.goto(path)
        expect(phone.locator("h1")).to_be_visible()
        keep(screenshot, phone, name)
    manager.goto(f"/manage/bookings/{ids[1]}/change")
    keep(screenshot, manager, "change-1280")
    browser_problems.assert_none()
