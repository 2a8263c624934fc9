"""Log out everywhere, as a person meets it: on the password page, in one browser; the other
browser's next page is the login page (issue 9, point 5)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_log_out_everywhere_from_the_laptop_ends_the_phones_session(new_page, login, de, browser_problems,
                                                                     screenshot):
    phone = login(new_page(phone=True), "desk@example.org")
    laptop = login(new_page(), "desk@example.org")
    laptop.goto("/account/password")
    everywhere = laptop.get_by_role("region", name=de("Log out everywhere"))
    expect(everywhere).to_be_visible()
    screenshot(laptop, "password-page")
    phone.goto("/account/password")
    screenshot(phone, "password-page-phone")

    everywhere.get_by_role("button", name=de("Log out everywhere")).click()
    expect(laptop).to_have_url(re.compile(r"/login$"))
    expect(laptop.get_by_text(de("You are logged out on every device. Log in again here to go on."))).to_be_visible()

    phone.goto("/board/")
    expect(phone).to_have_url(re.compile(r"/login\?next="))
    login(phone, "desk@example.org")  # and in again, as before
    expect(phone).to_have_url(re.compile(r"/board/"))
    browser_problems.assert_none()
