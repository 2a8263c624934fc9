"""Screenshots of the main pages at 360 and 1280 px in Arabic, Ukrainian and German, for people to look at.

Saved in instance/screenshots/ (git-ignored) as <page>-<language>-<width>.png:
`bin/test -m browser tests/browser/test_screenshots.py`. Each page must also fit the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import open_day
from tests.browser.people import DESK_1280, PHONE_360, open_as, outside_the_screen, some_request_of

pytestmark = pytest.mark.browser

FOLDER = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


@pytest.mark.parametrize("language", ["ar", "uk", "de"])
def test_screenshots_of_the_main_pages(browser, live_server, browser_problems, language):
    FOLDER.mkdir(parents=True, exist_ok=True)
    day = open_day(weekday=0, weeks=1)
    detail = some_request_of(live_server.app)
    too_wide = []
    heights = {}
    for size in (PHONE_360, DESK_1280):
        def shoot(page, name):
            page.screenshot(path=str(FOLDER / f"{name}-{language}-{size['width']}.png"), full_page=True,
                            caret="initial")
            outside = outside_the_screen(page)
            if outside:
                too_wide.append(f"{name} at {size['width']} px: {outside}")

        visitor = open_as(browser, live_server.url, language, size, browser_problems)
        visitor.goto("/login")
        shoot(visitor, "login")
        partner = open_as(browser, live_server.url, language, size, browser_problems, "partner@example.org")
        for name, url in [
            ("my-requests", "/requests/"),
            ("request-form", "/requests/new"),
            ("detail", f"/requests/{detail}"),
            ("board", f"/board/?date={day.isoformat()}"),
            ("week", f"/calendar/week?date={day.isoformat()}"),
        ]:
            partner.goto(url)
            shoot(partner, name)
        if size is PHONE_360:
            partner.locator("summary.site-menu__toggle").click()
            shoot(partner, "menu-open")
            partner.locator("summary.site-menu__toggle").click()
            partner.locator(".lang-menu summary").click()
            shoot(partner, "languages-open")
        manager = open_as(browser, live_server.url, language, size, browser_problems, "manager@example.org")
        manager.goto("/manage/queue")
        shoot(manager, "queue")
        manager.goto("/manage/hours/")
        shoot(manager, "hours")
        heights[size["width"]] = manager.evaluate("document.documentElement.scrollHeight")
        for page in (visitor, partner, manager):
            page.context.close()
    assert not too_wide, f"wider than the screen: {too_wide}"
    assert heights[360] < 4500, f"the opening hours are {heights[360]} px tall on a phone"
    browser_problems.assert_none()
