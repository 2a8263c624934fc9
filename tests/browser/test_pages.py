"""Pages as people see them: German by default, and usable on a phone without sideways scrolling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from booking.clock import today
from tests.browser.conftest import open_day

pytestmark = pytest.mark.browser

SATURDAY = 5


def next_saturday():
    """The demo data's busiest day: garden plots, benches, the sound system and the Saal."""
    now = today()
    return now + timedelta(days=(SATURDAY - now.weekday() - 1) % 7 + 1)


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0: nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_login_page_speaks_german_to_a_german_browser(page, de, screenshot):
    page.goto("/login")
    assert page.evaluate("document.documentElement.lang") == "de"
    screenshot(page, "login")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(de("Log in"))
    assert heading.inner_text() != "Log in", "the German page shows English text: is the German catalogue compiled?"
    page.locator(".lang-menu summary").click()  # the languages sit in a menu of their own
    for name in ("Deutsch", "English", "العربية", "فارسی", "Українська", "Türkçe", "Русский"):
        expect(page.get_by_role("button", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="Deutsch")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="العربية")).to_have_attribute("lang", "ar")


def test_board_and_request_pages_fit_a_phone(new_page, login, de, browser_problems, screenshot):
    # The front desk checks the busiest day of the week on a phone.
    desk = login(new_page(phone=True), "desk@example.org")
    day = next_saturday()
    desk.goto(f"/board/?date={day.isoformat()}")
    expect(desk.get_by_role("region", name=de("Occupancy by hour"))).to_be_visible()
    agenda = desk.get_by_role("region", name=de("In order of time"))
    expect(agenda.get_by_role("listitem").first).to_be_visible()
    day_nav = desk.get_by_role("navigation", name=de("Choose a day"))
    expect(day_nav.get_by_role("link", name=de("Next day"))).to_be_visible()
    screenshot(desk, "board-phone")
    assert sideways_overflow(desk) == 0, "the board is wider than the phone"

    # A partner group looks at its requests and fills in a new one on a phone.
    partner = login(new_page(phone=True), "partner@example.org")
    expect(partner.get_by_role("table")).to_be_visible()
    screenshot(partner, "my-requests-phone")
    assert sideways_overflow(partner) == 0, "Meine Anfragen is wider than the phone"

    # The header is one row: the brand, the languages and a menu that opens without JavaScript.
    header = partner.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] < 70, f"the header takes {header} of the phone"
    expect(partner.get_by_role("navigation", name=de("Main"))).to_be_hidden()
    partner.get_by_text(de("Menu"), exact=True).click()
    partner.get_by_role("navigation", name=de("Main")).get_by_role("link", name=de("New request")).click()
    partner.get_by_label(de("Room, plot or equipment")).select_option(
        label=de("%(name)s (up to %(n)s people)", name="Seminarraum 2", n=12)
    )
    partner.get_by_label(de("Date")).fill(open_day(weekday=3, weeks=4).isoformat())
    partner.get_by_label(de("From")).fill("09:00")
    partner.get_by_label(de("Until")).fill("10:00")
    expect(partner.locator("#slot-check .notice--ok")).to_contain_text(de("Free."))
    screenshot(partner, "new-request-phone")
    assert sideways_overflow(partner) == 0, "the request form is wider than the phone"

    browser_problems.assert_none()
