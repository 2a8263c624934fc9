"""axe-core finds no serious or critical problem on any page, in any language a partner can choose.

axe-core (pinned in tests/browser/package.json) is injected into each page by Playwright and run
there. Every partner page in de en ar fa uk tr ru, and every manager page in German and English.
One browser context per person and language, reused page after page, on the shared server.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Closure, Organisation, Resource, Series, User
from tests.browser.conftest import open_day
from tests.browser.people import DESK_1280, LANGUAGES, PHONE_360, axe_script, some_request_of

pytestmark = pytest.mark.browser

GROUP = "Deutsch für alle e.V."
SERIOUS = ("serious", "critical")


def ids(app) -> dict[str, int]:
    """Real objects of the demo house for the pages that show one."""
    with app.app_context():
        one = lambda query: db.session.scalars(query).first()  # noqa: E731
        return {
            "booking": some_request_of(app, GROUP),
            "series": one(sa.select(Series.id).join(Organisation).where(Organisation.name == GROUP)),
            "room": one(sa.select(Resource.id).where(Resource.name == "Seminarraum 1")),
            "organisation": one(sa.select(Organisation.id).where(Organisation.name == GROUP)),
            "user": one(sa.select(User.id).where(User.email == "partner@example.org")),
            "closure": one(sa.select(Closure.id).order_by(Closure.id)),
        }


def partner_pages(found: dict[str, int]) -> list[str]:
    day = open_day(weekday=0, weeks=1).isoformat()
    return [
        "/requests/", "/requests/?when=past", "/requests/new", f"/requests/{found['booking']}",
        f"/requests/series/{found['series']}", f"/board/?date={day}", f"/calendar/week?date={day}",
        f"/calendar/month?date={day}", "/calendar/feeds", "/account/notifications", "/account/password",
    ]


def manager_pages(found: dict[str, int]) -> list[str]:
    pages = [
        "/manage/queue", "/manage/changes", "/manage/hours/", f"/manage/hours/{found['room']}",
        "/manage/closures/", "/manage/closures/new",
        "/manage/resources/", "/manage/resources/new", f"/manage/resources/{found['room']}/edit",
        "/manage/organisations/", "/manage/organisations/new", f"/manage/organisations/{found['organisation']}/edit",
        "/manage/users/", "/manage/users/new", f"/manage/users/{found['user']}/edit",
        f"/manage/series/{found['series']}", "/manage/outbox", "/lobby/screens", "/board/", "/calendar/week",
    ]
    if found["closure"]:
        pages += [f"/manage/closures/{found['closure']}", f"/manage/closures/{found['closure']}/edit"]
    return pages


def serious_problems(page, url: str) -> list[str]:
    """Open the page, run axe-core in it, and name each serious or critical violation."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered HTTP {response and response.status}"
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{url}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"] if v["impact"] in SERIOUS
    ]


def serious_problems_here(page) -> list[str]:
    """axe-core once more on the page as it is now (axe-core is already in it)."""
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} at {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]
            if v["impact"] in SERIOUS]


def open_for_axe(browser, live_server, language: str, email: str | None = None):
    # The page's content security policy allows no inline script; axe-core comes in as one.
    context = browser.new_context(base_url=live_server.url, viewport=DESK_1280, locale=language,
                                  timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    if email:
        page.goto("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill("treffpunkt-demo")
        page.locator("form[action$='/login'] button[type=submit]").click()
        page.wait_for_url(lambda url: not url.endswith("/login"))
    return page


@pytest.mark.parametrize("language", LANGUAGES)
def test_partner_pages_have_no_serious_accessibility_problems(browser, live_server, language):
    found = ids(live_server.app)
    problems = []
    visitor = open_for_axe(browser, live_server, language)
    for url in ("/login", "/password/forgot"):
        problems += serious_problems(visitor, url)
    visitor.context.close()
    partner = open_for_axe(browser, live_server, language, "partner@example.org")
    assert partner.evaluate("document.documentElement.lang") == language
    for url in partner_pages(found):
        problems += serious_problems(partner, url)
    if language in ("ar", "de"):  # on a phone, with the menu and the languages open
        partner.set_viewport_size(PHONE_360)
        partner.goto("/requests/")
        partner.add_script_tag(path=str(axe_script()))
        partner.locator("summary.site-menu__toggle").click()
        problems += [f"menu open at 360 px: {p}" for p in serious_problems_here(partner)]
        partner.locator("summary.site-menu__toggle").click()
        partner.locator(".lang-menu summary").click()
        problems += [f"languages open at 360 px: {p}" for p in serious_problems_here(partner)]
    if language == "de":  # axe-core does see a problem when there is one
        partner.evaluate("document.querySelector('main').append(document.createElement('button'))")
        assert [p for p in serious_problems_here(partner) if "button-name" in p]
    partner.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["de", "en"])
def test_manager_pages_have_no_serious_accessibility_problems(browser, live_server, language):
    found = ids(live_server.app)
    manager = open_for_axe(browser, live_server, language, "manager@example.org")
    problems = []
    for url in manager_pages(found):
        problems += serious_problems(manager, url)
    manager.context.close()
    assert not problems, "\n".join(problems)
