"""Pages opened as people see them: in their language (the browser's), at a phone's or a desk's width.

One browser context per person, language and width, logged in once through the real form and
reused page after page, so the layout tests stay quick on one shared server.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from booking.extensions import db
from booking.models import Booking, Organisation, Status

from tests.browser.conftest import DEMO_PASSWORD, REPORT_CSP_VIOLATIONS

HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ("de", "en", "ar", "fa", "uk", "tr", "ru")
PHONE_360 = {"width": 360, "height": 740}
DESK_1280 = {"width": 1280, "height": 900}


def axe_script() -> Path:
    """axe-core, pinned in tests/browser/package.json; installed with `npm ci` on a clean clone."""
    if not AXE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                       stdout=subprocess.DEVNULL)
    return AXE


def open_as(browser: Browser, server_url: str, language: str, size: dict, problems=None,
            email: str | None = None) -> Page:
    """A page in its own context, the browser set to one language; logged in when an e-mail is given."""
    context = browser.new_context(
        base_url=server_url, viewport=size, is_mobile=size["width"] < 500, has_touch=size["width"] < 500,
        locale=language, timezone_id="Europe/Berlin",
    )
    context.set_default_timeout(5_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    if problems is not None:
        problems.watch(page)
    if email:
        page.goto("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("form[action$='/login'] button[type=submit]").click()
        page.wait_for_url(lambda url: urlsplit(url).path != "/login")
    return page


def some_request_of(app, organisation_name: str = "Deutsch für alle e.V.") -> int:
    """A request of the demo group to open its detail page."""
    with app.app_context():
        return db.session.scalars(
            sa.select(Booking.id).join(Organisation)
            .where(Organisation.name == organisation_name, Booking.status.in_([Status.APPROVED, Status.PENDING]),
                   Booking.bundle_of_id.is_(None))
            .order_by(Booking.id)
        ).first()


def sideways_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


OUTSIDE = """() => {
  const screen = document.body.getBoundingClientRect();  // as wide as the screen, wherever it is
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || (r.right <= screen.right + 0.5 && r.left >= screen.left - 0.5)) continue;
    let clipped = false;  // inside a box that scrolls or clips sideways: not the page's problem
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== 'visible') { clipped = true; break; }
    }
    if (clipped) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    out.push(`${name} [${Math.round(r.left - screen.left)}, ${Math.round(r.right - screen.left)}]`);
  }
  return out.slice(0, 8);
}"""


def outside_the_screen(page: Page) -> list[str]:
    """The elements that stick out of the screen sideways (empty when the page fits)."""
    if not sideways_overflow(page):
        return []
    return page.evaluate(OUTSIDE) or ["(the page is wider than the screen)"]
