"""A request told by e-mail, in a real browser: the partner submits, the manager's badge counts
it, the manager approves, and the partner's mail (read from a real SMTP server, sent by the
outbox worker) leads to the approved request."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from booking.notify import worker
from tests.browser.conftest import open_day
from tests.browser.test_journeys import booking_titled, fill_slot, main_nav
from tests.mailserver import Handler, Mailbox, free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(live_server):
    """A mail server for the live app, and the app's links pointing at the live server."""
    mailbox = Mailbox()
    controller = Controller(Handler(mailbox), hostname="127.0.0.1", port=free_port())
    controller.start()
    config = live_server.app.config
    saved = {key: config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "PUBLIC_URL")}
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False, PUBLIC_URL=live_server.url)
    with live_server.app.app_context():
        worker.send_due()  # what the demo left waiting, if anything
    mailbox.received.clear()
    try:
        yield mailbox
    finally:
        config.update(saved)
        controller.stop()


def pending_badge(page) -> int:
    badge = page.locator("#pending-count [aria-hidden=true]")
    return int(badge.inner_text()) if badge.count() else 0


def test_the_partner_is_told_of_the_approval_and_the_link_opens_it(live_server, new_page, login, de, smtp,
                                                                   screenshot):
    manager = login(new_page(), "manager@example.org")
    before = pending_badge(manager)

    partner = login(new_page(phone=True), "partner@example.org")
    main_nav(partner, de).get_by_role("link", name=de("New request")).click()
    title = "Sprachcafé mit Nachricht"
    fill_slot(partner, de, open_day(weekday=2, weeks=9), "14:00", "15:30")
    partner.get_by_label(de("Expected attendees")).fill("8")
    partner.get_by_label(de("Title")).fill(title)
    partner.get_by_label(de("What is it for?")).select_option(label=de("Meeting"))
    partner.get_by_role("button", name=de("Send request")).click()
    expect(partner).to_have_url(re.compile(r"/requests/$"))
    booking = booking_titled(live_server, title)

    manager.reload()
    badge = manager.locator("#pending-count")
    expect(badge.locator("[aria-hidden=true]")).to_have_text(str(before + 1))
    expect(badge.locator(".visually-hidden")).to_have_text(
        live_server.de_n("%(num)d waiting", "%(num)d waiting", before + 1))
    card = manager.get_by_role("article").filter(has_text=title)
    card.get_by_role("button", name=de("Approve"), exact=True).click()
    expect(card.locator(".badge")).to_have_text(de("approved"))
    manager.reload()
    assert pending_badge(manager) == before
    screenshot(manager, "queue-with-pending-count")

    assert smtp.received == []  # nothing went out inside a request
    with live_server.app.app_context():
        worker.send_due()
    [told] = [m for m in smtp.received if "partner@example.org" in m.rcpt_tos
              and m.subject.startswith(de("Approved: %(what)s", what=""))]
    link = re.search(r"https?://\S+/requests/\d+", told.body).group(0)
    assert link == f"{live_server.url}/requests/{booking.id}"
    assert told.message["Content-Language"] == "de"

    partner.goto(link)
    expect(partner.get_by_role("heading", level=1)).to_contain_text(title)
    expect(partner.locator(".badge").first).to_have_text(de("approved"))
    partner.goto("/requests/")
    row = partner.get_by_role("row").filter(has=partner.get_by_role("link", name=title))
    expect(row.locator(".badge--new")).to_have_text(de("New"))
    expect(partner.locator("#decided-since-last-visit")).to_be_visible()
    screenshot(partner, "my-requests-decided-since-last-visit")
