"""A partner picks a taken slot, reads why, takes one of the alternatives with one click, and sends it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from booking.clock import to_utc
from booking.extensions import db
from booking.models import Booking, Organisation, Resource, Status
from tests.browser.conftest import open_day

pytestmark = pytest.mark.browser

ROOM = "Seminarraum 1"


def approve_in_advance(live_server, day, start, end) -> None:
    """Another group already holds the room (written straight into the server's database)."""
    with live_server.app.app_context():
        room = db.session.scalar(sa.select(Resource).where(Resource.name == ROOM))
        group = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Evangelische Kirchgemeinde"))
        db.session.add(Booking(
            resource=room, organisation=group, requested_by=group.members[0], title="Gemeindeabend",
            starts_at=to_utc(day, start), ends_at=to_utc(day, end), status=Status.APPROVED,
        ))
        db.session.commit()


def test_partner_takes_an_alternative_to_a_taken_slot(new_page, login, live_server, de, browser_problems, screenshot):
    from datetime import time

    day = open_day(weekday=2, weeks=4)  # a Wednesday beyond the demo fortnight
    approve_in_advance(live_server, day, time(18), time(20))

    partner = login(new_page(phone=True), "partner@example.org")
    partner.goto("/requests/new")
    partner.evaluate("window.__noReload = 7")
    partner.get_by_label(de("Expected attendees")).fill("12")
    partner.get_by_label(de("Room, plot or equipment")).select_option(
        label=de("%(name)s (up to %(n)s people)", name=ROOM, n=20))
    partner.get_by_label(de("Date")).fill(day.isoformat())
    partner.get_by_label(de("From")).fill("18:00")
    partner.get_by_label(de("Until")).fill("20:00")
    partner.get_by_label(de("Title")).fill("Elterncafé")  # typing the title does not ask the check again
    partner.get_by_label(de("What is it for?")).select_option(label=de("Meeting"))

    check = partner.get_by_role("region", name=de("Is it free?"))
    expect(check.locator(".notice--bad")).to_contain_text(ROOM)
    expect(check.locator(".notice--bad")).to_contain_text("18:00–20:00")
    expect(check).not_to_contain_text("Gemeindeabend")  # another group's title stays private
    choices = check.get_by_role("link")
    expect(choices).to_have_count(3)
    expect(choices.first).to_contain_text("Seminarraum 2")
    # the answer on screen is the one for every value typed, so no other check is still on its way
    expect(choices.first).to_have_attribute("href", re.compile(r"end=20(:|%3A)00&.*attendees=12&"))
    screenshot(partner, "alternatives-offered")

    choices.first.click()
    expect(partner.get_by_label(de("Room, plot or equipment"))).to_have_value(
        re.compile(r"\d+"))  # a real choice, checked by its label below
    selected = partner.get_by_label(de("Room, plot or equipment")).locator("option:checked")
    expect(selected).to_contain_text("Seminarraum 2")
    expect(partner.get_by_label(de("From"))).to_have_value("18:00")
    expect(partner.get_by_label(de("Title"))).to_have_value("Elterncafé")  # what was typed stays
    check = partner.get_by_role("region", name=de("Is it free?"))
    expect(check.locator(".notice--ok")).to_contain_text(de("Free."))
    assert partner.evaluate("window.__noReload") == 7, "picking an alternative reloaded the page"
    screenshot(partner, "alternative-taken")

    partner.get_by_role("button", name=de("Send request")).click()
    expect(partner).to_have_url(re.compile(r"/requests/$"))
    row = partner.get_by_role("row").filter(has=partner.get_by_role("link", name="Elterncafé"))
    expect(row).to_contain_text("Seminarraum 2")
    expect(row).to_contain_text("18:00–20:00")
    browser_problems.assert_none()
