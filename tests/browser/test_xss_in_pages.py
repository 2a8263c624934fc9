"""Markup typed by a group stays text in a real browser: no alert, no CSP violation, no new element.

A group named `"><svg onload=alert(1)>` asks for the Werkstatt with titles and notes such as
`<script>alert(1)</script>`; the house rejects one request with such a reason and closes the
room for a day with another. Then each role looks at the pages and fragments that show these
texts. Every dialog the pages open is recorded (none may open), the content security policy's
violations are console errors (none may be reported), and no element the markup would make
(an inline script, an img or svg with a handler) may be in the document; the texts themselves
must be readable on the page.
"""

from __future__ import annotations

import re
from datetime import time
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from booking import series as serieswork
from booking import workflow
from booking.clock import now, to_utc
from booking.extensions import db
from booking.models import Booking, Closure, Organisation, OrganisationKind, Resource, Role, User
from booking.recurrence import Pattern
from tests.browser.conftest import DEMO_PASSWORD, open_day
from tests.conftest import at

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
GROUP = '"><svg onload=alert(1)>'
ROOM = "Werkstatt"
ROOM_CAPACITY = 8
MEMBER = "xss-gruppe@example.org"
# What the markup would put into the document if it were not escaped.
INJECTED = "script:not([src]), img[src='x'], svg[onload], [onerror], [onload]"


@pytest.fixture
def xss_world(live_server):
    """The group, its member, and its requests on days no other test uses."""
    app = live_server.app
    day, series_day, closed_day = open_day(weekday=1, weeks=6), open_day(weekday=2, weeks=7), \
        open_day(weekday=3, weeks=10)
    with app.app_context():
        manager = db.session.scalars(sa.select(User).where(User.email == "manager@example.org")).one()
        room = db.session.scalars(sa.select(Resource).where(Resource.name == ROOM)).one()
        group = db.session.scalars(sa.select(Organisation).where(Organisation.name == GROUP)).one_or_none()
        if group is None:
            group = Organisation(name=GROUP, kind=OrganisationKind.INITIATIVE, contact_name=IMG,
                                 email="kontakt@xss.example", phone="0000")
            member = User(email=MEMBER, name="Samira Test", role=Role.PARTNER, organisation=group, language="de")
            member.set_password(DEMO_PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])
            db.session.add_all([group, member])
            db.session.commit()
        member = db.session.scalars(sa.select(User).where(User.email == MEMBER)).one()

        def booking(on, start, end, title, note):
            made = Booking(resource=room, organisation=group, requested_by=member, title=title, note=note,
                           attendees=6, starts_at=at(on, start), ends_at=at(on, end))
            db.session.add(made)
            db.session.flush()
            return made

        first = booking(day, "09:00", "11:00", SCRIPT, IMG)
        rival = booking(day, "10:00", "12:00", IMG, SCRIPT)
        approved = booking(day, "14:00", "17:00", SCRIPT, IMG)
        workflow.approve(db.session, approved, manager, now())
        rejected = booking(day, "18:00", "19:00", IMG, SCRIPT)
        workflow.reject(db.session, rejected, manager, now(), SCRIPT)
        in_closure = booking(closed_day, "10:00", "12:00", IMG, SCRIPT)
        workflow.approve(db.session, in_closure, manager, now())
        closure = Closure(resource=room, starts_at=to_utc(closed_day, time(8)), ends_at=to_utc(closed_day, time(20)),
                          reason=IMG, created_by=manager)
        db.session.add(closure)
        pattern = Pattern(series_day, time(17), time(19), (series_day.weekday(),), count=3)
        chosen = [p for p in serieswork.preview(db.session, pattern, room, 6, now(), None) if p.wanted]
        assert chosen, "no date of the series can be requested"
        series = serieswork.send(db.session, pattern, chosen, resource=room, by=member, organisation=group,
                                 title=SCRIPT, attendees=6, note=IMG)
        db.session.commit()
        return {"day": day, "closed_day": closed_day, "first": first.id, "rival": rival.id,
                "approved": approved.id, "rejected": rejected.id, "closure": closure.id, "series": series.id,
                "group": group.id, "member": member.id}


class Watch:
    """Records the dialogs of every page it watches, and dismisses them."""

    def __init__(self):
        self.dialogs: list[str] = []

    def page(self, page: Page) -> Page:
        page.on("dialog", self._dialog)
        return page

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type} {dialog.message!r} on {dialog.page.url if dialog.page else '?'}")
        dialog.dismiss()


def shows_as_text(page: Page, where: str, *texts: str) -> None:
    """The texts are readable in the page, and the markup in them made no element."""
    content = page.evaluate("document.body.textContent")
    for text in texts:
        assert text in content, f"{where}: {text!r} is not on the page"
    injected = page.locator(INJECTED)
    assert injected.count() == 0, f"{where}: the page holds {injected.first.evaluate('e => e.outerHTML')}"


