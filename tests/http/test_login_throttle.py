"""Login throttling (issue 9, point 6): one person's typos never lock out the others behind the
same address; guessing at an account does not lock its owner out of a browser they logged in
with before; and a limiter store that cannot be reached never turns a login into a 500.

Counts shared by several worker processes through Redis: tests/concurrency/test_shared_login_counts.py.
The per-account limit itself: tests/http/test_security.py.
"""

from __future__ import annotations

import logging

import pytest

from booking.models import Role
from booking.sessions.throttle import DEVICE_COOKIE
from tests.conftest import PASSWORD

WRONG = "nicht-das-passwort"


def login(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def manager(make):
    return make.user(Role.MANAGER, email="leitung@example.org")


def test_twenty_failures_by_others_at_the_same_address_do_not_lock_out_the_manager(app, make, manager):
    for n in range(20):  # the café's Wi-Fi: twenty people, each with a typo, one address
        assert login(app.test_client(), f"gast{n}@example.org", WRONG).status_code == 422
    for n in range(4):
        assert login(app.test_client(), make.user(Role.PARTNER).email, WRONG).status_code == 422
    fresh_browser = app.test_client()
    assert login(fresh_browser, manager.email).status_code == 302
    assert fresh_browser.get("/manage/queue").status_code == 200


def test_past_the_address_limit_a_browser_that_logged_in_before_still_gets_in(app, manager):
    app.config["LOGIN_LIMIT_ADDRESS"] = "8 per 15 minutes"
    own = app.test_client()
    assert login(own, manager.email).status_code == 302
    own.post("/logout")
    for n in range(8):
        assert login(app.test_client(), f"raten{n}@example.org", WRONG).status_code == 422
    assert login(app.test_client(), "noch-einer@example.org", WRONG).status_code == 429
    assert login(app.test_client(), manager.email).status_code == 429  # a browser never used before
    assert login(own, manager.email).status_code == 302  # the manager's own


def test_guessing_at_an_account_does_not_lock_its_owner_out_of_their_browser(app, manager):
    own = app.test_client()
    assert login(own, manager.email).status_code == 302
    own.post("/logout")
    attacker = app.test_client()
    for _ in range(5):
        assert login(attacker, manager.email, WRONG).status_code == 422
    assert login(attacker, manager.email, WRONG).status_code == 429
    assert login(attacker, manager.email).status_code == 429  # not even the right password
    assert login(own, manager.email).status_code == 302


def test_a_known_browser_is_throttled_too(app, manager):
    own = app.test_client()
    assert login(own, manager.email).status_code == 302
    own.post("/logout")
    for _ in range(5):
        assert login(own, manager.email, WRONG).status_code == 422
    assert login(own, manager.email).status_code == 429


def test_a_forged_device_cookie_counts_for_nothing(app, manager):
    app.config["LOGIN_LIMIT_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        login(app.test_client(), f"raten{n}@example.org", WRONG)
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, "eyJkIjoieCIsImEiOltdfQ.forged.sig", domain="localhost", path="/login")
    assert login(forged, manager.email).status_code == 429


def test_a_successful_login_clears_the_accounts_count(app, manager):
    client = app.test_client()
    for _ in range(4):
        assert login(client, manager.email, WRONG).status_code == 422
    assert login(client, manager.email).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert login(app.test_client(), manager.email, WRONG).status_code == 422


def test_with_the_limiter_store_unreachable_logins_work_and_a_warning_is_logged(app_config, request, caplog):
    app_config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:9/3"  # nothing listens there
    app, make = request.getfixturevalue("app"), request.getfixturevalue("make")
    user = make.user(Role.MANAGER, email="leitung@example.org")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        assert login(client, user.email, WRONG).status_code == 422
    assert any("unreachable" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert login(client, user.email).status_code == 302
    assert client.get("/manage/queue").status_code == 200
    client.post("/logout")
    for _ in range(5):  # counted in memory meanwhile
        login(client, user.email, WRONG)
    assert login(client, user.email, WRONG).status_code == 429
    assert client.post("/password/forgot", data={"email": user.email}).status_code in (303, 429)
