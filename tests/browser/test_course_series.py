"""The German course as a series: requested in one go, approved in one click, on the desk's board.

The house's calendar is pinned to 1 March 2030, so the spring term holds Ascension Day
(Thursday, 30 May 2030) whatever day the suite runs on, and the demo data, which lies
around the real today, stays out of the way.
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from booking import clock
from booking.extensions import db
from booking.models import Booking, Series, Status

pytestmark = pytest.mark.browser

ROOM = "Seminarraum 2"
TITLE = "Deutschkurs Frühjahr"
FIRST = date(2030, 5, 7)  # a Tuesday
LAST = date(2030, 6, 13)  # a Thursday
ASCENSION = date(2030, 5, 30)
THURSDAY = date(2030, 6, 6)


@pytest.fixture
def spring_2030(monkeypatch):
    """Every part of the server that asks for the time hears 1 March 2030, 09:00 UTC."""
    frozen = datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc)
    real_now, real_today = clock.now, clock.today

    def fake_now() -> datetime:
        return frozen

    for module in [m for name, m in sys.modules.items() if name == "booking" or name.startswith("booking.")]:
        for attribute, value in list(vars(module).items()):
            if value is real_now:
                monkeypatch.setattr(module, attribute, fake_now)
            elif value is real_today:
                monkeypatch.setattr(module, attribute, lambda: frozen.astimezone(clock.HOUSE_TZ).date())
    return frozen


def course_dates(live_server) -> list[tuple[date, Status]]:
    with live_server.app.app_context():
        series = db.session.scalars(sa.select(Series).where(Series.title == TITLE)).one()
        rows = db.session.scalars(
            sa.select(Booking).where(Booking.series_id == series.id).order_by(Booking.starts_at)
        ).all()
        return [(clock.local(b.starts_at).date(), b.status) for b in rows]


def test_course_series_is_previewed_sent_approved_and_on_the_board(
    spring_2030, new_page, login, live_server, de, browser_problems, screenshot
):
    # a) The partner asks for Tuesdays and Thursdays, 17:00-19:00, and looks at the dates first.
    partner = login(new_page(phone=True), "partner@example.org")
    partner.goto("/requests/new")
    partner.get_by_label(de("Room, plot or equipment")).select_option(
        label=de("%(name)s (up to %(n)s people)", name=ROOM, n=12))
    partner.get_by_label(de("Date")).fill(FIRST.isoformat())
    partner.get_by_label(de("From")).fill("17:00")
    partner.get_by_label(de("Until")).fill("19:00")
    partner.get_by_label(de("Expected attendees")).fill("10")
    partner.get_by_text(de("Repeat: a weekly course, a regular group …")).click()
    partner.get_by_label(de("Repeat"), exact=True).select_option(label=de("Weekly"))
    partner.get_by_label(de("Tue"), exact=True).check()
    partner.get_by_label(de("Thu"), exact=True).check()
    partner.get_by_label(de("Last date of the series")).fill(LAST.isoformat())
    partner.get_by_label(de("Title")).fill(TITLE)
    partner.get_by_label(de("What is it for?")).select_option(label=de("Meeting"))
    partner.get_by_role("button", name=de("Show the dates")).click()

    preview = partner.get_by_role("region", name=de("Your dates"))
    expect(preview).to_be_visible()
    dates = preview.get_by_role("checkbox")
    expect(dates).to_have_count(11)  # 12 Tuesdays and Thursdays, one of them a holiday
    skipped = preview.locator(".date--out")
    expect(skipped).to_have_count(1)
    expect(skipped).to_contain_text("30. Mai 2030")
    expect(skipped).to_contain_text("Christi Himmelfahrt")
    expect(preview).to_contain_text("17:00–19:00")
    screenshot(partner, "series-preview")

    # The live answer stays, and the page reads top to bottom: the dates, the title, then send.
    expect(partner.locator("#slot-check .notice--ok")).to_be_visible()
    order = partner.evaluate("""() => ['#slot-check', '#series-preview', '#title', '.form-actions button[name=send]']
        .map(s => document.querySelector(s).getBoundingClientRect().top)""")
    assert order == sorted(order), f"the form does not read top to bottom: {order}"
    send = partner.get_by_role("button", name=de("Send request with the ticked dates"))
    assert send.evaluate("b => b === b.closest('.form-actions').querySelector('button')"), "send is not the first action"
    send.click()
    expect(partner).to_have_url(re.compile(r"/requests/series/\d+$"))
    expect(partner.get_by_role("status")).to_contain_text(
        live_server.de_n("Your series with %(num)d date has been sent. The house will reply soon.",
                         "Your series with %(num)d dates has been sent. The house will reply soon.", 11))
    expect(partner.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert [status for _, status in course_dates(live_server)] == [Status.PENDING] * 11

    # b) The manager opens the series from the queue and approves every free date at once.
    manager = login(new_page(), "manager@example.org")
    manager.goto("/manage/queue")
    manager.get_by_role("link", name=re.compile(de("Decide dates") + ".*" + TITLE)).click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text(TITLE)
    manager.get_by_role("button", name=live_server.de_n("Approve the one free date", "Approve all %(num)d free dates", 11)).click()
    expect(manager.get_by_role("status")).to_contain_text(TITLE)
    expect(manager.locator('.series-card__counts [data-status="approved"]')).to_contain_text("11")
    screenshot(manager, "series-approved")
    dates_now = course_dates(live_server)
    assert [status for _, status in dates_now] == [Status.APPROVED] * 11
    assert ASCENSION not in [day for day, _ in dates_now]

    # c) On a Thursday of the term, the front desk sees the course on the board.
    desk = login(new_page(), "desk@example.org")
    desk.goto(f"/board/?date={THURSDAY.isoformat()}")
    entry = desk.locator(".agenda__item").filter(has_text=TITLE)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(ROOM)
    expect(entry).to_contain_text("17:00–19:00")
    expect(entry).to_contain_text("Deutsch für alle e.V.")
    screenshot(desk, "series-on-the-board")
    browser_problems.assert_none()
