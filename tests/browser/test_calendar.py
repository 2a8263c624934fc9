"""The week, free times on the form, click to book, and printing the day, in chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_day
from tests.browser.test_pages import next_saturday

pytestmark = pytest.mark.browser


def sideways_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_a_partner_picks_a_free_time_by_keyboard_and_sends_it(new_page, login, de, browser_problems, screenshot):
    page = login(new_page(), "partner@example.org")
    page.goto("/requests/new")
    day = open_day(weekday=2, weeks=3)
    page.get_by_label(de("Room, plot or equipment")).select_option(
        label=de("%(name)s (up to %(n)s people)", name="Seminarraum 2", n=12))
    page.get_by_label(de("Date")).fill(day.isoformat())
    panel = page.locator("#free-times")
    expect(panel.get_by_role("heading", level=2)).to_have_text(f"{de('Free times')}: Seminarraum 2")
    chosen = panel.locator(".free-day--chosen")
    expect(chosen).to_be_visible()
    gap = chosen.locator(".free-gap").first
    words = gap.inner_text()
    start = re.search(r"(\d\d:\d\d)–", words)[1]

    gap.focus()  # a link in the tab order, taken with the keyboard
    page.keyboard.press("Enter")
    expect(page.locator("#request-form input[name=start]")).to_have_value(start)
    expect(page.locator("#request-form input[name=date]")).to_have_value(day.isoformat())
    end = page.locator("#request-form input[name=end]").input_value()
    assert end > start
    expect(page.locator("#slot-check")).to_contain_text(de("Free."))
    screenshot(page, "free-times-picked")

    page.get_by_label(de("Title")).focus()
    page.keyboard.type("Lesecafé")
    page.get_by_label(de("What is it for?")).select_option(label=de("Meeting"))
    page.get_by_role("button", name=de("Send request")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/requests/")
    expect(page.get_by_text(de("Your request for %(name)s has been sent. The house will reply soon.",
                                name="Seminarraum 2"))).to_be_visible()
    expect(page.get_by_role("cell", name="Lesecafé")).to_be_visible()
    browser_problems.assert_none()


def test_an_empty_slot_on_the_board_starts_a_prefilled_request(new_page, login, de, browser_problems):
    """The desk's empty slots start a walk-in for that room and hour (days it may book at the
    counter), the manager's a request; a block opens its request for those who may see it."""
    day = next_saturday()  # the demo's busiest day
    desk = login(new_page(), "desk@example.org")
    desk.goto(f"/board/?date={day.isoformat()}")
    expect(desk.locator(".block").first).to_be_visible()
    if desk.locator(".board-slot a").count():
        slot = desk.locator(".board-slot a").first
        wanted = dict(part.split("=") for part in slot.get_attribute("href").split("?")[1].split("&"))
        slot.click()
        desk.wait_for_url("**/desk/walk-in?**")
        expect(desk.locator("input[name=date]")).to_have_value(day.isoformat())
        expect(desk.locator("input[name=start]")).to_have_value(wanted["start"])
        desk.go_back()
    block_link = desk.locator(".block .block__org a").first
    block_link.click()
    expect(desk).to_have_url(re.compile(r"/requests/\d+$"))

    manager = login(new_page(), "manager@example.org")
    manager.goto(f"/board/?date={day.isoformat()}")
    slot = manager.locator(".board-slot a").first
    href = slot.get_attribute("href")
    wanted = dict(part.split("=") for part in href.split("?")[1].split("&"))
    slot.click()
    manager.wait_for_url("**/requests/new?**")
    expect(manager.locator("#request-form input[name=date]")).to_have_value(day.isoformat())
    expect(manager.locator("#request-form input[name=start]")).to_have_value(wanted["start"])
    expect(manager.locator("#request-form input[name=end]")).to_have_value(wanted["end"])
    expect(manager.locator("#request-form select[name=resource_id]")).to_have_value(wanted["resource_id"])
    expect(manager.locator("#free-times .free-day--chosen")).to_be_visible()
    browser_problems.assert_none()


def test_the_day_prints_without_navigation_and_with_whole_blocks(new_page, login, de, screenshot):
    page = login(new_page(), "desk@example.org")
    day = next_saturday()
    page.goto(f"/board/?date={day.isoformat()}")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#board-nav")).to_be_hidden()
    header = page.locator(".print-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text(str(day.year))
    blocks = page.locator(".block")
    assert blocks.count() > 0
    clipped = page.evaluate("""() => [...document.querySelectorAll('.block')].filter(b =>
        [b, ...b.querySelectorAll('*')].some(e => getComputedStyle(e).overflow !== 'visible'
            || getComputedStyle(e).textOverflow === 'ellipsis' && getComputedStyle(e).whiteSpace === 'nowrap'))
        .map(b => b.textContent.trim())""")
    assert clipped == [], f"blocks cut short in print: {clipped[:3]}"
    title = blocks.first.locator(".block__title, .block__org").first
    assert title.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    screenshot(page, "board-print")


def test_the_week_on_a_phone_is_a_list_of_days(new_page, login, de, browser_problems, screenshot):
    page = login(new_page(phone=True), "partner@example.org")
    page.set_viewport_size({"width": 360, "height": 780})
    day = next_saturday()
    page.goto(f"/calendar/week?kind=room&date={day.isoformat()}")
    days = page.locator(".week-day")
    expect(days).to_have_count(7)
    assert sideways_overflow(page) == 0, "the week is wider than the phone"
    # Other groups' bookings read "Belegt", nothing more.
    expect(page.locator(".week-block--private").first).to_contain_text(de("Booked"))
    screenshot(page, "week-phone")
    heading = page.locator(".cal-title__when").inner_text()
    page.locator(".week-foot").get_by_role("link", name=de("Next week")).click()
    expect(page.locator(".cal-title__when")).not_to_have_text(heading)
    monday = day - timedelta(days=day.weekday()) + timedelta(days=7)
    expect(page).to_have_url(re.compile(rf"date={monday.isoformat()}"))
    assert sideways_overflow(page) == 0
    browser_problems.assert_none()


def test_the_week_prints_on_one_landscape_page(new_page, login, de):
    page = login(new_page(), "manager@example.org")
    day = next_saturday()
    page.goto(f"/calendar/week?kind=room&date={day.isoformat()}")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".cal-nav").first).to_be_hidden()
    expect(page.locator(".print-header")).to_be_visible()
    expect(page.locator(".week-block").first).to_be_visible()