def visit(page: Page, url: str, where: str, *texts: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{where}: HTTP {response and response.status}"
    shows_as_text(page, where, *texts)


def test_what_groups_type_stays_text_in_the_browser(new_page, login, live_server, de, browser_problems, xss_world):
    w = xss_world
    watch = Watch()
    day = w["day"].isoformat()

    # The group itself: its requests, a rejected one with its history, the series, its own booking on the board.
    member = login(watch.page(new_page()), MEMBER)
    visit(member, "/requests/", "Meine Anfragen", GROUP, SCRIPT, IMG)
    visit(member, f"/requests/{w['rejected']}", "the rejected request", IMG, SCRIPT, GROUP)
    visit(member, f"/requests/{w['approved']}", "the approved request", SCRIPT, IMG, GROUP)
    visit(member, f"/requests/series/{w['series']}", "the series", SCRIPT, GROUP)
    visit(member, f"/board/?date={day}", "the group's board", SCRIPT, GROUP)

    # The manager: the queue, then an approval in place answers with htmx fragments.
    manager = login(watch.page(new_page()), "manager@example.org")
    visit(manager, "/manage/queue", "the queue", SCRIPT, IMG, GROUP)
    card = manager.locator(f"#request-{w['first']}")
    card.get_by_role("button", name=de("Approve"), exact=True).click()
    expect(card.locator(".badge")).to_have_text(de("approved"))
    expect(manager.locator(f"#request-{w['rival']}")).to_contain_text(SCRIPT)  # the rival, swapped out of band
    shows_as_text(manager, "the queue after an approval in place", SCRIPT, IMG, GROUP)
    visit(manager, f"/manage/series/{w['series']}", "the series to decide", SCRIPT, GROUP)
    visit(manager, f"/requests/{w['rejected']}", "a request's history", IMG, SCRIPT, GROUP)
    visit(manager, "/requests/new", "the manager's request form", GROUP)
    visit(manager, "/manage/users/", "the accounts", GROUP)
    visit(manager, f"/manage/users/{w['member']}/edit", "an account", GROUP)
    visit(manager, "/manage/organisations/", "the groups", GROUP)
    visit(manager, f"/manage/organisations/{w['group']}/edit", "a group", GROUP)
    visit(manager, "/manage/closures/", "the closures", IMG)
    visit(manager, f"/manage/closures/{w['closure']}", "a closure", IMG, GROUP)
    visit(manager, "/manage/changes", "the record of changes", GROUP)

    # The front desk: the board, and another day and back as htmx fragments.
    desk = login(watch.page(new_page()), "desk@example.org")
    visit(desk, f"/board/?date={day}", "the board", SCRIPT, GROUP)
    desk.evaluate("window.__noReload = 42")
    nav = desk.get_by_role("navigation", name=de("Choose a day"))
    nav.get_by_role("link", name=de("Next day")).click()
    expect(desk).to_have_url(re.compile(r"/board/\?date=(?!" + day + ")"))
    nav.get_by_role("link", name=de("Previous day")).click()
    expect(desk.locator(f"#board-block-{w['approved']}")).to_contain_text(SCRIPT)
    assert desk.evaluate("window.__noReload") == 42, "the board's day navigation reloaded the page"
    shows_as_text(desk, "the board after the day navigation", SCRIPT, GROUP)

    # Another group asks for the closed room: the live check (a fragment) and the refused form.
    other = login(watch.page(new_page()), "partner2@example.org")
    other.goto("/requests/new")
    other.get_by_label(de("Room, plot or equipment")).select_option(
        label=de("%(name)s (up to %(n)s people)", name=ROOM, n=ROOM_CAPACITY))
    other.get_by_label(de("Date")).fill(w["closed_day"].isoformat())
    other.get_by_label(de("From")).fill("11:00")
    other.get_by_label(de("Until")).fill("13:00")
    other.get_by_label(de("Expected attendees")).fill("5")
    check = other.locator("#slot-check")
    expect(check.locator(".notice--bad")).to_contain_text(IMG)  # the closure's reason
    shows_as_text(other, "the live check", IMG)
    other.get_by_label(de("Title")).fill(SCRIPT)
    other.get_by_label(de("What is it for?")).select_option(label=de("Meeting"))
    other.get_by_label(de("Note for the house")).fill(IMG)
    browser_problems.expected_failures.add(f"{live_server.url}/requests/new")  # 409: refused, as it should be
    with other.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/requests/new") \
            as sent:
        other.get_by_role("button", name=de("Send request")).click()
    assert sent.value.status == 409
    expect(other.get_by_label(de("Title"))).to_have_value(SCRIPT)
    expect(other.get_by_label(de("Note for the house"))).to_have_value(IMG)
    shows_as_text(other, "the refused request", IMG)
    visit(other, f"/board/?date={day}", "another group's board")
    assert SCRIPT not in other.evaluate("document.body.textContent")  # only "booked" for them

    assert watch.dialogs == [], f"dialogs opened: {watch.dialogs}"
    browser_problems.assert_none()
