"""Arabic pages mirror, at 360 and at 1280 px; keyboard users find the focus where the eye goes.

Positions are measured, not assumed: in Arabic the brand starts the header on the right, the
navigation runs from right to left, labels stand at the right of their fields, and the board's
first hour is on the right. A request is sent in Arabic at both widths. Then a partner requests
and a manager approves with the keyboard only; after each htmx swap the focus is visible and
where the next step is.
"""

from __future__ import annotations

import re
from datetime import time as dt_time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from booking.extensions import db
from booking.clock import to_utc
from booking.models import Booking, Organisation, Resource, Status, User
from tests.browser.conftest import open_day
from tests.browser.people import DESK_1280, PHONE_360, open_as, outside_the_screen

pytestmark = pytest.mark.browser

ROOM = "Seminarraum 2"


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not on the screen"
    return found


def right(b: dict) -> float:
    return b["x"] + b["width"]


def room_id(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalars(sa.select(Resource.id).where(Resource.name == ROOM)).one()


def forget(live_server, title: str) -> None:
    """Cancel a test's booking again: its slot is free for whatever runs next on the shared house."""
    with live_server.app.app_context():
        for booking in db.session.scalars(sa.select(Booking).where(Booking.title == title)):
            booking.status = Status.CANCELLED
        db.session.commit()


@pytest.mark.parametrize("size, weeks", [(PHONE_360, 12), (DESK_1280, 13)], ids=["360", "1280"])
def test_an_arabic_request_on_a_mirrored_page(browser, live_server, browser_problems, size, weeks):
    day = open_day(weekday=3, weeks=weeks)
    title = f"مجموعة النساء {size['width']}"
    page = open_as(browser, live_server.url, "ar", size, browser_problems, "partner@example.org")
    width = size["width"]
    try:
        page.goto("/requests/new")
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]

        # The header: the brand on the right; the menu (phone) or the navigation (desk) to its left.
        brand = box(page, ".brand")
        bar = box(page, ".site-header__inner")
        assert right(brand) > right(bar) - 20 and brand["x"] > width / 2, f"the brand is not on the right: {brand}"
        if width < 500:
            page.locator("summary.site-menu__toggle").click()
        mine, new = box(page, ".site-nav li:nth-child(1) a"), box(page, ".site-nav li:nth-child(2) a")
        if width < 500:
            assert right(mine) > right(new) - 1 and mine["y"] < new["y"], "the menu does not read from the right"
            page.locator("summary.site-menu__toggle").click()  # closes it again
        else:
            assert mine["x"] > right(new) - 1, "the navigation does not run from right to left"
            assert mine["x"] < brand["x"], "the navigation is not left of the brand"

        # The form: labels at the right of their fields.
        label = page.locator("label[for=title]").evaluate(
            "e => { const r = document.createRange(); r.selectNodeContents(e); const b = r.getBoundingClientRect();"
            " return {x: b.x, width: b.width}; }")
        field = box(page, "#title")
        assert abs(right(label) - right(field)) < 2 and label["x"] > field["x"] + 20, "the label is not on the right"

        page.locator("#resource_id").select_option(str(room_id(live_server)))
        page.locator("#date").fill(day.isoformat())
        page.locator("#start").fill("09:00")
        page.locator("#end").fill("10:30")
        page.locator("#attendees").fill("8")
        expect(page.locator("#slot-check .notice--ok")).to_be_visible()
        expect(page.locator("#slot-check bdi[dir=ltr], #slot-check")).not_to_have_count(0)
        page.locator("#title").fill(title)
        page.get_by_label("ما الغرض؟").select_option(index=1)  # the purpose: the house counts its hours
        assert outside_the_screen(page) == []
        page.locator(".form-actions button.only-once").click()
        expect(page).to_have_url(re.compile(r"/requests/$"))
        row = page.locator("tr", has_text=title)
        expect(row).to_have_count(1)
        time = row.locator("bdi[dir=ltr]").first
        expect(time).to_have_text("09:00–10:30")  # read left to right inside the Arabic row
        assert outside_the_screen(page) == []

        # The board: the first hour on the right, the later ones to its left.
        page.goto(f"/board/?date={day.isoformat()}")
        hours = page.locator(".board-row--hours .board-hour")
        first, second = hours.nth(0).bounding_box(), hours.nth(1).bounding_box()
        assert first["x"] > second["x"], "the board's hours do not run from right to left"
        track, names = box(page, ".board-row--hours .board-track"), box(page, ".board-scroll .board-row:not(.board-row--hours) .board-name")
        assert abs(right(first) - right(track)) < 2, "the first hour does not start the hours on the right"
        if width > 500:
            assert names["x"] >= right(track) - 1, "the names are not at the right of the hours"
        if width < 500:
            agenda, grid = box(page, ".board-section--agenda"), box(page, ".board-section--grid")
            assert agenda["y"] < grid["y"], "on a phone the list comes before the grid"
            name = page.locator(".board-name bdi", has_text="Begegnungscafé")
            assert name.evaluate("e => e.getClientRects().length") == 1, "the name breaks over two lines"
        assert outside_the_screen(page) == []
        browser_problems.assert_none()
    finally:
        page.context.close()
        forget(live_server, title)


def focused(page: Page) -> str:
    """What has the focus: tag#id.class, and whether the browser shows it."""
    return page.evaluate("""() => {
      const e = document.activeElement;
      return e ? `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')}`
               + (e.matches(':focus-visible') ? ' visible' : ' hidden') : 'none';
    }""")


