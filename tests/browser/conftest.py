"""A live Treffpunkt with the demo data, and Debian's chromium driven by Playwright.

One server for the whole session: a migrated SQLite file seeded with `flask demo seed`,
real CSRF as in production, served by werkzeug from a thread of this process, so a
test can read and write the same database through the app's models. Each test gets
fresh browser contexts (own cookies) on that server and creates the rows it needs on
dates no other test uses.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask_babel import force_locale, gettext, ngettext
from flask_migrate import upgrade
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from booking import create_app
from booking.extensions import db
from booking.clock import today
from booking.demo import closures_around
from tests.conftest import base_config, future_day

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "treffpunkt-demo"


def open_day(weekday: int, weeks: int) -> date:
    """A weekday some weeks ahead on which the demo house is open (not in its Christmas break)."""
    day = future_day(weekday, weeks)
    closed = [(c.first, c.last) for c in closures_around(today()) if c.resource is None]
    while any(first <= day <= last for first, last in closed):
        day += timedelta(weeks=1)
    return day

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # an everyday smartphone in portrait
SCREENSHOTS = Path(__file__).parent / "screenshots"

# Report CSP violations as console errors too, whatever Chromium itself prints for them.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`);
});
"""


@dataclass
class LiveServer:
    url: str
    app: Flask

    def de(self, message: str, **variables) -> str:
        """A message as the German page shows it: the app's own catalogue, so never out of step."""
        with self.app.test_request_context(), force_locale("de"):
            return gettext(message, **variables)

    def de_n(self, singular: str, plural: str, num: int, **variables) -> str:
        """A message with a number, as the German page shows it."""
        with self.app.test_request_context(), force_locale("de"):
            return ngettext(singular, plural, num, **variables)


class QuietRequestHandler(WSGIRequestHandler):
    """Serve without a log line per request: a failing test shows its own story."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """Treffpunkt on 127.0.0.1 at a free port, with migrations applied and the demo data seeded."""
    folder = tmp_path_factory.mktemp("live")
    instance = folder / "instance"
    instance.mkdir()
    config = base_config(instance, f"sqlite:///{folder / 'treffpunkt.sqlite'}")
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests drive Debian's chromium at {CHROMIUM}, which is missing: "
            "install it with `apt-get install chromium`.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserProblems:
    """Uncaught exceptions and console errors (CSP violations among them) seen in the pages."""

    errors: list[str] = field(default_factory=list)
    expected_failures: set[str] = field(default_factory=set)  # URLs a test expects to fail
    checked: bool = False

    def assert_none(self) -> None:
        self.checked = True
        assert not self.errors, "JavaScript errors in the pages:\n" + "\n".join(self.errors)

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(f"uncaught {error.name}: {error.message}"))
        page.on("console", self._console)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and (
            url in self.expected_failures or urlsplit(url).path == "/favicon.ico"
        ):
            return  # the browser asks for /favicon.ico by itself; the house has none
        self.errors.append(f"console: {message.text} ({url})")


@pytest.fixture
def browser_problems() -> Iterator[BrowserProblems]:
    """Collects what goes wrong in the pages; a test that does not look itself is checked afterwards."""
    problems = BrowserProblems()
    yield problems
    if not problems.checked:
        problems.assert_none()


@pytest.fixture
def new_page(browser, live_server, browser_problems):
    """Open a page in a fresh context (own cookies), German as the browser's language; 1280x900 or a phone."""
    contexts = []

    def open_page(phone: bool = False) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=PHONE if phone else DESKTOP,
            is_mobile=phone,
            has_touch=phone,
            locale="de-DE",
            timezone_id="Europe/Berlin",
        )
        context.set_default_timeout(5_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        return browser_problems.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def login(live_server):
    """Log in through the real login form; returns the page, now on the user's start page."""

    def login(page: Page, email: str, password: str = DEMO_PASSWORD) -> Page:
        de = live_server.de
        shown = page.goto("/login")
        assert shown is not None and shown.ok, f"the login page answered HTTP {shown and shown.status}"
        page.get_by_label(de("E-mail")).fill(email)
        page.get_by_label(de("Password")).fill(password)
        with page.expect_response(
            lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/login"
        ) as posted:
            page.get_by_role("button", name=de("Log in"), exact=True).click()
        assert posted.value.status == 302, f"{email} could not log in (HTTP {posted.value.status})"
        page.wait_for_url(lambda url: urlsplit(url).path != "/login")
        return page

    return login


@pytest.fixture
def de(live_server):
    """de("Approve") is the German text the pages show for that message."""
    return live_server.de


@pytest.fixture(scope="session")
def screenshot():
    """Save a whole page as tests/browser/screenshots/<name>.png (git-ignored), for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        # caret="initial": hiding the caret leaves style="" on inputs, which htmx would then
        # settle into swapped content and the CSP would rightly refuse: a false alarm.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return save
