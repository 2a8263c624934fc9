"""Data protection as people meet it: the privacy page from any footer, one's own data as a
download, and a manager erasing an account after seeing the requests it withdraws."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from booking.extensions import db
from booking.models import Booking, Organisation, Resource, ResourceKind, Role, User
from tests.browser.conftest import open_day
from tests.conftest import at

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/privacy")
NARROW = {"width": 360, "height": 800}


def shoot(page, name: str) -> None:
    """The page at 1280 and at 360 pixels wide, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True, caret="initial")
    page.set_viewport_size(NARROW)
    page.screenshot(path=str(SHOTS / f"{name}-360.png"), full_page=True, caret="initial")
    page.set_viewport_size(size)


def test_the_privacy_page_and_ones_own_data(page, login, de, browser_problems):
    page.goto("/login")
    page.get_by_role("contentinfo").get_by_role("link", name=de("Privacy")).click()
    expect(page.get_by_role("heading", name=de("Privacy"), level=1)).to_be_visible()
    shoot(page, "notice")
    login(page, "partner@example.org")
    page.get_by_role("contentinfo").get_by_role("link", name=de("My data")).click()
    expect(page.get_by_role("heading", name=de("My data"))).to_be_visible()
    shoot(page, "own-data")
    with page.expect_download() as download:
        page.get_by_role("button", name=de("Download as ZIP (JSON and CSV)")).click()
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        account = json.loads(archive.read("json/user_account.json"))
    assert account[0]["email"] == "partner@example.org"
    browser_problems.assert_none()


def test_a_manager_erases_an_account_after_seeing_what_is_withdrawn(page, login, de, live_server,
                                                                    browser_problems):
    with live_server.app.app_context():
        group = db.session.scalars(sa.select(Organisation).order_by(Organisation.id)).first()
        room = db.session.scalars(sa.select(Resource).where(Resource.kind == ResourceKind.ROOM)
                                  .order_by(Resource.id)).first()
        person = User(email="leaving@example.org", name="Lena Leaving", role=Role.PARTNER, organisation=group)
        day = open_day(weekday=4, weeks=9)
        db.session.add_all([person, Booking(resource=room, organisation=group, requested_by=person,
                                            title="Abschiedsfeier", starts_at=at(day, "07:00"),
                                            ends_at=at(day, "07:30"))])
        db.session.commit()
        person_id = person.id
    login(page, "manager@example.org")
    page.goto(f"/manage/users/{person_id}/edit")
    page.get_by_role("link", name=de("Data protection: download or erase this person's data")).click()
    page.get_by_role("link", name=de("Erase this account …")).click()
    expect(page.get_by_role("heading", name=de("Erase the account of %(name)s", name="Lena Leaving"))).to_be_visible()
    expect(page.get_by_role("link", name="Abschiedsfeier")).to_be_visible()  # withdrawn with the erasure
    shoot(page, "erase-account")
    browser_problems.expected_failures.add(f"{live_server.url}/privacy/accounts/{person_id}/erase")  # the 422
    page.get_by_role("button", name=de("Erase for good")).click()
    expect(page.get_by_text(de("Tick the box to confirm the erasure."))).to_be_visible()
    page.get_by_label(de("I understand that this cannot be undone.")).check()
    page.get_by_role("button", name=de("Erase for good")).click()
    expect(page).to_have_url(re.compile(r"/manage/users/$"))
    expect(page.get_by_text(live_server.de_n(
        "The account was erased; %(num)d pending request was withdrawn.",
        "The account was erased; %(num)d pending requests were withdrawn.", 1))).to_be_visible()
    assert "Lena Leaving" not in page.content()
    browser_problems.assert_none()