def tab_to(page: Page, selector: str, limit: int = 250) -> None:
    """Press Tab until the element matching selector has the focus, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        if target.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus; it stayed at {focused(page)}")


def test_keyboard_only_request_and_approval(browser, live_server, browser_problems, de):
    day = open_day(weekday=4, weeks=14)
    title, later = "Tastatur-Anfrage", "Chorprobe danach"
    partner = open_as(browser, live_server.url, "de", DESK_1280, browser_problems, "partner@example.org")
    manager = open_as(browser, live_server.url, "de", DESK_1280, browser_problems, "manager@example.org")
    try:
        partner.goto("/requests/new")
        tab_to(partner, "#resource_id")
        wanted = str(room_id(live_server))
        for _ in range(60):  # arrow down through the list to the room
            if partner.locator("#resource_id").input_value() == wanted:
                break
            partner.keyboard.press("ArrowDown")
        assert partner.locator("#resource_id").input_value() == wanted
        tab_to(partner, "#date")
        partner.keyboard.type(day.strftime("%m%d%Y"))  # the order of the browser's own locale ...
        if partner.locator("#date").input_value() != day.isoformat():
            partner.keyboard.press("ArrowLeft")
            partner.keyboard.press("ArrowLeft")
            partner.keyboard.type(day.strftime("%d%m%Y"))  # ... whichever it is
        tab_to(partner, "#start")
        partner.keyboard.type("1400")
        tab_to(partner, "#end")
        partner.keyboard.type("1530")
        # The live check answers; the person is still typing: the focus stays in the field.
        expect(partner.locator("#date")).to_have_value(day.isoformat())
        expect(partner.locator("#end")).to_have_value("15:30")
        expect(partner.locator("#slot-check .notice--ok")).to_be_visible()
        assert focused(partner).startswith("input#end"), focused(partner)

        # Sent without a title: the page comes back with the title marked, and the focus on it.
        browser_problems.expected_failures.add(f"{live_server.url}/requests/new")  # its 422
        partner.keyboard.press("Enter")
        expect(partner.locator("#title[aria-invalid=true]")).to_be_visible()
        assert focused(partner).startswith("input#title"), focused(partner)
        partner.keyboard.type(title)
        tab_to(partner, "#purpose_id")  # what it is for: arrow down to the first purpose
        partner.keyboard.press("ArrowDown")
        assert partner.locator("#purpose_id").input_value() != ""
        tab_to(partner, ".form-actions button.only-once")
        partner.keyboard.press("Enter")
        expect(partner).to_have_url(re.compile(r"/requests/$"))
        expect(partner.locator("#flashes [role=status]")).to_be_visible()

        # The manager approves it with the keyboard: the next card in the queue gets the focus.
        later_id = waiting_request(live_server, day + timedelta(days=7), later)
        manager.goto("/manage/queue")
        card = manager.locator("article", has_text=title)
        card_id = card.get_attribute("id")
        tab_to(manager, f"#{card_id} button.button--ok")
        assert focused(manager).endswith("visible"), "the focus is not shown"
        manager.keyboard.press("Enter")
        expect(card.locator(".badge")).to_have_text(de("approved"))
        expect(card.get_by_role("status")).to_be_visible()
        expect(manager.locator(f"#request-{later_id}")).to_be_focused()
        assert focused(manager).endswith("visible"), f"the focus is not shown: {focused(manager)}"
        # The last card decided: the answer in it has the focus.
        tab_to(manager, f"#request-{later_id} button.button--ok")
        manager.keyboard.press("Enter")
        last = manager.locator(f"#request-{later_id}")
        expect(last.locator(".badge")).to_have_text(de("approved"))
        expect(last.get_by_role("status")).to_be_focused()

        # The partner gives the booking up with the keyboard: the row says so, with the focus.
        with live_server.app.app_context():
            booking_id = db.session.scalars(sa.select(Booking.id).where(Booking.title == title)).one()
            assert db.session.get(Booking, booking_id).status == Status.APPROVED
        partner.goto("/requests/")
        partner.once("dialog", lambda dialog: dialog.accept())
        tab_to(partner, f"#booking-{booking_id} button")
        partner.keyboard.press("Enter")
        status = partner.locator(f"#booking-{booking_id} [role=status]")
        expect(status).to_be_focused()
        assert focused(partner).endswith("visible"), f"the focus is not shown: {focused(partner)}"
        browser_problems.assert_none()
    finally:
        partner.context.close()
        manager.context.close()
        forget(live_server, title)
        forget(live_server, later)


def waiting_request(live_server, day, title: str) -> int:
    """A request of the demo group waiting in the queue, the last one there (nothing is later)."""
    with live_server.app.app_context():
        room = db.session.scalars(sa.select(Resource).where(Resource.name == ROOM)).one()
        group = db.session.scalars(sa.select(Organisation).where(Organisation.name == "Deutsch für alle e.V.")).one()
        member = db.session.scalars(sa.select(User).where(User.email == "partner@example.org")).one()
        booking = Booking(resource=room, organisation=group, requested_by=member, title=title, attendees=5,
                          starts_at=to_utc(day, dt_time(9)), ends_at=to_utc(day, dt_time(10)), status=Status.PENDING)
        db.session.add(booking)
        db.session.commit()
        return booking.id
