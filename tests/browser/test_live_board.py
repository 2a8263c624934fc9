"""The desk's board refreshes itself: nothing is swapped while nothing changed, a change glows."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import Page

from booking.clock import to_utc
from booking.extensions import db
from booking.models import Booking, Organisation, Resource, Status, User
from tests.browser.conftest import open_day

pytestmark = pytest.mark.browser


def test_the_board_polls_gets_304_and_swaps_in_a_change(new_page, login, live_server):
    day = open_day(weekday=2, weeks=23)
    page: Page = new_page()
    page.clock.install()
    login(page, "desk@example.org")
    page.goto(f"/board/?date={day.isoformat()}")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("document.getElementById('board-live').dataset.seen = 'before'")

    with page.expect_response(lambda r: "/board/" in r.url and r.request.headers.get("hx-request") == "true") as polled:
        page.clock.run_for(31_000)
    assert polled.value.status == 304
    assert page.evaluate("document.getElementById('board-live').dataset.seen") == "before"  # not swapped

    with live_server.app.app_context():
        room = db.session.query(Resource).filter_by(name="Seminarraum 2").first() or db.session.query(Resource).first()
        group = db.session.query(Organisation).first()
        member = db.session.query(User).filter_by(organisation_id=group.id).first()
        booking = Booking(resource=room, organisation=group, requested_by=member, title="Neu im Haus",
                          starts_at=to_utc(day, time(7, 30)), ends_at=to_utc(day, time(8, 15)),
                          status=Status.APPROVED)
        db.session.add(booking)
        db.session.commit()
        booking_id = booking.id
    try:
        with page.expect_response(lambda r: "/board/" in r.url and r.request.headers.get("hx-request") == "true") as polled:
            page.clock.run_for(31_000)
        assert polled.value.status == 200
        page.wait_for_selector(f"#board-block-{booking_id}")
        assert page.evaluate("document.getElementById('board-live').dataset.seen") is None  # swapped
        assert "board-body--changed" in page.get_attribute("#board-live", "class")
        assert page.url.endswith(f"date={day.isoformat()}")  # polling leaves the address alone
    finally:
        with live_server.app.app_context():
            db.session.delete(db.session.get(Booking, booking_id))
            db.session.commit()
