"""The house's main journeys in a real browser, in German as most users see it.

A partner group requests a room and sees the live check answer; the manager approves
the request in place; the front desk finds it on the day's board; another group learns
only that the slot is taken. Elements are found by role and accessible name, so the
journeys also prove that the pages can be used with a screen reader.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import Booking, Organisation, Status
from tests.browser.conftest import open_day
from tests.conftest import at

pytestmark = pytest.mark.browser

ROOM = "Seminarraum 1"
ROOM_CAPACITY = 20
PARTNER_ORG = "Deutsch für alle e.V."
OTHER_ORG = "Syrisch-Deutscher Kulturverein"
MANAGER_NAME = "Sabine Richter"


def booking_titled(live_server, title: str) -> Booking:
    """The one booking with this title, read from the server's database with its organisation."""
    with live_server.app.app_context():
        booking = db.session.scalars(
            sa.select(Booking).where(Booking.title == title).options(joinedload(Booking.organisation))
        ).one()
        db.session.expunge_all()
        return booking


def organisation_named(live_server, name: str) -> Organisation:
    with live_server.app.app_context():
        organisation = db.session.scalars(sa.select(Organisation).where(Organisation.name == name)).one()
        db.session.expunge_all()
        return organisation


def fill_slot(page: Page, de, day, start: str, end: str) -> None:
    """Choose the room, the day and the time in the request form, as a person would."""
    page.get_by_label(de("Room, plot or equipment")).select_option(
        label=de("%(name)s (up to %(n)s people)", name=ROOM, n=ROOM_CAPACITY)
    )
    page.get_by_label(de("Date")).fill(day.isoformat())
    page.get_by_label(de("From")).fill(start)
    page.get_by_label(de("Until")).fill(end)


def main_nav(page: Page, de):
    """The main navigation; on a phone it is in the menu, which a person opens first."""
    nav = page.get_by_role("navigation", name=de("Main"))
    if not nav.is_visible():
        page.get_by_text(de("Menu"), exact=True).click()
    return nav


