"""The manager writes a room's name in Ukrainian and Arabic in the resource form's "Translations"."""

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from booking.extensions import db
from booking.models import Resource

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/i18n")


def test_the_manager_writes_translations_and_finds_them_again(new_page, login, live_server, de, screenshot):
    with live_server.app.app_context():
        room = db.session.scalars(sa.select(Resource).order_by(Resource.id)).first()
        room_id, german = room.id, room.name
    for phone in (False, True):
        page = login(new_page(phone=phone), "manager@example.org")
        page.goto(f"/manage/resources/{room_id}/edit")
        if page.locator("details.translations[open]").count() == 0:  # open once something is written
            page.get_by_text(de("Translations"), exact=True).click()
        page.locator("#translated-name_uk").fill("Велика зала")
        page.locator("#translated-name_ar").fill("القاعة الكبيرة")
        assert page.locator("#translated-name_ar").get_attribute("dir") == "rtl"
        name = "translations-phone" if phone else "translations-desktop"
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot(page, name), SHOTS / f"{name}.png")
        page.locator("#translated-name_uk").press("Enter")  # sends the form, as on a phone's keyboard
        page.wait_for_url(lambda url: url.endswith("/manage/resources/"))
        page.goto(f"/manage/resources/{room_id}/edit")
        assert page.locator("#translated-name_uk").input_value() == "Велика зала"
    with live_server.app.app_context():
        room = db.session.get(Resource, room_id)
        assert room.name == german and room.translations["ar"] == {"name": "القاعة الكبيرة"}