def test_request_is_approved_in_place_shows_on_the_board_and_stays_private(
    new_page, login, live_server, de, browser_problems, screenshot
):
    day = open_day(weekday=1, weeks=3)  # a Tuesday beyond the demo fortnight: the room is free
    title = "Elternabend Sprachkurs"
    note = "Bitte zwölf Stühle im Kreis, wir bringen Tee mit."

    # a) The partner group requests Seminarraum 1 and the live check says it is free.
    partner = login(new_page(), "partner@example.org")
    main_nav(partner, de).get_by_role("link", name=de("New request")).click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(de("New request"))
    check = partner.get_by_role("region", name=de("Is it free?"))
    expect(check).to_contain_text(
        de("Choose what you need, the date and the time: you will see here right away whether it is free.")
    )
    partner.evaluate("window.__noReload = 42")
    fill_slot(partner, de, day, "10:00", "11:30")
    partner.get_by_label(de("Expected attendees")).fill("12")
    partner.get_by_label(de("Title")).fill(title)
    partner.get_by_label(de("What is it for?")).select_option(label=de("Meeting"))
    partner.get_by_label(de("Note for the house")).fill(note)
    expect(check.locator(".notice--ok")).to_contain_text(de("Free."))
    expect(check).to_contain_text(ROOM)
    expect(check).to_contain_text("10:00")
    expect(check).to_contain_text("11:30")
    assert partner.evaluate("window.__noReload") == 42, "the live check reloaded the page"
    screenshot(partner, "new-request-live-check")

    partner.get_by_role("button", name=de("Send request")).click()
    expect(partner).to_have_url(re.compile(r"/requests/$"))
    expect(partner.locator("#flashes").get_by_role("status")).to_contain_text(
        de("Your request for %(name)s has been sent. The house will reply soon.", name=ROOM)
    )
    row = partner.get_by_role("row").filter(has=partner.get_by_role("link", name=title))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ROOM)
    expect(row).to_contain_text("10:00–11:30")
    expect(row.locator(".badge")).to_have_text(de("pending"))
    screenshot(partner, "my-requests")

    booking = booking_titled(live_server, title)
    assert booking.status == Status.PENDING
    assert booking.organisation.name == PARTNER_ORG
    assert (booking.starts_at, booking.ends_at) == (at(day, "10:00"), at(day, "11:30"))
    assert (booking.attendees, booking.note) == (12, note)

    # b) The manager approves it in the queue without the page reloading.
    manager = login(new_page(), "manager@example.org")
    expect(manager).to_have_url(re.compile(r"/manage/queue$"))
    card = manager.get_by_role("article").filter(has_text=title)
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("id", f"request-{booking.id}")
    expect(card.locator(".badge")).to_have_text(de("pending"))
    expect(card).to_contain_text(de("No clashes: the slot is free."))
    card.scroll_into_view_if_needed()
    screenshot(manager, "queue-before-approval")

    manager.evaluate("window.__noReload = 42")
    card.get_by_role("button", name=de("Approve"), exact=True).click()
    expect(card.locator(".badge")).to_have_text(de("approved"))
    expect(card.get_by_role("status")).to_have_text(de("Approved by %(name)s.", name=MANAGER_NAME))
    expect(card.get_by_role("button", name=de("Approve"), exact=True)).to_have_count(0)
    assert manager.evaluate("window.__noReload") == 42, "approving reloaded the page"
    assert booking_titled(live_server, title).status == Status.APPROVED
    screenshot(manager, "queue-after-approval")

    # c) The front desk sees title and group on the board and moves a day on and back.
    desk = login(new_page(), "desk@example.org")
    desk.goto(f"/board/?date={day.isoformat()}")
    room_row = desk.get_by_role("list", name=ROOM, exact=True)
    block = room_row.locator(f"#board-block-{booking.id}")
    expect(block).to_contain_text(title)
    expect(block).to_contain_text(PARTNER_ORG)
    expect(block).to_contain_text("10:00–11:30")
    agenda = desk.get_by_role("region", name=de("In order of time"))
    expect(agenda).to_contain_text(title)
    screenshot(desk, "board-desktop")

    desk.evaluate("window.__noReload = 42")
    next_day = day + timedelta(days=1)
    desk.get_by_role("navigation", name=de("Choose a day")).get_by_role("link", name=de("Next day")).click()
    expect(desk).to_have_url(re.compile(rf"/board/\?date={next_day.isoformat()}$"))
    expect(desk.get_by_label(de("Date"))).to_have_value(next_day.isoformat())
    expect(desk.locator(f"#board-block-{booking.id}")).to_have_count(0)
    expect(agenda).not_to_contain_text(title)

    desk.get_by_role("navigation", name=de("Choose a day")).get_by_role("link", name=de("Previous day")).click()
    expect(desk).to_have_url(re.compile(rf"/board/\?date={day.isoformat()}$"))
    expect(desk.get_by_label(de("Date"))).to_have_value(day.isoformat())
    expect(desk.locator(f"#board-block-{booking.id}")).to_contain_text(title)
    assert desk.evaluate("window.__noReload") == 42, "the day navigation reloaded the page"

    # d) Another group learns only that the slot is taken: no title, note, group or contact.
    organisation = organisation_named(live_server, PARTNER_ORG)
    private = [
        title, note, PARTNER_ORG,
        organisation.contact_name, organisation.email, organisation.phone, "partner@example.org",
    ]

    def assert_private(page: Page, where: str) -> None:
        html = page.content()
        leaked = [text for text in private if text in html]
        assert leaked == [], f"{where} shows another group's details"

    other = login(new_page(), "partner2@example.org")
    expect(other.get_by_role("heading", level=1)).to_have_text(de("Requests of %(org)s", org=OTHER_ORG))
    assert_private(other, "Meine Anfragen")

    other.goto(f"/board/?date={day.isoformat()}")
    block = other.get_by_role("list", name=ROOM, exact=True).locator(f"#board-block-{booking.id}")
    expect(block.locator(".block__org")).to_have_text(de("Booked"))
    expect(block.locator(".block__title")).to_have_count(0)
    expect(block).to_contain_text("10:00–11:30")
    assert_private(other, "the board")
    screenshot(other, "board-other-group")

    main_nav(other, de).get_by_role("link", name=de("New request")).click()
    fill_slot(other, de, day, "10:00", "11:30")
    check = other.locator("#slot-check")
    expect(check.locator(".notice--bad")).to_contain_text(
        de("%(name)s is already booked %(when)s.", name=ROOM, when="10:00–11:30")
    )
    assert_private(other, "the live check")

    detail_url = f"{live_server.url}/requests/{booking.id}"
    browser_problems.expected_failures.add(detail_url)
    response = other.goto(detail_url)
    assert response is not None and response.status in (403, 404)
    assert_private(other, "the refused request page")

    # e) None of this raised a JavaScript error or broke the content security policy.
    browser_problems.assert_none()
